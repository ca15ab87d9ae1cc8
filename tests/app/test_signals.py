"""A harness told to stop (SIGTERM, SIGHUP, Ctrl-C in print mode) ends every command it started
before it exits: real `python -m agent` processes against the HTTP test server, real signals,
and the processes they started looked up in /proc."""

import json
import signal
import subprocess
import time

import pytest

from agent.config.paths import project_folder
from agent.session.transcript import load, repair
from invariants import assert_paired
from processes import (COMMAND, SANDBOXES, agent, command_leaders, descendants, gone_within,
                       kill_all, start, wait_for)


def stop(proc: subprocess.Popen, signum: int, started: list[int]) -> tuple[str, str]:
    """Send the signal; the agent's output once it has exited, and every process it had
    started gone within 3 seconds (or the test fails, and cleans up)."""
    try:
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=15)
        assert not gone_within(started, 3), "processes the agent started outlived it"
    finally:
        kill_all(started)
        if proc.poll() is None:
            proc.kill()
    return out, err


def transcript(repo, home):
    (path,) = project_folder(repo, home).glob("*.jsonl")
    loaded = load(path)
    assert loaded.n_dropped == loaded.n_skipped == 0
    assert_paired(loaded.messages)
    assert repair(loaded.messages).notes == ()  # valid as it is: nothing to mend on resume
    return loaded.messages


@pytest.mark.parametrize("sandbox", SANDBOXES)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stop_signal_ends_the_running_command_then_the_agent(signum, sandbox, server, home, repo):
    server.reply(tool_calls=[("Bash", {"command": COMMAND})])
    proc = start(server, repo, home, sandbox)
    wait_for(repo / "started", proc)
    (leader,), started = command_leaders(proc.pid), descendants(proc.pid)
    out, err = stop(proc, signum, started)
    name = signal.Signals(signum).name
    assert proc.returncode == 128 + signum
    assert out == "" and "Traceback" not in err
    assert err.splitlines()[-1] == f"agent: stopped by {name}; ended 1 running command (pid {leader})", err
    assert not (repo / "command-outlived").exists() and not (repo / "job-outlived").exists()
    stopped = transcript(repo, home)[-1]
    assert stopped["role"] == "tool" and stopped["content"].startswith(f"Stopped by {name}")


def test_the_stopped_session_resumes_with_the_reason(server, home, repo):
    server.reply(tool_calls=[("Bash", {"command": COMMAND})])
    proc = start(server, repo, home, "--no-sandbox")
    wait_for(repo / "started", proc)
    stop(proc, signal.SIGTERM, descendants(proc.pid))
    server.reply("It was stopped; I will run it again.")
    done = _resume(server, repo, home)
    assert done.returncode == 0, done.stderr
    sent = server.requests[-1]["messages"]
    assert_paired(sent)
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "user"]
    assert sent[3]["content"].startswith("Stopped by SIGTERM")
    assert json.loads(done.stdout)["result"] == "It was stopped; I will run it again."


def _resume(server, repo, home) -> subprocess.CompletedProcess:
    proc = agent(["--continue", "-p", "what happened?", "--base-url", server.base_url,
                  "--output-format", "json"], repo, home)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_a_command_that_ignores_sigterm_is_killed_after_the_grace(server, home, repo):
    server.reply(tool_calls=[("Bash", {"command": "trap '' TERM; touch started; sleep 3; "
                                                  "touch command-outlived"})])
    proc = start(server, repo, home, "--no-sandbox")
    wait_for(repo / "started", proc)
    begun = time.monotonic()
    out, err = stop(proc, signal.SIGTERM, descendants(proc.pid))
    assert proc.returncode == 143 and time.monotonic() - begun < 2.5
    assert "ended 1 running command" in err.splitlines()[-1]
    assert not (repo / "command-outlived").exists()


def test_a_stop_while_waiting_for_the_model_says_no_command_was_running(server, home, repo):
    server.fault(wait=float("inf"))  # the request is taken, and never answered
    proc = start(server, repo, home, "--no-sandbox")
    deadline = time.monotonic() + 30
    while not server.requests:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    out, err = stop(proc, signal.SIGTERM, [])
    assert proc.returncode == 143 and out == ""
    assert err.splitlines()[-1] == "agent: stopped by SIGTERM; no command was running"
    assert [m["role"] for m in transcript(repo, home)] == ["system", "user"]


def test_a_running_hook_is_ended_too(server, home, repo):
    (home / ".agent").mkdir()
    (home / ".agent" / "settings.json").write_text(json.dumps({"hooks": {"UserPromptSubmit": [
        {"hooks": [{"type": "command", "command": f"touch {repo}/started; sleep 3; "
                                                  f"touch {repo}/hook-outlived"}]}]}}))
    proc = start(server, repo, home, "--no-sandbox")
    wait_for(repo / "started", proc)
    (leader,), started = command_leaders(proc.pid), descendants(proc.pid)
    out, err = stop(proc, signal.SIGTERM, started)
    assert proc.returncode == 143
    assert err.splitlines()[-1] == f"agent: stopped by SIGTERM; ended 1 running command (pid {leader})"
    assert not (repo / "hook-outlived").exists()


def test_sigterm_ends_the_repl_and_its_command(server, home, repo):
    server.reply(tool_calls=[("Bash", {"command": COMMAND})])
    proc = agent(["--base-url", server.base_url, "--permission-mode", "bypassPermissions",
                  "--no-sandbox"], repo, home, stdin=subprocess.PIPE)
    proc.stdin.write("run it\n")
    proc.stdin.flush()  # and left open: the REPL waits for more
    wait_for(repo / "started", proc)
    (leader,), started = command_leaders(proc.pid), descendants(proc.pid)
    out, err = stop(proc, signal.SIGTERM, started)
    assert proc.returncode == 143 and "Traceback" not in err
    assert err.splitlines()[-1] == f"agent: stopped by SIGTERM; ended 1 running command (pid {leader})"
    assert not (repo / "command-outlived").exists()
    assert transcript(repo, home)[-1]["content"].startswith("Stopped by SIGTERM")
