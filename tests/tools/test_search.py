"""Glob and Grep on real trees. Every Grep test runs twice: with ripgrep and with the Python
fallback, against the same expected text, so the two engines cannot drift apart."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.tools import ToolContext, ToolError
from agent.tools import grep_python
from agent.tools.search import GLOB, GREP

ROOT = Path(__file__).parents[2]
NEEDS_RG = pytest.mark.skipif(shutil.which("rg") is None, reason="ripgrep (rg) is not installed")


@pytest.fixture
def tree(tmp_path):
    files = {
        "a.py": "import os\n\ndef main():\n    print('Hello')\n    return 0\n",
        "b.txt": "hello world\nHELLO again\nbye\n",
        "src/c.py": "# hello\nx = 1\n",
        ".hidden/h.txt": "hello from a hidden folder\n",
        "ctx.txt": "".join(f"line{i}\n" for i in range(1, 11)),
        "node_modules/d.js": "hello\n",
        ".git/config": "hello\n",
        "build/out.txt": "hello\n",
        "__pycache__/a.pyc": "hello\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "img.bin").write_bytes(b"hello\0\x01\x02 binary")
    return tmp_path


@pytest.fixture(params=["python", pytest.param("rg", marks=NEEDS_RG)])
def ctx(request, tree):
    # An empty PATH hides rg from Grep, which then searches with Python.
    return ToolContext(cwd=tree, env={"PATH": ""} if request.param == "python" else None)


def grep(ctx, pattern, **args):
    return GREP.run({"pattern": pattern, **args}, ctx)


@pytest.mark.parametrize("args, expected", [
    ({}, ".hidden/h.txt\nb.txt\nsrc/c.py"),
    ({"-i": True}, ".hidden/h.txt\na.py\nb.txt\nsrc/c.py"),
    ({"-i": True, "output_mode": "count"}, ".hidden/h.txt:1\na.py:1\nb.txt:2\nsrc/c.py:1"),
    ({"output_mode": "content", "path": "b.txt", "-i": True},
     "b.txt:1:hello world\nb.txt:2:HELLO again"),
    ({"output_mode": "content", "path": "src", "-n": False}, "src/c.py:# hello"),
    ({"glob": "*.py", "-i": True}, "a.py\nsrc/c.py"),
    ({"glob": "src/*.py"}, "src/c.py"),
    ({"glob": "*.{txt,js}"}, ".hidden/h.txt\nb.txt"),
    ({"path": "src"}, "src/c.py"),
    ({"pattern": r"^\s+return \d$"}, "a.py"),
    ({"pattern": "nothing like this"}, "No matches found"),
])
def test_grep_output_modes_and_filters(ctx, args, expected):
    args = {"pattern": "hello", **args}
    assert GREP.run(args, ctx) == expected


def test_grep_skips_binary_files_and_ignored_folders(ctx):
    found = grep(ctx, "hello", **{"-i": True}).split("\n")
    assert found == [".hidden/h.txt", "a.py", "b.txt", "src/c.py"]
    assert not {"img.bin", "node_modules/d.js", ".git/config", "build/out.txt"} & set(found)


@pytest.mark.parametrize("context, expected", [
    ({}, ["ctx.txt:2:line2", "ctx.txt:8:line8"]),  # no context: no -- between matches
    ({"-A": 1}, ["ctx.txt:2:line2", "ctx.txt-3-line3", "--",
                 "ctx.txt:8:line8", "ctx.txt-9-line9"]),
    ({"-B": 1}, ["ctx.txt-1-line1", "ctx.txt:2:line2", "--",
                 "ctx.txt-7-line7", "ctx.txt:8:line8"]),
    ({"-C": 1}, ["ctx.txt-1-line1", "ctx.txt:2:line2", "ctx.txt-3-line3", "--",
                 "ctx.txt-7-line7", "ctx.txt:8:line8", "ctx.txt-9-line9"]),
    ({"-C": 3}, ["ctx.txt-1-line1", "ctx.txt:2:line2"]
     + [f"ctx.txt-{i}-line{i}" for i in range(3, 8)]
     + ["ctx.txt:8:line8", "ctx.txt-9-line9", "ctx.txt-10-line10"]),  # windows merge: no --
    ({"-C": 3, "-A": 0}, ["ctx.txt-1-line1", "ctx.txt:2:line2", "--", "ctx.txt-5-line5",
                          "ctx.txt-6-line6", "ctx.txt-7-line7", "ctx.txt:8:line8"]),
])
def test_grep_context_lines(ctx, context, expected):
    result = grep(ctx, "^line[28]$", output_mode="content", path="ctx.txt", **context)
    assert result.split("\n") == expected


def test_grep_context_separates_files(ctx):
    assert grep(ctx, "hello", output_mode="content", glob="*.py", **{"-i": True, "-A": 1}) == (
        "a.py:4:    print('Hello')\na.py-5-    return 0\n--\nsrc/c.py:1:# hello\nsrc/c.py-2-x = 1")


def test_grep_head_limit(ctx):
    result = grep(ctx, "hello", output_mode="content", head_limit=2, **{"-i": True})
    assert result.split("\n") == [
        ".hidden/h.txt:1:hello from a hidden folder", "a.py:4:    print('Hello')",
        "[3 more lines not shown; raise head_limit or narrow the search]"]


def test_grep_paths_outside_the_working_directory_are_absolute(ctx, tree):
    elsewhere = ToolContext(cwd=tree / "src", env=ctx.env)
    assert grep(elsewhere, "HELLO", path=str(tree / "b.txt")) == str(tree / "b.txt")


@pytest.mark.parametrize("args, words", [
    ({"pattern": "foo("}, "foo("),
    ({"pattern": "x", "path": "missing"}, "does not exist"),
    ({"pattern": "x", "output_mode": "lines"}, "output_mode must be one of"),
    ({"pattern": "x", "-A": -1}, "at least 0"),
])
def test_grep_refuses_bad_requests(ctx, args, words):
    with pytest.raises(ToolError) as e:
        GREP.run(args, ctx)
    assert words in str(e.value)


@NEEDS_RG
@pytest.mark.parametrize("args", [
    {"pattern": "def \\w+"},
    {"pattern": "def \\w+", "output_mode": "count"},
    {"pattern": "import", "output_mode": "content", "-C": 2},
    {"pattern": "TOOLERROR", "output_mode": "content", "-i": True, "glob": "**/*.py"},
    {"pattern": "ctx", "output_mode": "content", "-n": False, "-B": 1, "path": "agent/tools"},
])
def test_ripgrep_and_the_fallback_agree_on_this_repository(tmp_path, args):
    shutil.copytree(ROOT / "agent", tmp_path / "agent",
                    ignore=shutil.ignore_patterns("__pycache__"))
    with_rg = GREP.run(args, ToolContext(cwd=tmp_path, max_result_chars=10**7))
    fallback = GREP.run(args, ToolContext(cwd=tmp_path, max_result_chars=10**7,
                                          env={"PATH": ""}))
    assert with_rg.count("\n") > 3
    assert with_rg == fallback


@NEEDS_RG
@pytest.mark.parametrize("args", [
    {"pattern": "x"},
    {"pattern": "x", "output_mode": "content", "-C": 1},
    {"pattern": "x$", "output_mode": "count"},
])
def test_ripgrep_and_the_fallback_agree_on_awkward_files(tmp_path, args):
    files = {"a/z.txt": b"x\n", "a-b.txt": b"x\n", "crlf.txt": b"one x\r\ntwo\r\nx\r\n",
             "latin1.txt": b"caf\xe9 x\n", "wide.txt": b"x" * 5000 + b"\n", "no-eol.txt": b"y\nx",
             "B.txt": b"x\n", "_u.txt": b"x\n"}
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(data)
    with_rg = GREP.run(args, ToolContext(cwd=tmp_path))
    fallback = GREP.run(args, ToolContext(cwd=tmp_path, env={"PATH": ""}))
    assert with_rg.startswith("B.txt") and "\r" not in with_rg
    assert with_rg == fallback


# --- Glob -------------------------------------------------------------------------------------

def test_glob_lists_newest_first(tree):
    for age, name in enumerate(["src/c.py", "a.py", "src/new.py"]):
        path = tree / name
        path.touch()
        os.utime(path, (1_000_000 + age * 1000, 1_000_000 + age * 1000))
    assert GLOB.run({"pattern": "**/*.py"}, ToolContext(cwd=tree)) == "src/new.py\na.py\nsrc/c.py"


@pytest.mark.parametrize("pattern, path, expected", [
    ("*.py", None, {"a.py"}),  # one folder deep, as in a shell
    ("**/*.py", None, {"a.py", "src/c.py"}),  # not node_modules, not __pycache__
    ("src/*.py", None, {"src/c.py"}),
    ("*.py", "src", {"src/c.py"}),  # relative to path, shown relative to cwd
    ("**/*.{txt,js}", None, {"b.txt", "ctx.txt", ".hidden/h.txt"}),  # not .git, node_modules, build
    ("**/config", None, set()),
    ("c?.txt", None, set()),
    ("[ab].*", None, {"a.py", "b.txt"}),
])
def test_glob_patterns_and_skipped_folders(tree, pattern, path, expected):
    args = {"pattern": pattern} | ({"path": path} if path else {})
    result = GLOB.run(args, ToolContext(cwd=tree))
    assert (set(result.split("\n")) if result != "No files found" else set()) == expected


def test_glob_outside_the_working_directory_gives_absolute_paths(tree):
    ctx = ToolContext(cwd=tree / "src")
    assert GLOB.run({"pattern": "*.txt", "path": str(tree)}, ctx) in (
        f"{tree / 'b.txt'}\n{tree / 'ctx.txt'}", f"{tree / 'ctx.txt'}\n{tree / 'b.txt'}")
    assert GLOB.run({"pattern": f"{tree}/src/*.py"}, ctx) == "c.py"


def test_glob_caps_at_100_results(tmp_path):
    for i in range(105):
        (tmp_path / f"f{i:03}.txt").write_text("")
    lines = GLOB.run({"pattern": "*.txt"}, ToolContext(cwd=tmp_path)).split("\n")
    assert len(lines) == 101
    assert lines[-1] == "(5 more not shown; narrow the pattern)"


def test_glob_refuses_a_missing_folder(tree):
    with pytest.raises(ToolError, match="not a directory"):
        GLOB.run({"pattern": "*", "path": "nope"}, ToolContext(cwd=tree))


# The Python search (no ripgrep) runs in a child process with a time budget, and skips files
# over a size limit; both are said in the result.

def test_a_catastrophic_regex_is_stopped_at_the_budget_with_what_was_found(tmp_path,
                                                                           monkeypatch):
    monkeypatch.setattr(grep_python, "FALLBACK_BUDGET_S", 1.0)
    (tmp_path / "1.txt").write_text("aaaa\n")
    (tmp_path / "2.txt").write_text("a" * 30 + "b\n")  # (a+)+$ backtracks 2**30 ways here
    (tmp_path / "3.txt").write_text("aaa\n")
    start = time.monotonic()
    out = GREP.run({"pattern": "(a+)+$"}, ToolContext(cwd=tmp_path, env={"PATH": ""}))
    took = time.monotonic() - start
    assert took < 2.5, f"took {took:.1f} s"
    first, note = out.split("\n")
    assert first == "1.txt"
    assert note.startswith("[Grep was stopped after 1 s, while searching 2.txt: the results "
                           "above are only those found so far.")
    assert "install ripgrep" in note and "narrow the pattern" in note


def test_a_search_within_the_budget_has_no_note(tmp_path, monkeypatch):
    monkeypatch.setattr(grep_python, "FALLBACK_BUDGET_S", 1.0)
    (tmp_path / "a.txt").write_text("a" * 30 + "b\n")
    out = GREP.run({"pattern": "a+b$"}, ToolContext(cwd=tmp_path, env={"PATH": ""}))
    assert out == "a.txt"


BIG_GREP = """
import resource, sys
from pathlib import Path
from agent.tools import ToolContext
from agent.tools.search import GREP
cwd = Path(sys.argv[1])
with (cwd / "big.log").open("wb") as f:
    f.truncate(2 * 1024**3)  # sparse: 2 GB on paper, nothing on disk
(cwd / "small.txt").write_text("needle\\n")
print(GREP.run({"pattern": "needle"}, ToolContext(cwd=cwd, env={"PATH": ""})))
print(GREP.run({"pattern": "needle"}, ToolContext(cwd=cwd, env={"PATH": ""},
                                                  readable=lambda p: p.name != "big.log")))
print(max(resource.getrusage(who).ru_maxrss // 1024
          for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))
"""


def test_the_python_search_skips_files_over_the_limit_and_says_so(tmp_path):
    done = subprocess.run([sys.executable, "-c", BIG_GREP, str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    found, note, denied, peak_mb = done.stdout.splitlines()
    assert found == "small.txt"
    assert note == ("[not searched, over 10 MB: big.log (2,147 MB). Install ripgrep (rg) to "
                    "search large files, or use Bash.]")
    assert denied == "small.txt"  # a file the rules hide is not named either
    assert int(peak_mb) < 200, f"peak memory {peak_mb} MB"


def test_a_fifo_in_the_tree_is_skipped_and_named_alone_is_refused(ctx, tree):
    os.mkfifo(tree / "pipe")
    start = time.monotonic()
    assert grep(ctx, "hello") == ".hidden/h.txt\nb.txt\nsrc/c.py"
    with pytest.raises(ToolError, match="pipe is a FIFO .a named pipe., not a regular file"):
        grep(ctx, "hello", path="pipe")
    assert time.monotonic() - start < 5
