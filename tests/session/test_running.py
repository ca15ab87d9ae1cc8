"""Commands on record (agent/session/running.py): the process group of each Bash command is
written before it runs, and a resume after kill -9 says whether the command still runs; real
processes, real transcripts, the agent against the HTTP test server."""

import json
import signal
import subprocess
import sys
import time

import pytest

from agent.config.paths import project_folder
from agent.session.running import (explain_cut_calls, note_running, pending_call, running_calls,
                                   still_running)
from agent.session.transcript import NO_RESULT, Transcript, load
from invariants import assert_paired
from processes import (COMMAND, SANDBOXES, agent, command_leaders, descendants, gone_within,
                       kill_all, start, wait_for)

SYSTEM = {"role": "system", "content": "You are a test."}


def calls(*ids: str) -> dict:
    return {"role": "assistant", "content": None, "tool_calls": [
        {"id": i, "type": "function", "function": {"name": "Bash", "arguments": "{}"}} for i in ids]}


def result(call_id: str, text: str = "ok") -> dict:
    return {"role": "tool", "tool_call_id": call_id, "content": text}


def resume(server, repo, home, *flags: str) -> subprocess.CompletedProcess:
    proc = agent(["--continue", "-p", "what happened?", "--base-url", server.base_url, *flags],
                 repo, home)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_after_kill_9_the_resume_says_the_command_was_stopped(sandbox, server, home, repo):
    server.reply(tool_calls=[("Bash", {"command": COMMAND})])
    proc = start(server, repo, home, sandbox)
    wait_for(repo / "started", proc)
    (leader,), started = command_leaders(proc.pid), descendants(proc.pid)
    (path,) = project_folder(repo, home).glob("*.jsonl")
    record = json.loads(path.read_text().splitlines()[-1])  # on disk before the command ran on
    assert record == {"type": "running", "tool_call_id": "call_1", "pgid": leader,
                      "command": COMMAND, "time": record["time"]}
    try:
        proc.kill()
        proc.wait(10)
        assert not gone_within(started, 3)
    finally:
        kill_all(started)
    server.reply("I will check what it did.")
    done = resume(server, repo, home, "--verbose")
    assert done.returncode == 0, done.stderr
    assert f"the command `{COMMAND}` (process group {leader}) was stopped" in done.stderr
    sent = server.requests[-1]["messages"]
    assert_paired(sent)
    assert sent[3]["content"].startswith("(no result: the session ended while this ran, and "
                                         f"the command `{COMMAND}` was stopped with it")
    assert load(path).n_skipped == 0  # a kind of line the loader knows


def test_a_command_still_running_is_named_with_its_group(server, home, repo):
    """Where the tether cannot hold it (a group the harness did not start itself, or one
    that left its group), the command may outlive the harness: the resume says so, and how to stop it."""
    folder = project_folder(repo, home)
    folder.mkdir(parents=True)
    survivor = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        transcript = Transcript(folder)
        transcript([SYSTEM, {"role": "user", "content": "build it"}, calls("call_1")])
        note_running(transcript, survivor.pid, "make   -j8\nall")
        transcript.close()  # this process wrote it; the resume below is another one
        server.reply("It is still building; I will wait.")
        done = resume(server, repo, home, "--verbose")
        assert done.returncode == 0, done.stderr
        assert f"the command `make -j8 all` (process group {survivor.pid}) is still running" \
            in done.stderr
        tool = server.requests[-1]["messages"][3]
        assert "is still running, as process group" in tool["content"]
        assert f"kill -TERM -{survivor.pid}" in tool["content"] and "do not start it again" in tool["content"]
        assert survivor.poll() is None  # asked about, never signalled
    finally:
        survivor.kill()
        survivor.wait()


def test_a_finished_call_keeps_its_result(tmp_path):
    transcript = Transcript(tmp_path)
    transcript([SYSTEM, {"role": "user", "content": "go"}, calls("a")])
    note_running(transcript, 999_999_999, "true")
    transcript([SYSTEM, {"role": "user", "content": "go"}, calls("a"), result("a", "done")])
    messages = load(transcript.path).messages
    assert explain_cut_calls(messages, running_calls(transcript.path), NO_RESULT) == (messages, [])


def test_the_pending_call_is_the_first_without_a_result():
    assert pending_call([SYSTEM, calls("a", "b", "c"), result("a")]) == "b"
    assert pending_call([SYSTEM, calls("a"), result("a"), calls("b", "c"), result("b")]) == "c"
    assert pending_call([SYSTEM, calls("a"), result("a")]) is None
    assert pending_call([SYSTEM, {"role": "user", "content": "hi"}]) is None


def test_a_command_that_answers_no_call_is_not_recorded(tmp_path):
    """A `!` line of a custom command runs through Bash before the model is asked."""
    transcript = Transcript(tmp_path)
    transcript([SYSTEM, {"role": "user", "content": "go"}])
    note_running(transcript, 4242, "git diff")
    assert "running" not in transcript.path.read_text()


def test_the_records_read_back_the_last_per_call_and_only_sound_ones(tmp_path):
    path = tmp_path / "t.jsonl"
    lines = [{"type": "running", "tool_call_id": "call_1", "pgid": 10, "command": "old"},
             {"type": "running", "tool_call_id": "call_1", "pgid": 11, "command": "new"},
             {"type": "running", "tool_call_id": "call_2", "pgid": "12", "command": "x"},
             {"type": "running", "tool_call_id": "call_3", "pgid": 0, "command": "x"},
             {"type": "running", "tool_call_id": "call_4", "pgid": -5, "command": "x"},
             ["running"]]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + '{"type": "running", "tool')
    assert {k: v["pgid"] for k, v in running_calls(path).items()} == {"call_1": 11}
    assert load(path).n_skipped == 1  # the list; the records are a known kind


def test_a_group_of_zombies_is_not_running():
    leader = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    deadline = time.monotonic() + 10
    while open(f"/proc/{leader.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    try:
        assert not still_running(leader.pid)  # ended, only waiting to be reaped
    finally:
        leader.wait()
    assert not still_running(leader.pid)
    alive = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        assert still_running(alive.pid)
    finally:
        alive.send_signal(signal.SIGKILL)
        alive.wait()
