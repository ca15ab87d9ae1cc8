"""Read, Write and Edit on real files, including the read-before-change rule."""

import os
import stat
import sys
import subprocess

import pytest

from agent.tools import ToolContext, ToolError
from agent.tools.files import EDIT, READ, WRITE


@pytest.fixture
def ctx(tmp_path):
    return ToolContext(cwd=tmp_path)


def read(ctx, **args):
    return READ.run(args, ctx)


def write(ctx, **args):
    return WRITE.run(args, ctx)


def edit(ctx, **args):
    return EDIT.run(args, ctx)


# --- Read -------------------------------------------------------------------------------------

def test_read_numbers_lines_like_cat_n(ctx, tmp_path):
    (tmp_path / "a.txt").write_text("first\n\tindented\n\nlast\n")
    expected = subprocess.run(["cat", "-n", "a.txt"], cwd=tmp_path, capture_output=True,
                              text=True, check=True).stdout.rstrip("\n")
    assert read(ctx, file_path="a.txt") == expected


@pytest.fixture
def long_file(tmp_path):
    (tmp_path / "long.txt").write_text("".join(f"line {i}\n" for i in range(1, 5322)))
    return "long.txt"


@pytest.mark.parametrize("offset, limit, first, last, note", [
    (None, None, 1, 2000, "[lines 1-2000 of 5321 shown; call Read with offset=2001 to continue]"),
    (2001, 3, 2001, 2003,
     "[lines 2001-2003 of 5321 shown; call Read with offset=2004 to continue]"),
    (5320, None, 5320, 5321, "[lines 5320-5321 of 5321 shown]"),
    ("10", "2", 10, 11, "[lines 10-11 of 5321 shown; call Read with offset=12 to continue]"),
    (0, 2, 1, 2, "[lines 1-2 of 5321 shown; call Read with offset=3 to continue]"),
])
def test_read_offset_limit_and_the_continue_note(tmp_path, long_file, offset, limit, first, last,
                                                 note):
    ctx = ToolContext(cwd=tmp_path, max_result_chars=100_000)
    args = {k: v for k, v in {"offset": offset, "limit": limit}.items() if v is not None}
    lines = read(ctx, file_path=long_file, **args).split("\n")
    assert lines[0] == f"{first:6}\tline {first}"
    assert lines[-2] == f"{last:6}\tline {last}"
    assert lines[-1] == note
    assert len(lines) == last - first + 2


def test_read_stops_at_whole_lines_within_the_result_cap(tmp_path, long_file):
    ctx = ToolContext(cwd=tmp_path, max_result_chars=1000)
    result = read(ctx, file_path=long_file)
    lines = result.split("\n")
    n = len(lines) - 1
    assert 40 < n < 80 and len(result) <= 1000
    assert lines[:-1] == [f"{i:6}\tline {i}" for i in range(1, n + 1)]
    assert lines[-1] == f"[lines 1-{n} of 5321 shown; call Read with offset={n + 1} to continue]"


def test_read_whole_short_file_has_no_note(ctx, tmp_path):
    (tmp_path / "s.txt").write_text("a\nb")
    assert read(ctx, file_path="s.txt") == "     1\ta\n     2\tb"


def test_read_cuts_long_lines_with_a_mark(ctx, tmp_path):
    (tmp_path / "wide.txt").write_text("x" * 5000 + "\nshort\n")
    first, second = read(ctx, file_path="wide.txt").split("\n")
    assert first == "     1\t" + "x" * 2000 + " [... line cut: 3,000 more characters]"
    assert second == "     2\tshort"


def _binary(p):
    p.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")


def _huge(p):
    with p.open("wb") as f:  # sparse: 11 MB on paper, nothing on disk
        f.truncate(11 * 1024 * 1024)


def _directory(p):
    p.mkdir()


@pytest.mark.parametrize("make, words", [
    (_binary, ["binary", "Bash"]),
    (_huge, ["10 MB", "Grep", "Bash"]),
    (lambda p: None, ["does not exist"]),
    (_directory, ["directory", "Glob"]),
])
def test_read_refuses_with_a_clear_message(ctx, tmp_path, make, words):
    make(tmp_path / "f")
    with pytest.raises(ToolError) as e:
        read(ctx, file_path="f")
    assert all(w in str(e.value) for w in words), str(e.value)
    assert tmp_path / "f" not in ctx.read_files


def test_read_offset_past_the_end_is_refused(ctx, tmp_path):
    (tmp_path / "s.txt").write_text("a\nb\n")
    with pytest.raises(ToolError, match="has 2 lines"):
        read(ctx, file_path="s.txt", offset=3)


def test_read_empty_file_says_so_and_counts_as_read(ctx, tmp_path):
    (tmp_path / "e.txt").write_text("")
    assert read(ctx, file_path="e.txt") == "e.txt is empty."
    assert write(ctx, file_path="e.txt", content="now\n") == "Overwrote e.txt (1 line)"


def test_read_records_mtime_and_size_for_relative_and_absolute_paths(ctx, tmp_path):
    p = tmp_path / "sub" / "x.txt"
    p.parent.mkdir()
    p.write_text("hello\n")
    read(ctx, file_path="sub/x.txt")
    assert ctx.read_files == {p.resolve(): (p.stat().st_mtime_ns, 6)}
    assert read(ctx, file_path=str(p)) == "     1\thello"


# --- Write ------------------------------------------------------------------------------------

def test_write_creates_parent_folders(ctx, tmp_path):
    assert write(ctx, file_path="a/b/c.txt", content="x\ny\n") == "Created a/b/c.txt (2 lines)"
    assert (tmp_path / "a/b/c.txt").read_text() == "x\ny\n"


def test_write_refuses_to_overwrite_a_file_not_read(ctx, tmp_path):
    (tmp_path / "keep.txt").write_text("precious\n")
    with pytest.raises(ToolError, match="has not been read"):
        write(ctx, file_path="keep.txt", content="gone\n")
    assert (tmp_path / "keep.txt").read_text() == "precious\n"
    read(ctx, file_path="keep.txt")
    assert write(ctx, file_path="keep.txt", content="new\n") == "Overwrote keep.txt (1 line)"
    assert (tmp_path / "keep.txt").read_text() == "new\n"


def test_write_refuses_after_an_external_change_until_read_again(ctx, tmp_path):
    p = tmp_path / "f.txt"
    p.write_text("v1\n")
    read(ctx, file_path="f.txt")
    p.write_text("v2 by the user\n")
    with pytest.raises(ToolError, match="changed on disk.*Read it again"):
        write(ctx, file_path="f.txt", content="v3\n")
    assert p.read_text() == "v2 by the user\n"
    read(ctx, file_path="f.txt")
    write(ctx, file_path="f.txt", content="v3\n")
    assert p.read_text() == "v3\n"


def test_a_file_just_written_can_be_edited_without_reading(ctx, tmp_path):
    write(ctx, file_path="n.py", content="x = 1\n")
    edit(ctx, file_path="n.py", old_string="x = 1", new_string="x = 2")
    assert (tmp_path / "n.py").read_text() == "x = 2\n"


# --- Edit -------------------------------------------------------------------------------------

@pytest.fixture
def code(ctx, tmp_path):
    p = tmp_path / "f.py"
    p.write_text("def f():\n    return 1\n\n\ndef g():\n    return 1\n\n\ndef h():\n    return 1\n")
    read(ctx, file_path="f.py")
    return p


def test_edit_replaces_a_unique_match_and_shows_a_diff(ctx, code):
    result = edit(ctx, file_path="f.py", old_string="def g():\n    return 1",
                  new_string="def g():\n    return 2")
    assert code.read_text().count("return 1") == 2
    assert "def g():\n    return 2\n" in code.read_text()
    lines = result.split("\n")
    assert lines[0] == "Edited f.py: 1 replacement."
    assert "--- a/f.py" in lines and "+++ b/f.py" in lines
    assert "-    return 1" in lines and "+    return 2" in lines
    assert " def g():" in lines  # context around the change


def test_edit_refuses_a_non_unique_match_and_counts_it(ctx, code):
    before = code.read_text()
    with pytest.raises(ToolError, match="matches 3 times.*replace_all"):
        edit(ctx, file_path="f.py", old_string="return 1", new_string="return 2")
    assert code.read_text() == before


def test_edit_replace_all(ctx, code):
    result = edit(ctx, file_path="f.py", old_string="return 1", new_string="return 2",
                  replace_all=True)
    assert result.startswith("Edited f.py: 3 replacements.")
    assert code.read_text().count("return 2") == 3 and "return 1" not in code.read_text()


def test_edit_refuses_a_file_not_read(ctx, tmp_path):
    (tmp_path / "u.py").write_text("x = 1\n")
    with pytest.raises(ToolError, match="has not been read"):
        edit(ctx, file_path="u.py", old_string="x = 1", new_string="x = 2")
    assert (tmp_path / "u.py").read_text() == "x = 1\n"


@pytest.mark.parametrize("new_content, mtime_shift", [
    ("def F():\n    return 1\n\n\ndef g():\n    return 1\n\n\ndef h():\n    return 1\n", 10),
    ("def f():\n    return 1\n", 0),  # smaller, with the old mtime put back
])
def test_edit_refuses_a_file_changed_on_disk(ctx, code, new_content, mtime_shift):
    st = code.stat()
    code.write_text(new_content)
    os.utime(code, ns=(st.st_atime_ns, st.st_mtime_ns + mtime_shift * 10**9))
    with pytest.raises(ToolError, match="changed on disk.*Read it again"):
        edit(ctx, file_path="f.py", old_string="def f():", new_string="def k():")
    assert code.read_text() == new_content


@pytest.mark.parametrize("old, hint", [
    ("def nope():", None),
    ("def f():\n  return 1", "whitespace"),
    ("     2\t    return 1", "line number"),
])
def test_edit_not_found_says_so_with_a_hint(ctx, code, old, hint):
    with pytest.raises(ToolError, match="not found") as e:
        edit(ctx, file_path="f.py", old_string=old, new_string="x")
    assert (hint in str(e.value)) if hint else ("whitespace" not in str(e.value))


@pytest.mark.parametrize("old, new, words", [
    ("return 1", "return 1", "the same"),
    ("", "x", "empty"),
])
def test_edit_refuses_pointless_edits(ctx, code, old, new, words):
    with pytest.raises(ToolError, match=words):
        edit(ctx, file_path="f.py", old_string=old, new_string=new)


def test_edit_keeps_crlf_and_every_other_byte(ctx, tmp_path):
    p = tmp_path / "w.txt"
    p.write_bytes(b"one\r\ntwo\r\n\tthree  \r\nfour")
    read(ctx, file_path="w.txt")
    edit(ctx, file_path="w.txt", old_string="one\ntwo", new_string="ONE\nTWO\nextra")
    assert p.read_bytes() == b"ONE\r\nTWO\r\nextra\r\n\tthree  \r\nfour"


def test_edit_updates_the_record_so_a_second_edit_works(ctx, code):
    edit(ctx, file_path="f.py", old_string="def f():", new_string="def f1():")
    edit(ctx, file_path="f.py", old_string="def g():", new_string="def g1():")
    assert ctx.read_files[code.resolve()] == (code.stat().st_mtime_ns, code.stat().st_size)
    assert "def f1():" in code.read_text() and "def g1():" in code.read_text()


# Safe writes: a failure at any point leaves the old file whole (tests/tools, real processes).

WRITE_IN_CHILD = """
import resource, signal, sys
from pathlib import Path
from agent.tools import ToolContext
from agent.tools.files import EDIT, READ, WRITE
path, limit, size, tool = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit a write fails with EFBIG
ctx = ToolContext(cwd=path.parent, before_write=lambda p: print("checkpoint", p.stat().st_size))
READ.run({"file_path": str(path)}, ctx)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    if tool == "Write":
        print(WRITE.run({"file_path": str(path), "content": "n" * size}, ctx))
    else:
        print(EDIT.run({"file_path": str(path), "old_string": "START", "new_string": "n" * size}, ctx))
except Exception as e:
    print(type(e).__name__, e)
"""


@pytest.mark.parametrize("tool", ["Write", "Edit"])
def test_a_write_that_fails_half_way_leaves_the_old_file_whole(tmp_path, tool):
    import subprocess
    import sys
    path = tmp_path / "big.txt"
    original = "START" + "o" * 400_011
    path.write_text(original)
    done = subprocess.run([sys.executable, "-c", WRITE_IN_CHILD, str(path), "450000", "600000", tool],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("checkpoint 400016")  # kept before the replacement
    assert "could not write" in done.stdout and "the file is as it was" in done.stdout
    assert path.read_text() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]  # no temporary left


def test_a_write_killed_in_the_middle_leaves_the_old_or_the_new_file_never_half(tmp_path):
    import signal
    import subprocess
    import sys
    import time
    path = tmp_path / "f.txt"
    path.write_text("old\n" * 6000)
    code = ("import sys; from pathlib import Path; from agent.tools import ToolContext; "
            "from agent.tools.files import READ, WRITE; p = Path(sys.argv[1]); c = ToolContext(cwd=p.parent); "
            "READ.run({'file_path': str(p)}, c); print('go', flush=True); "
            "WRITE.run({'file_path': str(p), 'content': 'new' * 60_000_000}, c)")
    child = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "go\n"
    time.sleep(0.3)
    child.send_signal(signal.SIGKILL)
    child.wait()
    text = path.read_text()
    assert text == "old\n" * 6000 or text == "new" * 60_000_000


def test_the_mode_is_kept_and_a_refused_change_saves_nothing(tmp_path):
    path = tmp_path / "run.sh"
    path.write_text("echo old\n")
    path.chmod(0o751)
    saved = []
    ctx = ToolContext(cwd=tmp_path, before_write=saved.append)
    with pytest.raises(ToolError, match="has not been read"):
        EDIT.run({"file_path": "run.sh", "old_string": "old", "new_string": "new"}, ctx)
    assert saved == []  # refused before anything was read or kept
    READ.run({"file_path": "run.sh"}, ctx)
    with pytest.raises(ToolError, match="not found"):
        EDIT.run({"file_path": "run.sh", "old_string": "missing", "new_string": "x"}, ctx)
    assert saved == []
    EDIT.run({"file_path": "run.sh", "old_string": "old", "new_string": "new"}, ctx)
    assert saved == [path.resolve()] and path.read_text() == "echo new\n"
    assert (path.stat().st_mode & 0o777) == 0o751


def _locked_tree(folder):
    """locked/ (mode 000) with a file and a memory file inside; secret.txt (mode 000)."""
    (folder / "locked").mkdir()
    (folder / "locked" / "x.txt").write_text("inside\n")
    (folder / "locked" / "AGENT.md").write_text("locked rules\n")
    (folder / "secret.txt").write_text("secret\n")
    os.chmod(folder / "secret.txt", 0)
    os.chmod(folder / "locked", 0)


def test_permission_denied_is_a_clear_tool_error_never_a_crash():
    """As an unprivileged user (root ignores the bits): every call into a locked folder or on
    an unreadable file answers "permission denied: <path>", the memory guard included."""
    from agent.context.memory_files import SubfolderMemory
    from agent.loop.turn import Agent
    from agent.model.scripted import ScriptedModel, call
    from agent.tools import default_tools
    from unprivileged import as_nobody

    def run(folder):
        _locked_tree(folder)
        calls = [call("Read", file_path="locked/x.txt"), call("Read", file_path="secret.txt"),
                 call("Write", file_path="locked/new.txt", content="x"),
                 call("Edit", file_path="locked/x.txt", old_string="a", new_string="b"),
                 call("Grep", pattern="in", path="locked/x.txt"),
                 call("Grep", pattern="in", path="locked"),
                 call("Glob", pattern="*", path="locked")]
        agent = Agent(ScriptedModel([*calls, "done"]), default_tools(), "sys",
                      ToolContext(cwd=folder, env={"PATH": ""}))
        agent.after_tool.add(SubfolderMemory(folder, folder, []))
        end = agent.run("go")
        return end.stop_reason, [m["content"] for m in agent.messages if m["role"] == "tool"]
    stop, results = as_nobody(run)
    assert stop == "end_turn"
    assert len(results) == 7
    for result in results:
        assert result.startswith("Error:") and "permission denied: " in result, result
        assert "unexpectedly" not in result and "Errno" not in result
    assert "locked/x.txt" in results[0] and "secret.txt" in results[1]


# Not regular files: a FIFO blocks until a writer comes, a device never ends. Each call runs
# in a child with a timeout, so that a regression fails instead of hanging the suite.

NOT_REGULAR = """
import os, socket, sys
from pathlib import Path
from agent.tools import ToolContext, ToolError
from agent.tools.files import EDIT, READ, WRITE
cwd = Path(sys.argv[1])
os.mkfifo(cwd / "fifo")
socket.socket(socket.AF_UNIX).bind(str(cwd / "sock"))
ctx = ToolContext(cwd=cwd)
for path in ("fifo", "sock", "/dev/zero", "/dev/urandom", "/dev/null"):
    for tool, args in ((READ, {}), (EDIT, {"old_string": "a", "new_string": "b"}),
                       (WRITE, {"content": "x"})):
        try:
            print(tool.name, path, "ran:", tool.run({"file_path": path, **args}, ctx)[:40])
        except ToolError as e:
            print(tool.name, path, "refused:", e)
"""


def test_fifos_sockets_and_devices_are_refused_at_once(tmp_path):
    done = subprocess.run([sys.executable, "-c", NOT_REGULAR, str(tmp_path)],
                          capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 15
    kinds = {"fifo": "a FIFO (a named pipe)", "sock": "a socket", "/dev/zero": "a character device",
             "/dev/urandom": "a character device", "/dev/null": "a character device"}
    for line in lines:
        name, path, verdict = line.split(" ", 2)
        assert verdict.startswith(f"refused: {path} is {kinds[path]}, not a regular file"), line
        assert "Bash" in verdict
    assert stat.S_ISFIFO(os.stat(tmp_path / "fifo").st_mode)  # Write left it as it was


BIG_FILES = """
import resource, sys
from pathlib import Path
from agent.session.checkpoints import Checkpoints
from agent.tools import ToolContext, ToolError
from agent.tools.files import EDIT, READ, WRITE
cwd = Path(sys.argv[1])
with (cwd / "big.log").open("wb") as f:
    f.truncate(2 * 1024**3)  # sparse: 2 GB on paper, nothing on disk
checkpoints = Checkpoints(cwd / "checkpoints", cwd)
ctx = ToolContext(cwd=cwd, before_write=checkpoints.before_write)
ctx.read_files[cwd / "big.log"] = ((cwd / "big.log").stat().st_mtime_ns, 2 * 1024**3)
for tool, args in ((READ, {}), (EDIT, {"old_string": "a", "new_string": "b"}),
                   (WRITE, {"content": "x"})):
    try:
        print(tool.name, "ran:", tool.run({"file_path": "big.log", **args}, ctx)[:60])
    except ToolError as e:
        print(tool.name, "refused:", e)
try:
    checkpoints.before_write(cwd / "big.log")
except OSError as e:
    print("checkpoint refused:", e)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def test_a_2_gb_file_is_never_read_whole(tmp_path):
    """Read and Edit check the size with stat first; Write (here as if the file had been
    read) is stopped by the checkpoint, which checks the size before keeping the bytes."""
    done = subprocess.run([sys.executable, "-c", BIG_FILES, str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    *lines, peak_mb = done.stdout.splitlines()
    assert lines[0].startswith("Read refused: big.log is 2147.5 MB, over Read's 10 MB limit")
    assert lines[1].startswith("Edit refused: big.log is 2147.5 MB, over Edit's 10 MB limit")
    assert lines[2].startswith("Write refused: could not write big.log: it is 2,147 MB, too "
                               "large to keep a checkpoint of"), lines[2]
    assert "the file is as it was" in lines[2]
    assert lines[3].startswith("checkpoint refused: [Errno 27] it is 2,147 MB")
    assert (tmp_path / "big.log").stat().st_size == 2 * 1024**3
    assert int(peak_mb) < 200, f"peak memory {peak_mb} MB"
