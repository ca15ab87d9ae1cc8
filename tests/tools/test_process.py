"""The process runner with real processes: its registry of running commands, which a harness
told to stop ends (agent/app/signals.py) whichever thread started them, and the tether that
ends them when the harness is killed with SIGKILL (the agent itself, against the HTTP server,
and the tether on its own)."""

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from agent.tools import tether
from agent.tools.process import run_command, running, shell, stop_all
from processes import (COMMAND, SANDBOXES, alive, descendants, gone_within, kill_all, start,
                       wait_for)


def start_in_thread(command: str, tmp_path, results: list) -> threading.Thread:
    thread = threading.Thread(target=lambda: results.append(
        run_command(shell(command), tmp_path, None, timeout=30)), daemon=True)
    thread.start()
    return thread


def wait_running(n: int) -> list:
    deadline = time.monotonic() + 10
    while len(running()) < n:
        assert time.monotonic() < deadline, "the commands never started"
        time.sleep(0.01)
    return running()


def test_stop_all_ends_every_running_group_and_names_them(tmp_path):
    results: list = []
    threads = [start_in_thread(f"sleep 30 > /dev/null & echo $! > job{i}; sleep 30", tmp_path,
                               results) for i in range(2)]
    procs = wait_running(2)
    while not all((tmp_path / f"job{i}").exists() for i in range(2)):
        time.sleep(0.01)
    jobs = [int((tmp_path / f"job{i}").read_text()) for i in range(2)]
    begun = time.monotonic()
    assert stop_all(grace=1.0) == sorted(p.pid for p in procs)
    assert time.monotonic() - begun < 1.5  # sleep goes at SIGTERM: no waiting out the grace
    assert not gone_within([p.pid for p in procs] + jobs, 1)  # the background jobs too
    for thread in threads:
        thread.join(5)
    assert [r.code for r in results] == [-15, -15] and running() == []


def test_stop_all_kills_what_ignores_sigterm_after_the_grace(tmp_path):
    results: list = []
    start_in_thread("trap '' TERM; sleep 30", tmp_path, results)
    (proc,) = wait_running(1)
    time.sleep(0.2)  # the trap is set
    begun = time.monotonic()
    assert stop_all(grace=0.3) == [proc.pid]
    assert 0.25 < time.monotonic() - begun < 2 and not alive(proc.pid)


def test_nothing_running_nothing_stopped():
    assert running() == [] and stop_all() == []


# Tethered: the command's group dies with the harness, even with SIGKILL (agent/tools/tether.py).

@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_kill_9_of_the_agent_ends_the_running_command_and_its_jobs(sandbox, server, home, repo):
    server.reply(tool_calls=[("Bash", {"command": COMMAND})])
    proc = start(server, repo, home, sandbox)
    wait_for(repo / "started", proc)
    started = descendants(proc.pid)
    try:
        proc.kill()
        proc.wait(10)
        assert not gone_within(started, 3), "the command outlived the agent"
    finally:
        kill_all(started)
    assert not (repo / "command-outlived").exists() and not (repo / "job-outlived").exists()


def test_kill_9_ends_a_command_that_ignores_sigterm_after_the_grace(server, home, repo):
    server.reply(tool_calls=[("Bash", {"command": "trap '' TERM; touch started; sleep 3; "
                                                  "touch command-outlived"})])
    proc = start(server, repo, home, "--no-sandbox")
    wait_for(repo / "started", proc)
    started = descendants(proc.pid)
    try:
        proc.kill()
        assert not gone_within(started, 2.5)
    finally:
        kill_all(started)
    assert not (repo / "command-outlived").exists()


def test_kill_9_ends_a_hook_run_from_another_thread(server, home, repo):
    (home / ".agent").mkdir()
    (home / ".agent" / "settings.json").write_text(json.dumps({"hooks": {"UserPromptSubmit": [
        {"hooks": [{"type": "command", "command": f"touch {repo}/started; sleep 3; "
                                                  f"touch {repo}/hook-outlived"}]}]}}))
    proc = start(server, repo, home, "--no-sandbox")
    wait_for(repo / "started", proc)
    started = descendants(proc.pid)
    try:
        proc.kill()
        assert not gone_within(started, 3)
    finally:
        kill_all(started)
    assert not (repo / "hook-outlived").exists()


@pytest.mark.parametrize("command, code", [
    ("exit 3", 3), ("true", 0), ("kill -TERM $$", -15), ("kill -9 $$", -9), ("kill -INT $$", -2),
    ("sh -c 'kill -PIPE $$'; exit 7", 7), ("no-such-command-here", 127)])
def test_the_command_ends_the_way_it_would_untethered(tmp_path, command, code):
    assert run_command(shell(command), tmp_path, None, timeout=10).code == code



@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "no pidfd: Popen.wait"])
def test_the_end_and_the_timeout_are_seen_with_or_without_a_pidfd(tmp_path, monkeypatch, pidfd):
    if not pidfd:  # as on macOS or a kernel older than 5.3
        monkeypatch.delattr(os, "pidfd_open", raising=False)
    assert run_command(shell("exit 3"), tmp_path, None, timeout=10).code == 3
    assert run_command(shell("sleep 0.3; exit 4"), tmp_path, None, timeout=10).code == 4
    assert run_command(shell("sleep 30"), tmp_path, None, timeout=0.2, grace=0).timed_out

def sleeper() -> subprocess.Popen:
    return subprocess.Popen(["sleep", "30"], start_new_session=True)


def test_the_tether_ends_the_groups_it_holds_when_its_input_ends():
    """The end of its input is the harness gone, however it died; a released group is done
    with (its background jobs may outlive the harness, as they would outlive a shell)."""
    held, released = sleeper(), sleeper()
    watcher = subprocess.Popen([sys.executable, "-I", "-S", tether.__file__], stdin=subprocess.PIPE)
    try:
        watcher.stdin.write(f"+{held.pid}\n+{released.pid}\n-{released.pid}\n".encode())
        watcher.stdin.close()
        assert watcher.wait(10) == 0
        assert held.wait(10) == -15 and released.poll() is None
    finally:
        for proc in (held, released, watcher):
            proc.kill()
            proc.wait()


def test_a_tether_that_died_is_started_again_and_told_what_is_held():
    first, second = sleeper(), sleeper()
    try:
        tether.hold(first.pid)
        old = tether._tether[1]
        old.kill()
        old.wait()
        tether.hold(second.pid)  # a new tether: it must hold both
        new = tether._tether[1]
        assert new.pid != old.pid
        new.stdin.close()  # as when the harness dies
        new.wait(10)
        assert first.wait(10) == -15 and second.wait(10) == -15
    finally:
        tether.release(first.pid)
        tether.release(second.pid)
        for proc in (first, second):
            proc.kill()
            proc.wait()