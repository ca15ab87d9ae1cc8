"""One writer per session: the lock beside the transcript, held by real processes, let go by
kill -9, and --fork-session to go on in a copy (agent/session/lock.py, transcript.py)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.config.paths import project_folder
from agent.session.lock import SessionLock
from agent.session.resume import resume_into
from agent.session.transcript import SessionInUse, Transcript, load
from invariants import assert_paired
from test_transcript import SYSTEM, agent_cli, build, write_fixture

HOLD = """
import sys, time
from pathlib import Path
from agent.session.lock import SessionLock
assert SessionLock(Path(sys.argv[1])).acquire() is None
print("held", flush=True)
time.sleep(60)
"""


def test_a_second_holder_is_refused_with_the_first_ones_pid_and_release_lets_go(tmp_path):
    first, second = SessionLock(tmp_path / "s.lock"), SessionLock(tmp_path / "s.lock")
    assert first.acquire() is None and first.held
    assert second.acquire() == os.getpid() and not second.held
    first.release()
    assert not (tmp_path / "s.lock").exists()  # nothing left beside the transcripts
    assert second.acquire() is None
    first.release()  # repeating a release, or releasing what was never held, does nothing
    second.release()
    second.release()


def test_kill_9_of_the_holder_lets_go_of_the_lock(tmp_path):
    path = tmp_path / "s.lock"
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline() == "held\n"
        assert SessionLock(path).acquire() == child.pid
        child.kill()
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    mine = SessionLock(path)
    assert mine.acquire() is None  # the kernel let go when the holder died: nothing stale
    assert path.read_text() == f"{os.getpid()}\n"
    mine.release()


def test_a_transcript_holds_its_session_from_the_first_write(tmp_path):
    one = Transcript(tmp_path, "s1")
    one([SYSTEM, {"role": "user", "content": "hi"}])
    assert one.held and one.held.held
    with pytest.raises(SessionInUse, match=rf"in use by another agent \(pid {os.getpid()}\).*--fork-session"):
        Transcript(tmp_path, "other").resume("s1", [SYSTEM], [SYSTEM])
    two = Transcript(tmp_path, "s1")  # a second writer of the same id never writes into it
    two([SYSTEM, {"role": "user", "content": "interleaved"}])
    assert "in use" in two.error and load(one.path).messages[1]["content"] == "hi"
    one([SYSTEM])  # /clear is a new session: the lock moves with the first write of the new file
    one([SYSTEM, {"role": "user", "content": "next"}])
    assert one.held.path.stem == one.session_id != "s1"
    three = Transcript(tmp_path, "x")
    three.resume("s1", [SYSTEM], [SYSTEM])  # let go of: free for another process
    assert three.held.path.stem == "s1"


def test_resume_in_the_repl_of_a_session_in_use_says_so_and_this_one_goes_on(home, repo, server):
    from agent.app.slash import command
    other = build(repo, server)
    server.reply("hello")
    other.run("first task")  # `other` holds its session now, as another process would
    session = build(repo, server)
    server.reply("hi")
    session.run("mine")
    mine, before = session.transcript.path, other.transcript.path.read_bytes()
    said = command(session, "/resume", other.transcript.session_id)
    assert said.startswith(f"Session {other.transcript.session_id} is in use by another agent (pid")
    assert "--fork-session" in said and session.transcript.path == mine
    server.reply("still mine")
    session.run("go on")
    assert other.transcript.path.read_bytes() == before
    assert load(mine).messages[-1]["content"] == "still mine"


def holder_process(repo: Path, home: Path, server, pidfile: Path) -> subprocess.Popen:
    """`agent -p` in the middle of a Bash call that sleeps: it holds its session."""
    server.reply("Running it.", tool_calls=[("Bash", {"command": f"echo $$ > {pidfile}; exec sleep 30"})])
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    proc = subprocess.Popen([sys.executable, "-m", "agent", "-p", "run the slow thing",
                             "--base-url", server.base_url, "--permission-mode", "bypassPermissions"],
                            cwd=repo, env={**base, "HOME": str(home)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not (pidfile.exists() and pidfile.read_text().strip()):
        assert time.monotonic() < deadline and proc.poll() is None, "the tool never started"
        time.sleep(0.05)
    return proc


def test_two_runs_of_one_session_never_interleave_and_fork_session_copies_it(home, repo, server):
    pidfile = repo / "sleep.pid"
    holder = holder_process(repo, home, server, pidfile)
    try:
        (path,) = project_folder(repo, home).glob("*.jsonl")
        before = path.read_bytes()
        for args in (["--continue", "-p", "meanwhile?"], ["--resume", path.stem[:8], "-p", "hm?"],
                     ["--continue"]):
            done = agent_cli([*args, "--base-url", server.base_url], repo, home,
                             stdin=subprocess.DEVNULL)
            assert done.returncode == 1, args
            assert done.stderr == (f"agent: session {path.stem} is in use by another agent "
                                   f"(pid {holder.pid}), and one process writes a session at a "
                                   "time: wait for it to end, or add --fork-session to go on in a copy\n")
        assert path.read_bytes() == before
        n_requests = len(server.requests)
        server.reply("A copy answers.")
        fork = agent_cli(["--resume", path.stem, "--fork-session", "-p", "in a copy?",
                          "--base-url", server.base_url, "--output-format", "json"], repo, home)
        assert fork.returncode == 0, fork.stderr
        assert len(server.requests) == n_requests + 1  # the refused runs sent nothing
        new_id = json.loads(fork.stdout)["session_id"]
        assert new_id != path.stem and path.read_bytes() == before  # the original, untouched
        sent = server.requests[-1]["messages"]
        assert_paired(sent)
        assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "user"]
        copy = load(path.with_name(f"{new_id}.jsonl")).messages
        assert copy[1:4] == sent[1:4] and copy[-1]["content"] == "A copy answers."
        os.kill(holder.pid, signal.SIGKILL)  # the harness alone: its sleep goes on running
        holder.wait(timeout=10)
        server.reply("Back in the original.")
        done = agent_cli(["--resume", path.stem, "-p", "now?", "--base-url", server.base_url],
                         repo, home)
        assert (done.returncode, done.stdout) == (0, "Back in the original.\n"), done.stderr
    finally:
        if holder.poll() is None:
            holder.kill()
        if pidfile.exists() and pidfile.read_text().strip():
            os.kill(int(pidfile.read_text()), signal.SIGKILL)  # the sleep we made the agent start
    assert load(path).messages[-1]["content"] == "Back in the original."


def test_fork_session_needs_a_session_to_fork(home, repo):
    done = agent_cli(["--fork-session", "-p", "hi"], repo, home)
    assert (done.returncode, done.stderr) == (2, "agent: --fork-session goes with --continue or --resume\n")


def test_a_fork_in_the_api_leaves_the_original_byte_for_byte(home, repo, server):
    folder = project_folder(repo, home)
    path = write_fixture(folder, "orig", [SYSTEM, {"role": "user", "content": "go"},
                                          {"role": "assistant", "content": None, "tool_calls": [
                                              {"id": "c1", "type": "function", "function": {
                                                  "name": "Bash", "arguments": "{}"}}]}])
    before = path.read_bytes()
    session = build(repo, server)
    shown = resume_into(session, path, fork=True)
    assert shown.startswith(f"Forked session orig into {session.transcript.session_id} (3 messages)")
    assert path.read_bytes() == before and not path.with_suffix(".lock").exists()
    assert load(session.transcript.path).messages == session.agent.messages  # on disk already
