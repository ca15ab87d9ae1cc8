"""What the face shows is never cut mid-word: refusals whole, /tools' first sentences whole,
long call lines shortened at a boundary with a marker."""

import io
import json
import os
import subprocess
import sys

import pytest

from agent.app.render import Terminal, call_line, first_sentence, result_line, shorten
from agent.app.slash import command
from agent.events import ToolEnd
from agent.model.types import ToolCall
from agent.session.compose import build_session
from agent.config.config import load_config

LONG = "pytest -q tests/app/test_markdown.py tests/app/test_repl.py --maxfail 1 -x -k resume_pages"


@pytest.mark.parametrize("text, limit, shown", [
    ("short enough", 20, "short enough"),
    ("  spaces   and\nnewlines  ", 30, "spaces and newlines"),
    ("one two three four five six", 16, "one two three …"),
    ("A first sentence. And a second one that is long", 26, "A first sentence. …"),
    ("/a/very/long/path/" + "x" * 80, 40, "/a/very/long/path/" + "x" * 20 + " …"),
    ("naïve 世界 words go on and on", 14, "naïve 世界 …"),
])
def test_shorten_cuts_at_a_boundary_and_says_so(text, limit, shown):
    assert shorten(text, limit) == shown
    assert len(shown) <= limit


@pytest.mark.parametrize("text, first", [
    ("Read a text file. Lines come numbered.", "Read a text file."),
    ('Find files by name pattern, e.g. "**/*.py" (any depth). Lists up to 100.',
     'Find files by name pattern, e.g. "**/*.py" (any depth).'),
    ("Use ripgrep, i.e. rg, etc. for speed! Then more.", "Use ripgrep, i.e. rg, etc. for speed!"),
    ("Version 2.5 of ~/.agent/x.json is read. Then.", "Version 2.5 of ~/.agent/x.json is read."),
    ("No full stop at all", "No full stop at all"),
])
def test_first_sentence_is_whole(text, first):
    assert first_sentence(text) == first


def test_a_long_call_line_is_shortened_at_a_word_with_a_marker():
    line = call_line(ToolCall("c1", "Bash", json.dumps({"command": LONG + " " + LONG})))
    assert line.startswith("Bash(pytest -q ") and line.endswith(" …)") and len(line) <= 107
    assert (line[5:-3] + " ") in LONG + " " + LONG + " "  # whole words only
    assert result_line("word " * 40).endswith("word …")


def test_an_error_result_is_shown_whole():
    refusal = ("Permission denied: Bash(" + LONG + ") needs approval (no rule allows it), and "
               "nobody can approve in print mode. To allow it: --allowedTools \"Bash(" + LONG +
               ")\", or --permission-mode bypassPermissions.")
    out = io.StringIO()
    call = ToolCall("c1", "Bash", json.dumps({"command": LONG}))
    Terminal(out, color=False)(ToolEnd(call, {"role": "tool", "content": refusal}, True))
    assert out.getvalue() == "  ⎿ " + refusal + "\n"
    out = io.StringIO()
    Terminal(out, color=False)(ToolEnd(call, {"role": "tool", "content": "line\n" * 9}, True))
    assert out.getvalue() == "  ⎿ " + "line\n    " * 5 + "… (4 more lines)\n"


def test_print_mode_verbose_shows_the_whole_refusal_and_its_hint(tmp_path, server):
    server.reply(tool_calls=[("Bash", {"command": f"touch out.txt && {LONG}"})])
    server.reply("refused, as expected")
    env = {**os.environ, "HOME": str(tmp_path), "OPENAI_BASE_URL": server.base_url}
    done = subprocess.run([sys.executable, "-m", "agent", "-p", "run it", "--verbose",
                           "--no-sandbox"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    refusal = server.requests[1]["messages"][-1]["content"]
    assert refusal.startswith("Permission denied: ") and "To allow it: --allowedTools" in refusal
    assert "  ⎿ " + refusal + "\n" in done.stderr  # whole: the hint at its end included
    assert refusal.endswith("--permission-mode bypassPermissions.")


def test_tools_lists_whole_first_sentences_wrapped_under_their_column(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "80")
    config = load_config({"model": "m", "sandbox": False}, {"HOME": str(tmp_path)}, tmp_path)
    session = build_session(config, lambda event: None, ask=None)
    listed = command(session, "/tools", "")
    lines = listed.splitlines()
    assert all(len(line) <= 80 for line in lines[1:])
    column = lines[1].index("Read a text file.")
    blocks = []  # a tool's line, and the lines that go on under its column
    for line in lines[1:]:
        if line[:column].strip():
            blocks.append([line])
        else:
            blocks[-1].append(line)
    assert len(blocks) == len(session.tools)
    for block, tool in zip(blocks, session.tools.values()):
        assert block[0].split()[0] == tool.name
        assert " ".join(line[column:] for line in block) == first_sentence(tool.description)
    assert 'Find files by name pattern, e.g. "**/*.py"' in " ".join(listed.split())


def test_a_question_shows_the_whole_command_it_asks_about(tmp_path, server):
    from terminal import Pty

    command_text = f"touch out.txt && {LONG}"
    server.reply(tool_calls=[("Bash", {"command": command_text})])
    server.reply("not run")
    env = {**os.environ, "HOME": str(tmp_path), "OPENAI_BASE_URL": server.base_url, "TERM": "dumb"}
    with Pty([sys.executable, "-m", "agent", "--no-sandbox"], tmp_path, env) as child:
        child.expect("> ")
        child.send("run it\r")
        out = child.expect("[y = yes, a = always, n <note> = no]")
        child.send("n\r")
        child.expect("not run")
        child.send("/exit\r")
        assert child.close() == 0
    assert "The whole call:\r\n    " + command_text + "\r\n" in out
