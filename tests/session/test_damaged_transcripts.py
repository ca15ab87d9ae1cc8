"""Damaged transcripts: every line of the wrong shape is skipped with its reason, never a crash;
one bad file never breaks the listing or the resume of the others; "damaged" is not "no
session" (agent/session/records.py, transcript.py:load, resume.py:survey)."""

import json
import os
import time

import pytest

from agent.config.paths import project_folder
from agent.session.resume import find_session, latest, list_sessions, resume_into, sessions_report
from agent.session.transcript import SessionError, Transcript, load
from invariants import assert_paired
from test_transcript import SYSTEM, agent_cli, build

BEFORE = [SYSTEM, {"role": "user", "content": "first task"}, {"role": "assistant", "content": "ok"}]
AFTER = [{"role": "user", "content": "second task"}, {"role": "assistant", "content": "fine"}]
CALL = {"id": "c1", "type": "function", "function": {"name": "Bash", "arguments": "{}"}}


def assistant(tool_calls) -> str:
    return json.dumps({"role": "assistant", "content": "", "tool_calls": tool_calls})


# (a damaged line, the reason the resume gives for it)
DAMAGED = {
    "tool_calls not a list": (assistant("notalist"), "a tool_calls that is not a list"),
    "tool_calls an object": (assistant({"id": "c1"}), "a tool_calls that is not a list"),
    "a null call": (assistant([None]), "a tool call with no id"),
    "a call that is a string": (assistant(["Bash"]), "a tool call with no id"),
    "a call with a number id": (assistant([{**CALL, "id": 5}]), "a tool call with no id"),
    "a call with no function": (assistant([{**CALL, "function": None}]), "a tool call with no id"),
    "a call with a null name": (assistant([{**CALL, "function": {"name": None, "arguments": "{}"}}]),
                                "a tool call with no id"),
    "arguments as an object": (assistant([{**CALL, "function": {"name": "Bash", "arguments": {}}}]),
                               "a tool call with no id"),
    "a result with no call id": ('{"role": "tool", "content": "x"}', "a tool result with no tool_call_id"),
    "a result with a null call id": ('{"role": "tool", "tool_call_id": null, "content": "x"}',
                                     "a tool result with no tool_call_id"),
    "a user message with null content": ('{"role": "user", "content": null}', "a user message with no content"),
    "a user message with no content": ('{"role": "user"}', "a user message with no content"),
    "content a number": ('{"role": "user", "content": 5}', "neither text nor a list of parts"),
    "content an object": ('{"role": "user", "content": {"text": "hi"}}', "neither text nor a list"),
    "content NaN": ('{"role": "user", "content": NaN}', "neither text nor a list of parts"),
    "parts that are not objects": ('{"role": "user", "content": [1, null]}', "items that are not parts"),
    "a null role": ('{"role": null, "content": "x"}', "a message of no known role"),
    "a list role": ('{"role": ["user"], "content": "x"}', "a message of no known role"),
    "an unknown role": ('{"role": "narrator", "content": "x"}', "a message of no known role"),
    "null": ("null", "a line of no known kind"),
    "a number": ("42", "a line of no known kind"),
    "a string": ('"hello"', "a line of no known kind"),
    "a list": ("[1, 2]", "a line of no known kind"),
    "an empty object": ("{}", "a line of no known kind"),
    "true": ("true", "a line of no known kind"),
    "history not a list": ('{"type": "history", "messages": "nope"}', "a line of no known kind"),
    "history of nulls": ('{"type": "history", "messages": [null, 5, {"role": "user"}]}',
                         "a history line with no usable message"),
    "history empty": ('{"type": "history", "messages": []}', "a history line with no usable message"),
    "nested past json.loads": ("[" * 100_000 + "]" * 100_000, "nested too deeply to read"),
    "a nested object past json.loads": ('{"a":' * 100_000 + "1" + "}" * 100_000,
                                        "nested too deeply to read"),
    "nested in a message": ('{"role": "user", "content": "x", "extra": ' + "[" * 500 + "]" * 500 + "}",
                            "a message nested too deeply"),
    "nested in the content": ('{"role": "user", "content": [{"type": "text", "text": "x", "more": '
                              + "[" * 100 + "]" * 100 + "}]}", "a message nested too deeply"),
    "a number of 5000 digits": ('{"role": "user", "content": "x", "n": ' + "1" * 5000 + "}",
                                "JSON that cannot be read"),
    "a lone surrogate": ('{"role": "user", "content": "\\ud800"}', "text that is not valid Unicode"),
    "a torn line": ('{"role": "assistant", "cont', "unreadable line(s) dropped"),
    "bytes that are not UTF-8": ("\udcff\udcfe garbage \x00", "unreadable line(s) dropped"),
}


def write_lines(path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(line + "\n" for line in lines).encode("utf-8", "surrogateescape"))


@pytest.mark.parametrize("name", DAMAGED)
def test_a_damaged_line_is_skipped_with_its_reason_and_the_rest_resumes(name, home, repo, server):
    line, reason = DAMAGED[name]
    path = project_folder(repo, home) / "s.jsonl"
    write_lines(path, [json.dumps(m) for m in BEFORE] + [line] + [json.dumps(m) for m in AFTER])
    loaded = load(path)
    assert loaded.messages == BEFORE + AFTER
    assert loaded.n_skipped + loaded.n_dropped >= 1 and reason in loaded.damage
    assert [s.id for s in list_sessions(path.parent)] == ["s"]
    session = build(repo, server)
    shown = resume_into(session, path)
    assert shown.startswith("Resumed session s (4 messages); ") and reason in shown
    server.reply("carrying on")
    session.run("and now?")
    sent = server.requests[-1]["messages"]
    assert_paired(sent)
    assert [m["content"] for m in sent[1:5]] == ["first task", "ok", "second task", "fine"]


def test_a_history_line_keeps_its_good_messages_and_names_the_bad_ones(tmp_path):
    path = tmp_path / "s.jsonl"
    write_lines(path, [json.dumps(SYSTEM), json.dumps({"type": "history", "messages": [
        SYSTEM, None, {"role": "user", "content": "kept"}, {"role": "tool", "content": "x"}]})])
    loaded = load(path)
    assert loaded.messages == [SYSTEM, {"role": "user", "content": "kept"}]
    assert "in a history line, a message that is not an object" in loaded.damage
    assert "in a history line, a tool result with no tool_call_id" in loaded.damage


def test_a_line_separator_inside_a_message_is_not_a_line_break(tmp_path):
    transcript = Transcript(tmp_path, "s")
    messages = [SYSTEM, {"role": "user", "content": "a\u2028b\u2029c\x1cd\x1de\x1ef\x85g\x0bh\x0ci"}]
    transcript(messages)
    loaded = load(transcript.path)
    assert loaded.messages == messages and loaded.damage == ""


def put(folder, name: str, text: str | bytes, age: float = 0) -> None:
    path = folder / f"{name}.jsonl"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    os.utime(path, (time.time() - age, time.time() - age))


def test_bad_files_never_break_the_listing_or_the_resume_of_the_others(home, repo, server):
    folder = project_folder(repo, home)
    folder.mkdir(parents=True)
    put(folder, "healthy", "".join(json.dumps(m) + "\n" for m in BEFORE), age=60)
    put(folder, "deep", "[" * 100_000 + "]" * 100_000 + "\n")  # newer than the healthy one
    put(folder, "garbage", b"\x00\xffnot a transcript\n{{{\n")
    put(folder, "notalist", json.dumps(SYSTEM) + "\n" + assistant("notalist") + "\n")
    put(folder, "empty", "")
    put(folder, "fresh", json.dumps(SYSTEM) + "\n")  # opened, never asked: not damaged
    (folder / "adir.jsonl").mkdir()  # cannot be read as a file
    listed = agent_cli(["sessions"], repo, home)
    assert listed.returncode == 0 and listed.stderr == ""
    out = listed.stdout.splitlines()
    assert "healthy" in out[1] and "first task" in out[1] and out[2] == "Damaged, cannot be resumed:"
    damaged = {line.split()[0]: line for line in out[3:]}
    assert set(damaged) == {"deep", "garbage", "notalist", "empty", "adir"}
    assert "nested too deeply to read" in damaged["deep"] and "is empty" in damaged["empty"]
    assert "not JSON" in damaged["garbage"] or "dropped" in damaged["garbage"]
    assert "cannot be read" in damaged["adir"]
    server.reply("went on")
    done = agent_cli(["--continue", "-p", "go on", "--base-url", server.base_url], repo, home)
    assert (done.returncode, done.stdout) == (0, "went on\n"), done.stderr
    assert server.requests[-1]["messages"][1]["content"] == "first task"
    server.reply("again")
    done = agent_cli(["--resume", "healthy", "-p", "again", "--base-url", server.base_url], repo, home)
    assert (done.returncode, done.stdout) == (0, "again\n"), done.stderr
    for name, says in (("garbage", "holds no usable history"), ("deep", "nested too deeply"),
                       ("notalist", "a tool_calls that is not a list"), ("empty", "is empty"),
                       ("fresh", "has no prompt yet"), ("adir", "cannot be read")):
        done = agent_cli(["--resume", name, "-p", "hi"], repo, home)
        assert done.returncode == 1 and done.stderr.count("\n") == 1, name
        assert done.stderr.startswith(f"agent: session {name} cannot be resumed: its file "), name
        assert says in done.stderr, (name, done.stderr)
    nope = agent_cli(["--resume", "nope", "-p", "hi"], repo, home)
    assert nope.stderr.startswith("agent: no session 'nope'")  # not found is not damaged


def test_only_damaged_files_is_said_so(tmp_path):
    put(tmp_path, "garbage", "garbage\n")
    with pytest.raises(SessionError, match="1 transcript.s. there are damaged"):
        latest(tmp_path)
    with pytest.raises(SessionError, match="cannot be resumed: its file .* holds no usable history"):
        find_session(tmp_path, "garb")
    assert sessions_report(tmp_path).startswith("Damaged, cannot be resumed:\n  garbage  holds no")


def test_print_mode_says_once_what_was_skipped(home, repo, server):
    path = project_folder(repo, home) / "s.jsonl"
    write_lines(path, [json.dumps(m) for m in BEFORE] + [assistant("notalist"), "null"]
                + [json.dumps(m) for m in AFTER])
    server.reply("ok")
    done = agent_cli(["--continue", "-p", "go", "--base-url", server.base_url], repo, home)
    assert (done.returncode, done.stdout) == (0, "ok\n")
    assert done.stderr.count("2 skipped as damaged: ") == 1 and done.stderr.count("\n") == 1
    assert "a tool_calls that is not a list, a line of no known kind" in done.stderr
