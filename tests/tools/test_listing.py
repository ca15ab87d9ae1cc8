"""TOON-style listings for Glob and Grep: the format, read back by a small decoder written
here from the TOON rules, and the tools' answers on real files with and without ripgrep."""

import json
import re

import pytest

from agent.tools import ToolContext
from agent.tools.listing import grep_listing, inline, rows_from_lines, table, value
from agent.tools.search import GLOB, GREP
from test_search import NEEDS_RG, tree  # noqa: F401  (a fixture)


def cells(row: str) -> list[object]:
    """Split one TOON row on commas outside quotes; quoted cells are JSON strings."""
    out, rest = [], row
    while True:
        if rest.startswith('"'):
            end = json.JSONDecoder().raw_decode(rest)[1]
            out.append(json.loads(rest[:end]))
            rest = rest[end:]
        else:
            cell, _, after = rest.partition(",")
            out.append(int(cell) if re.fullmatch(r"-?\d+", cell) else
                       {"true": True, "false": False, "null": None}.get(cell, cell))
            rest = "," + after if _ else ""
        if not rest:
            return out
        assert rest[0] == ",", rest
        rest = rest[1:]


def decode(text: str) -> tuple[str, list[str], list[list[object]]]:
    header, *rows = text.split("\n")
    found = re.fullmatch(r"(\w+)\[(\d+)\]\{([^}]*)\}:", header)
    assert found, header
    assert int(found[2]) == len(rows) and all(r.startswith("  ") for r in rows)
    return found[1], found[3].split(","), [cells(r[2:]) for r in rows]


AWKWARD = ["plain", "", " padded ", "a,b", "key: value", 'say "hi"', "back\\slash", "[x]",
           "{y}", "tab\there", "line\nbreak", "true", "null", "42", "-3.5", "1e5", "- item",
           "ünïcödé", "path/with spaces.py", "x = {'a': 1}"]


@pytest.mark.parametrize("text", AWKWARD)
def test_every_value_reads_back_as_itself(text):
    name, fields, rows = decode(table("t", ["v", "n"], [[text, 7]]))
    assert (name, fields, rows) == ("t", ["v", "n"], [[text, 7]])


@pytest.mark.parametrize("text, quoted", [("plain", False), ("agent/loop/turn.py", False),
                                          ("", True), ("a,b", True), ("42", True), ("true", True),
                                          ("def run(self):", True), (" x", True)])
def test_quotes_only_when_needed(text, quoted):
    assert value(text).startswith('"') == quoted


def test_the_shapes():
    assert table("matches", ["path", "line", "text"], [["a.py", 3, "x = 1"], ["b.py", 10, "y, z"]]) == (
        'matches[2]{path,line,text}:\n  a.py,3,x = 1\n  b.py,10,"y, z"')
    assert inline("files", ["a.py", "b c.py", "d,e"]) == 'files[3]: a.py,b c.py,"d,e"'
    assert value(3) == "3" and value(True) == "true" and value(None) == "null"


def test_grep_lines_become_rows_unless_they_hold_context():
    assert rows_from_lines(["a.py:3:x = 1", "dir/b.py:12:print('a:1:b')"], "content") == (
        ["path", "line", "text"], [["a.py", 3, "x = 1"], ["dir/b.py", 12, "print('a:1:b')"]])
    assert rows_from_lines(["a.py:2", "b.py:10"], "count") == (["path", "count"], [["a.py", 2], ["b.py", 10]])
    with_context = ["a.py-2-before", "a.py:3:hit", "--", "b.py:1:hit"]
    assert rows_from_lines(with_context, "content") is None
    assert grep_listing(with_context, "content") == "\n".join(with_context)


@pytest.fixture(params=["python", pytest.param("rg", marks=NEEDS_RG)])
def toon(request, tree):  # noqa: F811
    return ToolContext(cwd=tree, env={"PATH": ""} if request.param == "python" else None,
                       listing="toon")


def test_grep_and_glob_answer_in_toon(toon):
    content = GREP.run({"pattern": "hello", "-i": True, "output_mode": "content", "path": "b.txt"}, toon)
    assert decode(content) == ("matches", ["path", "line", "text"],
                               [["b.txt", 1, "hello world"], ["b.txt", 2, "HELLO again"]])
    counts = GREP.run({"pattern": "hello", "-i": True, "output_mode": "count"}, toon)
    assert decode(counts)[2] == [[".hidden/h.txt", 1], ["a.py", 1], ["b.txt", 2], ["src/c.py", 1]]
    files = GREP.run({"pattern": "hello"}, toon)
    assert files == "files[3]: .hidden/h.txt,b.txt,src/c.py"
    assert GLOB.run({"pattern": "**/*.py"}, toon) in ("files[2]: a.py,src/c.py", "files[2]: src/c.py,a.py")
    context = GREP.run({"pattern": "line5", "output_mode": "content", "-C": 1}, toon)
    assert context == "ctx.txt-4-line4\nctx.txt:5:line5\nctx.txt-6-line6"  # no table for context
    limited = GREP.run({"pattern": "line", "output_mode": "content", "head_limit": 2}, toon)
    assert limited.splitlines()[0] == "matches[2]{path,line,text}:"
    assert limited.splitlines()[-1].startswith("[8 more lines not shown")


def test_the_flag_reaches_the_tools(server, tmp_path):
    import os
    import subprocess
    import sys
    project = tmp_path / "project"  # the home folder holds the session's transcript: not in it
    project.mkdir()
    (project / "a.py").write_text("x = 1\n")
    server.reply(tool_calls=[("Grep", {"pattern": "x", "output_mode": "content"})])
    server.reply("found it")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    done = subprocess.run([sys.executable, "-m", "agent", "-p", "find x", "--base-url", server.base_url,
                           "--listing", "toon"], cwd=project, env={**env, "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = [m for m in server.requests[-1]["messages"] if m["role"] == "tool"][0]["content"]
    assert result == "matches[1]{path,line,text}:\n  a.py,1,x = 1"
