"""The process runner's registry of running commands, with real processes: what a harness
that is told to stop ends (agent/app/signals.py), whichever thread started the command."""

import threading
import time

from agent.tools.process import run_command, running, shell, stop_all
from processes import alive, gone_within


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
