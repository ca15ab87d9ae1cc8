"""Sessions on disk: the transcript as it is written, read back after a crash, repaired, and
resumed with --continue, --resume and /resume; real files, real subprocesses (one killed with
SIGKILL in the middle of a tool call) and the HTTP test server as the model."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.session.resume import find_session, latest, list_sessions, pick, resume_into, resume_menu
from agent.session.transcript import NO_RESULT, SessionError, Transcript, load, prompt_text, repair
from agent.config.paths import project_folder
from invariants import assert_paired

SYSTEM = {"role": "system", "content": "You are a test."}


def assistant_calls(*ids: str) -> dict:
    return {"role": "assistant", "content": None, "tool_calls": [
        {"id": i, "type": "function", "function": {"name": "Bash", "arguments": '{"command": "ls"}'}}
        for i in ids]}


def result(call_id: str, text: str = "ok") -> dict:
    return {"role": "tool", "tool_call_id": call_id, "content": text}


def lines(path: Path) -> list[dict]:
    """The transcript's lines, without the calls' figures (agent/session/call_notes.py)."""
    return [r for r in map(json.loads, path.read_text().splitlines()) if r.get("type") != "call"]


# The writer and the loader


def test_each_message_is_one_line_as_it_is_added_and_a_rewrite_is_one_history_line(tmp_path):
    transcript = Transcript(tmp_path / "p", "s1")
    messages = [SYSTEM]
    transcript(messages)
    assert not transcript.path.exists()  # the system prompt alone is not a session yet
    messages.append({"role": "user", "content": "hi"})
    transcript(messages)
    assert lines(transcript.path) == messages
    messages.append({"role": "assistant", "content": "hello"})
    transcript(messages)
    assert lines(transcript.path) == messages
    messages[1:] = [{"role": "user", "content": "[summary] hi, hello"}]  # what compaction does
    transcript(messages)
    *old, rewrite = lines(transcript.path)
    assert old == [SYSTEM, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    assert rewrite["type"] == "history" and rewrite["messages"] == messages
    loaded = load(transcript.path)
    assert loaded.messages == messages and loaded.first_prompt == "hi"
    assert (loaded.n_dropped, loaded.n_skipped) == (0, 0)


def test_a_history_cut_back_to_the_system_prompt_starts_a_new_session(tmp_path):
    transcript = Transcript(tmp_path, "s1")
    messages = [SYSTEM, {"role": "user", "content": "one"}]
    transcript(messages)
    del messages[1:]  # /clear
    transcript(messages)
    assert transcript.session_id != "s1" and not transcript.path.exists()
    messages.append({"role": "user", "content": "two"})
    transcript(messages)
    assert lines(transcript.path) == messages
    assert load(tmp_path / "s1.jsonl").messages == [SYSTEM, {"role": "user", "content": "one"}]


def test_a_torn_last_line_is_dropped_and_counted_and_the_next_write_starts_a_new_line(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(SYSTEM) + "\n" + json.dumps({"role": "user", "content": "go"})
                    + "\n" + '{"role": "assistant", "cont')
    loaded = load(path)
    assert loaded.messages == [SYSTEM, {"role": "user", "content": "go"}] and loaded.n_dropped == 1
    transcript = Transcript(tmp_path)
    transcript.resume("s", loaded.messages, loaded.messages)  # nothing to write
    assert load(path).n_dropped == 1 and path.read_text().endswith("cont")
    transcript(loaded.messages + [{"role": "user", "content": "again"}])
    again = load(path)
    assert again.messages[-1] == {"role": "user", "content": "again"} and again.n_dropped == 1


def test_an_empty_file_and_lines_of_unknown_kinds(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert (load(empty).messages, load(empty).first_prompt) == ([], "")
    odd = tmp_path / "odd.jsonl"
    odd.write_text("\n".join([json.dumps(SYSTEM), '{"type": "summary", "text": "x"}', "[1, 2]",
                              json.dumps({"role": "user", "content": "hi\n\n<system-reminder>"
                                          "Today's date is 2026-01-01.</system-reminder>"}), ""]))
    loaded = load(odd)
    assert len(loaded.messages) == 2 and (loaded.n_skipped, loaded.n_dropped) == (2, 0)
    assert loaded.first_prompt == "hi"  # the facts the loop added are not the prompt


# Repair: broken transcripts, as a crash or a hand edit leaves them

FIXTURES = {
    "a call cut off": [SYSTEM, {"role": "user", "content": "go"}, assistant_calls("c1")],
    "two calls, one answered": [SYSTEM, {"role": "user", "content": "go"},
                                assistant_calls("c1", "c2"), result("c1")],
    "results out of order": [SYSTEM, {"role": "user", "content": "go"},
                             assistant_calls("c1", "c2"), result("c2"), result("c1")],
    "an orphan tool message": [SYSTEM, {"role": "user", "content": "go"}, result("c9"),
                               {"role": "assistant", "content": "done"}],
    "no system message": [{"role": "user", "content": "go"}, {"role": "assistant", "content": "done"}],
    "a second result and an unknown role": [SYSTEM, {"role": "user", "content": "go"},
                                            assistant_calls("c1"), result("c1"), result("c1", "again"),
                                            {"role": "narrator", "content": "?"}],
}


def write_fixture(folder: Path, name: str, messages: list[dict], torn: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in messages) + torn)
    return path


@pytest.mark.parametrize("name", FIXTURES)
def test_repair_makes_each_fixture_valid(name):
    fixed = repair(FIXTURES[name], {"role": "system", "content": "now"})
    assert fixed.messages[0] == {"role": "system", "content": "now"} and fixed.notes
    assert_paired(fixed.messages)
    assert repair(fixed.messages).notes == ()  # repairing a valid history changes nothing


def test_repair_answers_the_cut_off_call_in_place_and_keeps_the_real_results():
    fixed = repair(FIXTURES["two calls, one answered"]).messages
    assert fixed[-2:] == [result("c1"), {"role": "tool", "tool_call_id": "c2", "content": NO_RESULT}]
    fixed = repair(FIXTURES["results out of order"]).messages
    assert [m["tool_call_id"] for m in fixed[3:]] == ["c1", "c2"]


def build(repo: Path, server, session_id: str | None = None):
    from agent.session.compose import build_session, load_permissions
    from agent.config.config import load_config
    config = load_config({"base_url": server.base_url, "model": "m"},
                         {"HOME": os.environ["HOME"]}, repo)
    return build_session(config, lambda e: None, None, session_id=session_id,
                         permissions=load_permissions(config, [], []))


@pytest.mark.parametrize("name", [*FIXTURES, "a torn line"])
def test_each_fixture_resumes_into_a_valid_request(name, home, repo, server):
    folder = project_folder(repo, home)
    messages = FIXTURES.get(name, FIXTURES["a call cut off"])
    path = write_fixture(folder, "s-" + name.replace(" ", "-").replace(",", ""), messages,
                         torn='{"role": "tool", "tool_call_id": "c1", "con' if name == "a torn line" else "")
    session = build(repo, server)
    shown = resume_into(session, path)
    assert shown.startswith(f"Resumed session {path.stem}") and ";" in shown
    server.reply("carrying on")
    session.run("and now?")
    sent = server.requests[-1]["messages"]
    assert_paired(sent)
    assert sent[0]["role"] == "system" and sent[0]["content"] != "You are a test."  # rebuilt
    assert sent[-1]["content"].startswith("and now?")
    assert load(path).messages == session.agent.messages  # the repair and the new turn are on disk


def test_menu_pick_and_resume_for_the_repl(home, repo, server):
    folder = project_folder(repo, home)
    assert resume_menu(folder) == "No earlier sessions in this folder."
    first = [SYSTEM, {"role": "user", "content": "first task"}, {"role": "assistant", "content": "ok"}]
    older = write_fixture(folder, "older", first)
    os.utime(older, (time.time() - 60, time.time() - 60))
    write_fixture(folder, "newer", [SYSTEM, {"role": "user", "content": "second task"},
                                    {"role": "assistant", "content": "done"}])
    write_fixture(folder, "empty", [SYSTEM])  # no prompt: not listed
    menu = resume_menu(folder).splitlines()
    assert menu[0] == "Sessions, newest first (1-2 of 2):" and len(menu) == 4
    assert menu[1].startswith("   1. ") and menu[1].endswith("newer  second task")
    assert "3 messages" in menu[1] and menu[2].endswith("older  first task")
    assert menu[3] == "/resume N or ID goes on with one; that is all of them."
    assert pick(folder, "2").id == "older" and pick(folder, "new").id == "newer"
    assert latest(folder).id == "newer" and [s.id for s in list_sessions(folder)] == ["newer", "older"]
    for bad in ("3", "nope"):
        with pytest.raises(SessionError):
            pick(folder, bad)
    session = build(repo, server)
    resume_into(session, pick(folder, "2").path)
    assert session.agent.messages[1:] == first[1:]
    session.agent.clear()  # /clear: a new session, the old file untouched
    assert session.transcript.session_id != "older"
    assert load(older).messages[1:] == first[1:]


def test_after_a_compaction_the_transcript_loads_to_the_compacted_history(home, repo, server):
    from agent.app.slash import command
    session = build(repo, server)
    server.reply(tool_calls=[("Glob", {"pattern": "*"})])
    server.reply("nothing here")
    session.run("what is here?")
    server.reply("## Goal\nlist the files\n## Current state\nthere are none")
    assert command(session, "/compact", "").startswith("(context compacted:")
    path = session.transcript.path
    last = json.loads(path.read_text().splitlines()[-1])
    assert (last["type"], last["reason"]) == ("history", "compact")
    loaded = load(path)
    assert loaded.messages == session.agent.messages and loaded.first_prompt == "what is here?"
    assert [m["role"] for m in loaded.messages] == ["system", "user"]
    server.reply("still none")
    session.run("and now?")
    assert load(path).messages == session.agent.messages == server.requests[-1]["messages"] + [session.agent.messages[-1]]


def test_an_id_prefix_must_be_unique(tmp_path):
    for name in ("abc1", "abc2"):
        write_fixture(tmp_path, name, [SYSTEM, {"role": "user", "content": name}])
    assert find_session(tmp_path, "abc1").id == "abc1"
    with pytest.raises(SessionError, match="2 sessions start with 'abc'"):
        find_session(tmp_path, "abc")


# End to end: python -m agent


def agent_cli(args: list[str], cwd: Path, home: Path, **kwargs):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return subprocess.run([sys.executable, "-m", "agent", *args], cwd=cwd,
                          env={**base, "HOME": str(home)}, capture_output=True, text=True,
                          timeout=60, **kwargs)


def test_continue_sends_the_earlier_conversation_and_keeps_the_session_id(home, repo, server):
    server.reply("The answer is 4.")
    first = agent_cli(["-p", "what is 2+2?", "--base-url", server.base_url,
                       "--output-format", "json"], repo, home)
    session_id = json.loads(first.stdout)["session_id"]
    (path,) = project_folder(repo, home).glob("*.jsonl")
    assert path.stem == session_id
    server.reply("Then 8.")
    second = agent_cli(["--continue", "-p", "and doubled?", "--base-url", server.base_url,
                        "--output-format", "json"], repo, home)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["session_id"] == session_id
    sent = server.requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[1]["content"].startswith("what is 2+2?") and sent[2]["content"] == "The answer is 4."
    assert [m["role"] for m in lines(path)] == ["system", "user", "assistant", "user", "assistant"]
    listed = agent_cli(["sessions"], repo, home)
    assert listed.returncode == 0 and session_id in listed.stdout and "what is 2+2?" in listed.stdout
    server.reply("16.")
    third = agent_cli(["-r", session_id[:8], "-p", "again", "--base-url", server.base_url,
                       "--output-format", "json"], repo, home)
    assert json.loads(third.stdout)["session_id"] == session_id
    assert len(server.requests[-1]["messages"]) == 6
    server.reply("32.")
    streamed = agent_cli(["-c", "-p", "once more", "--base-url", server.base_url,
                          "--output-format", "stream-json"], repo, home).stdout.splitlines()
    assert json.loads(streamed[0])["session_id"] == json.loads(streamed[-1])["session_id"] == session_id


def test_nothing_to_resume_is_one_line_and_exit_1(home, repo):
    for args in (["--continue", "-p", "hi"], ["--resume", "nope", "-p", "hi"], ["sessions"], ["-c"]):
        done = agent_cli(args, repo, home, stdin=subprocess.DEVNULL)
        assert done.returncode == 1, args
        assert done.stderr.startswith("agent: no session") and done.stderr.count("\n") == 1


def test_a_transcript_that_cannot_be_written_does_not_stop_the_work(tmp_path, repo, server):
    not_a_folder = tmp_path / "home-is-a-file"
    not_a_folder.write_text("")
    server.reply("still answered")
    done = agent_cli(["-p", "hi", "--base-url", server.base_url], repo, not_a_folder)
    assert (done.returncode, done.stdout) == (0, "still answered\n")
    assert "could not be written" in done.stderr and "cannot be resumed" in done.stderr


def test_sigkill_in_the_middle_of_a_tool_call_then_continue(home, repo, server):
    pidfile = repo / "sleep.pid"
    server.reply("Running it.", tool_calls=[("Bash", {"command": f"echo $$ > {pidfile}; exec sleep 30"})])
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    proc = subprocess.Popen([sys.executable, "-m", "agent", "-p", "run the slow thing",
                             "--base-url", server.base_url, "--permission-mode", "bypassPermissions"],
                            cwd=repo, env={**base, "HOME": str(home)}, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    folder = project_folder(repo, home)
    try:
        deadline = time.monotonic() + 30
        while not (pidfile.exists() and pidfile.read_text().strip()):
            assert time.monotonic() < deadline and proc.poll() is None, "the tool never started"
            time.sleep(0.05)
        (path,) = folder.glob("*.jsonl")
        *_, call, running = [line for line in path.read_text().splitlines()
                             if '"type": "call"' not in line]  # the call is on disk already,
        assert "tool_calls" in call and '"type": "running"' in running  # and its command
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        if pidfile.exists() and pidfile.read_text().strip():
            os.kill(int(pidfile.read_text()), signal.SIGKILL)  # the sleep we made the agent start
    server.reply("The command was cut off; let me run it again later.")
    done = agent_cli(["--continue", "-p", "what happened?", "--base-url", server.base_url,
                      "--output-format", "json"], repo, home)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["session_id"] == path.stem
    sent = server.requests[-1]["messages"]
    assert_paired(sent)
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "user"]
    assert "was stopped with it" in sent[3]["content"]  # agent/session/running.py
    assert sent[4]["content"].startswith("what happened?")
    assert load(path).messages[-1]["content"].startswith("The command was cut off")


def test_hooks_get_the_session_transcript_and_source_resume(home, repo, server):
    copies = home / "hook-inputs"
    copies.mkdir()
    hook = home / "copy.sh"
    hook.write_text(f'#!/bin/sh\ncat > "{copies}/$(date +%s%N).json"\n')
    hook.chmod(0o755)
    (home / ".agent").mkdir()
    (home / ".agent" / "settings.json").write_text(json.dumps({"hooks": {
        event: [{"hooks": [{"type": "command", "command": str(hook)}]}]
        for event in ("SessionStart", "UserPromptSubmit", "Stop")}}))

    def inputs() -> list[dict]:
        return [json.loads(p.read_text()) for p in sorted(copies.iterdir())]
    server.reply("hi there")
    assert agent_cli(["-p", "hello", "--base-url", server.base_url], repo, home).returncode == 0
    start, prompt, stop = inputs()
    (path,) = project_folder(repo, home).glob("*.jsonl")
    assert {start["transcript_path"], prompt["transcript_path"], stop["transcript_path"]} == {str(path)}
    assert start["source"] == "startup" and stop["session_id"] == path.stem
    assert [m["role"] for m in load(path).messages] == ["system", "user", "assistant"]
    for p in copies.iterdir():
        p.unlink()
    server.reply("hi again")
    assert agent_cli(["-c", "-p", "again", "--base-url", server.base_url], repo, home).returncode == 0
    start = inputs()[0]
    assert (start["source"], start["session_id"], start["transcript_path"]) == ("resume", path.stem, str(path))


def test_after_clear_hooks_get_the_new_session_and_its_transcript(home, repo, server):
    from agent.app.slash import command
    session = build(repo, server)
    seen = []
    hooks = session.hooks.hooks
    for event in ("SessionStart", "SessionEnd"):
        hooks.add(event, lambda data: seen.append(
            (data["hook_event_name"], data["session_id"], data["transcript_path"])))
    server.reply("hello")
    session.run("hi")
    old = session.transcript.path
    command(session, "/clear", "")
    (end, start) = seen
    assert end == ("SessionEnd", old.stem, str(old))
    assert start[0] == "SessionStart" and start[1] != old.stem and start[2] != str(old)
    assert load(Path(start[2])).messages == [session.agent.messages[0]]  # made to exist for the hook
    assert [s.id for s in list_sessions(old.parent)] == [old.stem]  # no prompt yet: not listed


def test_the_repl_continues_and_clear_starts_a_new_session(home, repo, server):
    from terminal import Pty
    server.reply("The answer is 4.")
    assert agent_cli(["-p", "what is 2+2?", "--base-url", server.base_url], repo, home).returncode == 0
    (first,) = project_folder(repo, home).glob("*.jsonl")
    server.reply("Then 8.")
    env = {**os.environ, "HOME": str(home), "OPENAI_BASE_URL": server.base_url, "TERM": "dumb"}
    with Pty([sys.executable, "-m", "agent", "--continue"], repo, env) as child:
        child.expect(f"Resumed session {first.stem} (2 messages).")
        child.expect("> ")
        child.send("and doubled?\r")
        child.expect("Then 8.")
        child.expect("> ", count=2)
        child.send("/clear\r")
        child.expect("Conversation cleared.")
        child.expect("> ", count=3)
        child.send("\x04")
        assert child.close() == 0
    assert [m["role"] for m in server.requests[-1]["messages"]] == ["system", "user", "assistant", "user"]
    assert [m["role"] for m in load(first).messages] == ["system", "user", "assistant", "user", "assistant"]


def test_resume_in_the_repl_goes_on_with_the_chosen_session(home, repo, server):
    from agent.app.slash import command
    folder = project_folder(repo, home)
    todo = {"id": "t1", "type": "function", "function": {"name": "TodoWrite", "arguments": json.dumps(
        {"todos": [{"content": "Fix the bug", "status": "in_progress", "activeForm": "Fixing the bug"}]})}}
    older = write_fixture(folder, "older", [
        SYSTEM, {"role": "user", "content": "first task"},
        {"role": "assistant", "content": None, "tool_calls": [todo]},
        {"role": "tool", "tool_call_id": "t1", "content": "ok"},
        {"role": "assistant", "content": None, "tool_calls": [  # cut off: no result
            {"id": "b1", "type": "function", "function": {"name": "Bash", "arguments": "{}"}}]}])
    os.utime(older, (time.time() - 60, time.time() - 60))
    session = build(repo, server)
    seen = []
    for event in ("SessionStart", "SessionEnd"):
        session.hooks.hooks.add(event, lambda data: seen.append(
            (data["hook_event_name"], data.get("source"), data["session_id"])))
    server.reply("hello")
    session.run("hi")
    current = session.transcript.session_id
    menu = command(session, "/resume", "").splitlines()  # this session is not offered
    assert len(menu) == 3 and menu[1].endswith("older  first task")
    assert command(session, "/resume", current[:8]) == "That is this session."
    # subtle: a short number may also begin this session's random id; nine digits cannot
    # (an id has a dash there), so this one is only a number, and out of the list
    assert command(session, "/resume", "123456789").startswith("no session number 123456789")
    assert command(session, "/todos", "") == "No todos yet."
    said = command(session, "/resume", "1")
    assert said.startswith("Resumed session older (5 messages)") and "a call cut off" in said
    assert seen == [("SessionEnd", None, current), ("SessionStart", "resume", "older")]
    assert command(session, "/todos", "") == "◐ Fixing the bug"  # the list that history left
    assert session.agent.messages[1]["content"] == "first task"
    server.reply("going on")
    session.run("go on")
    assert_paired(server.requests[-1]["messages"])
    assert [prompt_text(m) for m in load(older).messages if m["role"] == "user"] == \
        ["first task", "go on"]


def test_what_a_session_saw_is_the_users_alone(home, repo, server):
    (home / ".agent").mkdir(mode=0o755)  # made earlier, by hand, for a settings file
    (home / ".agent" / "sessions").mkdir(mode=0o755)
    session = build(repo, server)
    server.reply("hello")
    session.run("hi")
    for name in ("projects", "sessions", "cache"):
        assert (home / ".agent" / name).stat().st_mode & 0o777 == 0o700, name
    assert session.transcript.path.is_relative_to(home / ".agent" / "projects")
