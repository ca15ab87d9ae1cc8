"""The REPL driven in a real pseudo-terminal: what a person sees and types."""

import json
import os
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from agent.app.slash import command
from terminal import Pty


def start(folder, *flags: str, base_url: str = "http://127.0.0.1:9/v1", home=None) -> Pty:
    """The REPL in `folder`, with HOME there too unless `home` is given."""
    env = {**os.environ, "HOME": str(home or folder), "OPENAI_BASE_URL": base_url, "TERM": "dumb"}
    return Pty([sys.executable, "-m", "agent", *flags], folder, env)


@pytest.fixture
def repl(tmp_path):
    with start(tmp_path) as child:
        yield child


def test_help_unknown_command_and_exit(repl):
    repl.expect("/help")  # the banner names it
    repl.send("/help\r")
    repl.expect("/clear")
    repl.send("/frobnicate\r")
    out = repl.expect("Unknown command /frobnicate")
    repl.send("/exit\r")
    assert repl.close() == 0
    assert "Commands:" in out


def test_an_unknown_command_never_reaches_the_model_but_a_path_does(tmp_path, server):
    server.reply("a path is a prompt")
    with start(tmp_path, base_url=server.base_url) as child:
        child.expect("> ")
        child.send("/help\r")
        out = child.expect("/todos")
        assert all(name in out for name in ("/model", "/tools", "/cost", "/resume", "/rewind"))
        child.send("/cost\r")
        child.expect("No model calls yet.")
        child.send("/deploy now please\r")
        child.expect("Unknown command /deploy.")
        child.expect("the same as /exit", count=2)  # the list follows, as after /help
        assert server.requests == []
        child.send("/etc/hosts looks empty\r")
        child.expect("a path is a prompt")
        child.send("/exit\r")
        assert child.close() == 0
    assert len(server.requests) == 1
    assert server.requests[0]["messages"][-1]["content"].startswith("/etc/hosts looks empty")


def test_a_custom_command_with_arguments_and_a_question_for_its_bang_line(tmp_path, server):
    commands = tmp_path / ".agent" / "commands" / "team"
    commands.mkdir(parents=True)
    (commands / "greet.md").write_text(
        "---\ndescription: Greet someone by name\nargument-hint: <name> [title]\n---\n"
        "Greet $1 ($2), asked as: $ARGUMENTS. The answer is !`python3 -c 'print(6 * 7)'`.\n")
    server.reply("Hello, Ada.")
    with start(tmp_path, "--no-sandbox", base_url=server.base_url) as child:
        child.expect("> ")
        child.send("/help\r")
        child.expect("/team:greet <name> [title] Greet someone by name (project)")
        child.send("/team:greet Ada 'the first'\r")
        child.expect("(no rule allows `python3 -c print(6 * 7)` in default mode)")
        child.expect("[y = yes, a = always, n <note> = no]")
        child.send("y\r")
        child.expect("Hello, Ada.")
        child.send("/exit\r")
        assert child.close() == 0
    sent = server.requests[0]["messages"][-1]["content"]
    assert sent.startswith("Greet Ada (the first), asked as: Ada 'the first'. The answer is 42.")


def test_a_hash_line_is_a_note_for_the_file_chosen(tmp_path, server):
    server.reply("noted")
    (tmp_path / "repo").mkdir()
    with start(tmp_path / "repo", base_url=server.base_url, home=tmp_path) as child:
        child.expect("> ")
        child.send("# run the tests with make check\r")
        child.expect("Add to (p)roject AGENT.md or (u)ser ~/.agent/AGENT.md?")
        child.send("p\r")
        child.expect(f"Noted in {tmp_path / 'repo' / 'AGENT.md'}.")
        child.send("#   mine  only \r")
        child.expect("(u)ser ~/.agent/AGENT.md?", count=2)
        child.send("u\r")
        child.expect("Noted in ")
        child.send("# never mind\r")
        child.expect("(u)ser ~/.agent/AGENT.md?", count=3)
        child.send("\r")
        child.expect("Not noted.")
        child.send("# cancelled with Ctrl-C\r")
        child.expect("(u)ser ~/.agent/AGENT.md?", count=4)
        time.sleep(0.2)  # the readline window of test_ctrl_c_at_the_prompt_does_not_exit
        child.send("\x03")
        try:
            child.expect("Not noted.", count=2, timeout=5)
        except AssertionError:  # that window, on a loaded machine: the next Ctrl-C goes through
            child.send("\x03")
            child.expect("Not noted.", count=2)
        assert server.requests == []
        child.send("hello\r")
        child.expect("noted")
        child.send("/exit\r")
        assert child.close() == 0
    assert (tmp_path / "repo" / "AGENT.md").read_text() == "- run the tests with make check\n"
    assert (tmp_path / ".agent" / "AGENT.md").read_text() == "- mine only\n"
    sent = server.requests[0]["messages"][-1]["content"]
    assert sent.startswith("hello") and "- run the tests with make check (in " in sent
    assert "never mind" not in sent and "cancelled" not in sent


@pytest.mark.parametrize("line, expected", [
    ("/help", ("/help", "")),
    ("/compact  keep the tests ", ("/compact", "keep the tests")),
    ("/frontend:component Button --big", ("/frontend:component", "Button --big")),
    ("/etc/hosts is empty", None),
    ("/ alone", None),
    ("fix /help text", None),
])
def test_what_counts_as_a_slash_command(line, expected):
    from agent.app.slash import parse
    assert parse(line) == expected


def test_ctrl_d_exits_cleanly(repl):
    repl.expect("> ")
    repl.send("\x04")
    assert repl.close() == 0


def test_ctrl_c_at_the_prompt_does_not_exit(repl):
    repl.expect("> ")
    time.sleep(0.2)  # subtle: a SIGINT between the prompt and readline's select() waits for
    repl.send("\x03")  # the next key (CPython's readline loop); a person is never that fast
    try:
        repl.expect("> ", count=2, timeout=5)  # a fresh prompt, and the program is still there
    except AssertionError:  # that window, on a loaded machine: the next Ctrl-C goes through
        repl.send("\x03")
        repl.expect("> ", count=2)
    repl.send("/help\r")
    repl.expect("Commands:")
    repl.send("/exit\r")
    assert repl.close() == 0


def test_unreachable_server_is_one_clear_line_and_the_repl_goes_on(repl):
    repl.expect("> ")
    repl.send("hello\r")
    out = repl.expect("127.0.0.1:9", timeout=60)
    repl.expect("> ")
    assert "Traceback" not in out
    repl.send("/exit\r")
    assert repl.close() == 0


def test_ctrl_c_cancels_the_running_turn_not_the_program(tmp_path, server):
    marker = tmp_path / "still-running"
    server.reply(tool_calls=[("Bash", {"command": f"sleep 30; touch {marker}"})])
    server.reply(text="the second prompt was answered")
    with start(tmp_path, "--permission-mode", "bypassPermissions", base_url=server.base_url) as child:
        child.expect("> ")
        child.send("run the slow command\r")
        child.expect("Bash(sleep 30")
        time.sleep(0.5)
        started = time.monotonic()
        child.send("\x03")
        child.expect("Interrupted")
        assert time.monotonic() - started < 10
        child.send("next question\r")
        child.expect("the second prompt was answered")
        child.send("/exit\r")
        assert child.close() == 0
    # the tool call got its one result, and the sleep's process group is gone
    second = server.requests[1]["messages"]
    assert second[-2]["role"] == "tool" and "Interrupted" in second[-2]["content"]
    assert second[-1] == {"role": "user", "content": "next question"}
    time.sleep(0.5)
    assert not marker.exists()
    from agent.session.transcript import load
    from invariants import assert_paired
    (transcript,) = (tmp_path / ".agent" / "projects").glob("*/*.jsonl")
    on_disk = load(transcript)
    assert on_disk.n_dropped == 0 and on_disk.messages[:-1] == second  # the interrupted turn too
    assert_paired(on_disk.messages)


# The context commands, in process against the HTTP server, and /init through the terminal.

@pytest.fixture
def session(tmp_path, server, monkeypatch):
    from agent.session.compose import build_session
    from agent.config.config import load_config
    repo = tmp_path / "repo"
    (repo / "sub").mkdir(parents=True)
    (repo / "AGENT.md").write_text("Use four spaces.")
    (repo / "sub" / "AGENT.md").write_text("In sub, every function has a docstring.")
    (repo / "sub" / "x.py").write_text("def f():\n    return 1\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    config = load_config({"base_url": server.base_url, "model": "m", "context_window": 8192,
                          "sandbox": False, "profile": "default"},
                         {"HOME": str(tmp_path)}, repo)
    return build_session(config, lambda event: None, ask=None, session_id="s1"), repo


def test_memory_shows_what_was_loaded_from_where(session, server):
    session, repo = session
    shown = command(session, "/memory", "")
    assert f"{repo / 'AGENT.md'}  (" in shown and "(none so far)" in shown
    server.reply(tool_calls=[("Read", {"file_path": "sub/x.py"})])
    server.reply("read it")
    session.run("read sub/x.py")
    assert "every function has a docstring" in server.requests[1]["messages"][-1]["content"]
    shown = command(session, "/memory", "")
    assert f"{repo / 'sub' / 'AGENT.md'}  (" in shown and f"for {repo / 'sub'}" in shown
    command(session, "/clear", "")
    assert "(none so far)" in command(session, "/memory", "")


def test_context_draws_the_window(session, server):
    from agent.compact.window import GLYPHS
    session, _ = session
    server.reply(tool_calls=[("Read", {"file_path": "sub/x.py"})])
    server.reply("done")
    session.run("read it")
    shown = command(session, "/context", "")
    window, bar, total = shown.splitlines()[:3]
    assert window == "Window: 8,192 tokens, from --context-window"
    assert bar.startswith("[S") and bar.endswith("_]") and all(g in bar for g in "MTHR.")
    assert "of 8,192 tokens used" in total and "compaction past 5,325" in total
    rows = {line[4:30].strip(): int(line[30:39].replace(",", "")) for line in shown.splitlines()[3:]}
    assert set(rows) == {"system prompt", "memory files", "tool schemas", "messages",
                         "tool results", "free", "reply reserve and buffer"}
    assert rows["tool schemas"] > 1000 and 0 < rows["memory files"] < 50
    assert sum(rows.values()) == 8192 and set(GLYPHS) >= {"free", "reserved"}


def test_context_says_the_servers_window_and_where_it_came_from(tmp_path, server):
    server.routes["GET /props"] = {"default_generation_settings": {"n_ctx": 32768}}
    with start(tmp_path, base_url=server.base_url) as child:
        child.expect("> ")
        child.send("/context\r")
        child.expect("Window: 32,768 tokens, from server (llama.cpp /props n_ctx)")
        child.expect("of 32,768 tokens used")
        child.send("/exit\r")
        assert child.close() == 0
    assert server.requests == [] and server.seen.count("GET /props") == 1


def test_compact_summarizes_everything_with_a_focus(session, server, tmp_path):
    session, _ = session
    server.reply(tool_calls=[("Read", {"file_path": "sub/x.py"})])
    server.reply("f returns 1")
    session.run("what does f return?")
    server.reply("## Goal\nfind what f returns\n## Current state\nit returns 1")
    shown = command(session, "/compact", "keep the return value")
    assert shown.startswith("(context compacted:") and "transcript saved in" in shown
    asked = server.requests[-1]["messages"][-1]["content"]
    assert "Use these headings" in asked and "Focus the summary on: keep the return value" in asked
    assert [m["role"] for m in session.messages] == ["system", "user"]
    assert "it returns 1" in session.messages[1]["content"]
    assert "every function has a docstring" in session.messages[1]["content"]  # memory put back
    assert list((tmp_path / ".agent" / "sessions" / "s1").glob("transcript-*.jsonl"))
    assert command(session, "/compact", "") == "Nothing to compact yet."


def test_init_asks_the_model_to_write_agent_md(tmp_path, server):
    server.reply(tool_calls=[("Write", {"file_path": "AGENT.md", "content": "# Project\n"})])
    server.reply("I wrote AGENT.md.")
    with start(tmp_path, "--permission-mode", "acceptEdits", base_url=server.base_url) as child:
        child.expect("> ")
        child.send("/init\r")
        child.expect("I wrote AGENT.md.")
        child.send("/exit\r")
        assert child.close() == 0
    assert server.requests[0]["messages"][-1]["content"].startswith("Survey this project")
    assert (tmp_path / "AGENT.md").read_text() == "# Project\n"


def test_model_switches_for_the_session_and_tools_are_listed(session, server):
    session, _ = session
    assert command(session, "/model", "").startswith("Model: m ")
    assert command(session, "/model", "bigger-model") == "Model: bigger-model for the rest of this session."
    server.reply("hi")
    session.run("hello")
    assert server.requests[-1]["model"] == "bigger-model"
    assert command(session, "/model", "").startswith("Model: bigger-model ")
    listed = command(session, "/tools", "").splitlines()
    assert any(line.split()[:2] == ["Read", "read-only"] for line in listed)
    assert any(line.split()[:2] == ["Bash", "changes"] for line in listed)
    assert len([line for line in listed[1:] if line[:3].strip()]) == len(session.tools)  # wrapped


def test_mode_and_permissions_commands(session):
    session, _ = session
    assert command(session, "/mode", "").startswith("Permission mode: default")
    assert command(session, "/mode", "plan") == "Permission mode: plan"
    assert session.policy.mode == "plan"
    assert command(session, "/mode", "yolo").startswith("Unknown mode 'yolo'")
    assert "Bash(make): deny" in command(session, "/permissions", "Bash(make)")
    assert "Bash(git status): allow" in command(session, "/permissions", "Bash(git status)")
    listed = command(session, "/permissions", "")
    assert "Permission mode: plan" in listed and "deny rules: (none)" in listed


def test_slash_mode_cannot_bypass_when_the_settings_disable_it(session):
    session, _ = session
    session.settings = replace(session.settings, bypass_disabled=True)
    said = command(session, "/mode", "bypassPermissions")
    assert "disabled by permissions.disableBypassPermissionsMode" in said
    assert session.policy.mode == "default"
    assert command(session, "/mode", "acceptEdits") == "Permission mode: acceptEdits"


def test_trust_question_then_a_refusal_with_a_note(tmp_path, server):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".agent").mkdir()
    (repo / ".agent" / "settings.json").write_text('{"permissions": {"allow": ["Bash(ls:*)"]}}')
    server.reply(tool_calls=[("Bash", {"command": "touch x.txt"})])
    server.reply("understood")
    env = {**os.environ, "HOME": str(tmp_path), "OPENAI_BASE_URL": server.base_url, "TERM": "dumb"}
    with Pty([sys.executable, "-m", "agent", "--no-sandbox"], repo, env) as child:
        child.expect("Trust this project")
        child.send("y\r")
        child.expect("> ")
        child.send("make x.txt\r")
        child.expect("Allow Bash(touch x.txt)? [y = yes, a = always, n <note> = no]")
        child.send("n use the Makefile\r")
        child.expect("understood")
        child.send("/exit\r")
        assert child.close() == 0
    result = server.requests[1]["messages"][-1]["content"]
    assert result == "Permission denied: the user refused Bash(touch x.txt). The user says: use the Makefile"
    assert not (repo / "x.txt").exists()
    trusted = json.loads((tmp_path / ".agent" / "trusted.json").read_text())
    assert trusted["projects"] == {str(repo.resolve()): True}


def test_todos_rewind_and_cost_in_the_terminal(tmp_path, server):
    plan = [{"content": "Write the file", "status": "in_progress", "activeForm": "Writing the file"}]
    server.reply(tool_calls=[("TodoWrite", {"todos": plan}),
                             ("Write", {"file_path": "made.txt", "content": "made\n"})])
    server.reply("Made it.")
    with start(tmp_path, "--permission-mode", "acceptEdits", base_url=server.base_url) as child:
        child.expect("> ")
        child.send("make the file\r")
        child.expect("Made it.")
        assert (tmp_path / "made.txt").read_text() == "made\n"
        child.send("/todos\r")
        child.expect("◐ Writing the file", count=2)  # once as the model set it, once now
        child.send("/cost\r")
        child.expect("Cost: $0 (a local endpoint")
        child.send("/rewind\r")
        child.expect("are not tracked")
        assert "make the file" in child.seen and "made.txt" in child.seen
        child.send("/rewind 1 code\r")
        child.expect("deleted made.txt (created since)")
        assert not (tmp_path / "made.txt").exists()
        child.send("/exit\r")
        assert child.close() == 0
    assert "2 model calls" in child.seen


def test_pasted_or_typed_ahead_text_never_answers_a_question(tmp_path, server):
    """Lines pasted into the prompt used to answer the question that followed ("a" became
    "always", a rule on disk). Now only a key pressed after the question is shown counts, and
    a bracketed paste at the question is not an answer."""
    server.reply(tool_calls=[("Bash", {"command": "touch x.txt"})])
    server.reply("no then")
    with start(tmp_path, "--no-sandbox", base_url=server.base_url) as child:
        child.expect("> ")
        child.send("make x.txt\ra\ra\r")  # the prompt, then answers typed ahead of the question
        child.expect("Allow Bash(touch x.txt)?")
        time.sleep(0.5)
        assert not (tmp_path / "x.txt").exists()
        child.send("\x1b[200~y\r\x1b[201~")  # a paste
        child.expect("pasted text does not answer")
        child.send("n\r")
        child.expect("no then")
        child.send("/exit\r")
        assert child.close() == 0
    assert not (tmp_path / "x.txt").exists()
    assert not (tmp_path / ".agent" / "settings.local.json").exists()  # no "always" rule
    result = server.requests[1]["messages"][-1]["content"]
    assert result.startswith("Permission denied: the user refused Bash(touch x.txt)")


def test_a_slow_server_shows_a_waiting_line_that_goes_when_the_answer_comes(tmp_path, server):
    server.fault(b'data: {"choices":[{"index":0,"delta":{"content":"late answer"},'
                 b'"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n', wait=2.5)
    with start(tmp_path, base_url=server.base_url) as child:
        child.expect("/help")
        child.send("hi\r")
        out = child.expect("late answer")
        child.send("/exit\r")
        child.close()
    shown = out[out.index("hi"):]
    assert "waiting for " in shown and "... 1 s" in shown and "... 2 s" in shown
    assert shown.index("\r\033[K") < shown.index("late answer")  # erased before the answer
    assert "\033[2m" not in out  # TERM=dumb: no colour, the wait line's dim included


def test_print_mode_on_a_terminal_shows_the_wait_on_stderr(tmp_path, server):
    server.fault(b'data: {"choices":[{"index":0,"delta":{"content":"late answer"},'
                 b'"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n', wait=2.5)
    with start(tmp_path, "-p", "hi", base_url=server.base_url) as child:
        out = child.expect("late answer")
        assert child.close() == 0
    assert "... 2 s" in out and out.index("\r\033[K") < out.index("late answer")


def test_a_home_that_cannot_be_written_is_said_once_and_the_repl_goes_on(tmp_path, server):
    (tmp_path / "a-file").write_text("")  # a file where ~/.agent's parent should be
    server.reply(tool_calls=[("Write", {"file_path": "one.txt", "content": "1\n"})])
    server.reply("first done")
    server.reply(tool_calls=[("Write", {"file_path": "two.txt", "content": "2\n"})])
    server.reply("second done")
    with start(tmp_path, "--permission-mode", "acceptEdits", base_url=server.base_url,
               home=tmp_path / "a-file" / "home") as child:
        child.expect("> ")
        child.send("first\r")
        child.expect("first done")
        child.expect("this session cannot be resumed. The work goes on.")
        child.send("second\r")
        child.expect("second done")
        child.expect("> ", count=3)
        child.send("/exit\r")
        assert child.close() == 0
        seen = child.seen  # everything the terminal showed
    assert seen.count("cannot be resumed") == 1 and seen.count("checkpoints in") == 1
    assert (tmp_path / "one.txt").exists() and (tmp_path / "two.txt").exists()
