"""The kept sandbox: one bubblewrap sandbox for a turn's commands, over real processes.

What must hold is what held with a sandbox per command (test_sandbox.py runs every attack
through the kept one now), plus what keeping it changes: background jobs live on to the end
of the turn and no further, walls that change mid-turn get a new sandbox, placeholders are
gone when the turn ends, a harness killed with SIGKILL takes the sandbox down, and a sandbox
that cannot be kept falls back to one per command and says why."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from agent.permissions import kept_sandbox
from agent.permissions.policy import Policy
from agent.permissions.sandbox import Sandbox, bubblewrap
from agent.tools import ToolContext
from agent.tools.process import run_command, shell
from agent.tools.shell import BASH

pytestmark = pytest.mark.skipif(bubblewrap()[0] is None, reason=f"no sandbox here: {bubblewrap()[1]}")


def agent_p(repo: Path, home: Path, server, *flags: str, **popen) -> subprocess.Popen:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return subprocess.Popen([sys.executable, "-m", "agent", "-p", "go", "--base-url", server.base_url,
                             "--permission-mode", "bypassPermissions", *flags], cwd=repo,
                            env={**base, "HOME": str(home)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def tool_results(server) -> list[str]:
    return [m["content"] for m in server.requests[-1]["messages"] if m["role"] == "tool"]


def running(pattern: str) -> str:
    return subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout


def wait_gone(pattern: str, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while running(pattern) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not running(pattern)


@pytest.fixture
def sandbox(repo):
    box = Sandbox(Policy("default", repo))
    yield box
    box.rest()


def test_a_turns_commands_share_one_sandbox_and_its_background_jobs_end_with_the_turn(
        repo, home, server):
    nap = f"sleep 1000.{os.getpid()}"
    server.reply(tool_calls=[("Bash", {"command": f"{nap} > /dev/null 2>&1 & echo $PPID"})])
    server.reply(tool_calls=[("Bash", {"command": "echo $PPID; ps -eo args"})])
    server.reply("done")
    proc = agent_p(repo, home, server)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    first, second = tool_results(server)
    assert first.strip() == second.splitlines()[0].strip()  # the same spawner started both
    assert nap in second  # the first command's job still ran during the second
    assert wait_gone(f"^{nap}$")  # and ended with the turn
    assert sorted(p.name for p in repo.iterdir()) == []  # placeholders gone: .env, .agent, ...


def test_walls_that_change_mid_turn_get_a_new_sandbox(repo, home, server):
    server.reply(tool_calls=[("Bash", {"command": "echo $PPID; ls -a .claude"})])
    server.reply(tool_calls=[("Write", {"file_path": str(repo / ".claude" / "notes.md"),
                                        "content": "written by the harness\n"})])
    server.reply(tool_calls=[("Bash", {"command": "echo $PPID; cat .claude/notes.md; "
                                                  "echo changed > .claude/notes.md"})])
    server.reply("done")
    proc = agent_p(repo, home, server)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    first, _, second = tool_results(server)
    assert "written by the harness" in second  # the new file is seen ...
    assert "Read-only file system" in second  # ... and still held read-only
    assert (repo / ".claude" / "notes.md").read_text() == "written by the harness\n"
    assert not (repo / ".env").exists() and not (repo / ".agent").exists()


def test_plan_mode_entered_mid_session_is_read_only_at_once(repo, sandbox):
    ctx = ToolContext(cwd=repo, confine=sandbox.confine)
    assert BASH.run({"command": "echo one > one.txt && cat one.txt"}, ctx) == "one"
    sandbox.policy.mode = "plan"
    assert "Read-only file system" in BASH.run({"command": "echo two > two.txt"}, ctx)
    assert not (repo / "two.txt").exists()
    sandbox.policy.mode = "default"
    assert BASH.run({"command": "echo three > three.txt && cat three.txt"}, ctx) == "three"


def test_a_harness_killed_by_sigkill_takes_the_sandbox_and_its_jobs_down(repo, home, server):
    nap = f"sleep 1001.{os.getpid()}"
    server.reply(tool_calls=[("Bash", {"command": f"{nap} > /dev/null 2>&1 & echo started"})])
    server.reply(tool_calls=[("Bash", {"command": "sleep 60"})])
    server.reply("done")
    proc = agent_p(repo, home, server)
    deadline = time.monotonic() + 30
    while not running(f"^{nap}$") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running(f"^{nap}$"), "the background job never started"
    time.sleep(0.3)
    assert (repo / ".env").exists()  # a placeholder while the sandbox lives
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert wait_gone(f"^{nap}$")
    deadline = time.monotonic() + 10  # the tether removes the placeholders once it is gone
    while list(repo.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(repo.iterdir()) == []


def test_quick_commands_overlapping_commands_and_every_exit_code(repo, sandbox):
    with sandbox.confine("true") as spawn:
        codes = [run_command(shell(f"exit {n % 7}"), repo, None, 10, spawn=spawn).code
                 for n in range(40)]
    assert codes == [n % 7 for n in range(40)]
    results = {}

    def one(n):
        with sandbox.confine("sleep") as spawn:
            done = run_command(shell(f"sleep 0.3; echo {n}"), repo, None, 10, spawn=spawn)
        results[n] = done.out.text().strip()
    threads = [threading.Thread(target=one, args=(n,)) for n in range(4)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {n: str(n) for n in range(4)}
    assert time.monotonic() - start < 1.2 * 4 * 0.3 + 1  # side by side, not one by one
    assert sandbox.kept is not None and not sandbox.kept_error


def test_stdin_separate_stderr_timeouts_and_signals(repo, sandbox):
    with sandbox.confine("cat") as spawn:
        done = run_command(shell("cat; echo err >&2; exit 5"), repo, None, 10, stdin=b"fed\n",
                           merge_stderr=False, spawn=spawn)
        assert (done.code, done.out.text(), done.err.text()) == (5, "fed\n", "err\n")
        done = run_command(shell("sleep 30"), repo, None, 0.3, grace=0, spawn=spawn)
        assert done.timed_out
        done = run_command(shell("kill -TERM $$"), repo, None, 10, spawn=spawn)
        assert done.code == -signal.SIGTERM
        with pytest.raises(OSError, match="No such file"):
            run_command(shell("true"), repo / "missing", None, 10, spawn=spawn)
        assert run_command(shell("echo still"), repo, None, 10, spawn=spawn).out.text() == "still\n"


def test_a_sandbox_that_cannot_be_kept_falls_back_to_one_per_command(repo, sandbox, monkeypatch,
                                                                     tmp_path):
    broken = tmp_path / "spawner.py"
    broken.write_text("raise SystemExit('the spawner fell over')\n")
    monkeypatch.setattr(kept_sandbox, "SPAWNER", str(broken))
    ctx = ToolContext(cwd=repo, confine=sandbox.confine)
    assert BASH.run({"command": "echo fine > f.txt && cat f.txt"}, ctx) == "fine"
    assert "spawner fell over" in sandbox.kept_error
    assert "a sandbox per command" in sandbox.describe() and "spawner fell over" in sandbox.describe()
    assert "The sandbox lets commands write only" in BASH.run({"command": "touch .env"}, ctx)
    BASH.run({"command": f"sleep 1002.{os.getpid()} > /dev/null 2>&1 &"}, ctx)
    assert f"sleep 1002.{os.getpid()}" not in BASH.run({"command": "ps -eo args"}, ctx)  # per command
    assert not (repo / ".env").exists()


def test_placeholders_the_harness_filled_are_kept_and_the_rest_removed(repo, sandbox):
    ctx = ToolContext(cwd=repo, confine=sandbox.confine)
    BASH.run({"command": "true"}, ctx)
    assert (repo / ".env").exists()  # a placeholder, while the sandbox lives
    (repo / ".agent" / "settings.json").write_text(json.dumps({}))  # the harness writes one
    sandbox.rest()
    assert (repo / ".agent" / "settings.json").exists()
    assert not (repo / ".env").exists() and not (repo / ".claude").exists()


def test_a_spawner_that_does_not_end_is_killed_and_takes_the_sandbox_with_it(monkeypatch, tmp_path):
    stuck = tmp_path / "spawner.py"
    stuck.write_text("import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                     f"time.sleep(60.{os.getpid()})\n")
    monkeypatch.setattr(kept_sandbox, "SPAWNER", str(stuck))
    kept = kept_sandbox.KeptSandbox.start([bubblewrap()[0], "--ro-bind", "/", "/", "--proc", "/proc",
                                           "--dev", "/dev", "--unshare-pid"], [])
    deadline = time.monotonic() + 10
    while not running(str(stuck)) and time.monotonic() < deadline:
        time.sleep(0.05)
    start = time.monotonic()
    kept.close()
    assert time.monotonic() - start < 4
    assert kept.proc.returncode is not None and wait_gone(str(stuck), 2)


def test_commands_cannot_kill_read_or_trace_the_spawner(repo, home, server):
    attacks = ["kill -KILL 1; kill -TERM 1; kill -KILL -1; echo after",
               "cat /proc/1/environ | tr '\\0' '\\n' | wc -c",
               "head -c 16 /proc/1/mem 2>&1 | od -c | head -2; cat /proc/1/maps 2>&1 | head -2",
               "echo $PPID; echo still here"]
    for command in attacks:
        server.reply(tool_calls=[("Bash", {"command": command})])
    server.reply("done")
    proc = agent_p(repo, home, server)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    killed, environ, memory, last = tool_results(server)
    assert killed.splitlines()[-1] == "after"
    assert "/proc/1/environ: Permission denied" in environ
    assert environ.splitlines()[1].strip() == "0"  # nothing read
    assert "Permission denied" in memory and "r-xp" not in memory
    assert last.splitlines() == ["1", "still here"]  # the same spawner, unharmed


@pytest.mark.parametrize("reply", [b"\xff\xff\xff\xff", b"\x00\x00\x00\x10{\"pid\"", b"\x00\x00"])
def test_a_spawner_taken_over_cannot_make_the_harness_wait_or_swell(monkeypatch, tmp_path, repo,
                                                                      sandbox, reply):
    liar = tmp_path / "spawner.py"  # answers every request with a lie, then says no more
    liar.write_text("import socket, sys, time\n"
                    "control = socket.socket(fileno=int(sys.argv[1]))\n"
                    "_, fds, _, _ = socket.recv_fds(control, 16, 4)\n"
                    f"socket.socket(fileno=fds[0]).send({reply!r})\ntime.sleep(30)\n")
    monkeypatch.setattr(kept_sandbox, "SPAWNER", str(liar))
    monkeypatch.setattr(kept_sandbox, "START_WAIT_S", 1.0)
    start = time.monotonic()
    ctx = ToolContext(cwd=repo, confine=sandbox.confine)
    assert BASH.run({"command": "echo fine"}, ctx) == "fine"  # in a sandbox of its own
    assert time.monotonic() - start < 5 and sandbox.kept_error


def test_a_placeholder_another_sessions_sandbox_holds_is_left_in_place(repo):
    """Two sessions in one workspace: when one's turn ends, a placeholder that the other's
    sandbox still binds must stay, or a job in that sandbox could create `.env` on disk."""
    first, second = Sandbox(Policy("default", repo)), Sandbox(Policy("default", repo))
    try:
        BASH.run({"command": "true"}, ToolContext(cwd=repo, confine=first.confine))
        job = ("(for i in $(seq 40); do echo OPENAI_BASE_URL=http://evil > .env 2>/dev/null "
               "&& break; sleep 0.05; done) > /dev/null 2>&1 & echo started")
        assert BASH.run({"command": job}, ToolContext(cwd=repo, confine=second.confine)) == "started"
        first.rest()
        time.sleep(2.5)
        assert not (repo / ".env").exists() or (repo / ".env").read_text() == ""
    finally:
        first.rest()
        second.rest()
    # left behind, empty: the second session bound it as a file it found, not one it made
    assert not (repo / ".env").exists() or (repo / ".env").stat().st_size == 0
