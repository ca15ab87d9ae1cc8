"""Bash with real subprocesses: exit codes, timeouts, process groups, capped output."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from agent.tools import ToolContext, ToolError
from agent.tools.shell import BASH


@pytest.fixture
def ctx(tmp_path):
    return ToolContext(cwd=tmp_path)


def bash(ctx, command, **args):
    return BASH.run({"command": command, **args}, ctx)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(pid, 0); on Linux, ask for its state.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X"))


def dead_soon(pid: int, within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("command, expected", [
    ("true", "(no output)"),
    ("echo hi", "hi"),
    ("exit 1", "(no output)\n[exit code 1]"),
    ("echo err >&2; exit 3", "err\n[exit code 3]"),
    ("echo a; echo b >&2; echo c", "a\nb\nc"),  # stderr merged, in order
    ("printf 'no newline'", "no newline"),
    ("cat", "(no output)"),  # stdin is closed, so cat does not wait for input
    ("[[ 1 == 1 ]] && echo bash", "bash"),
])
def test_output_and_exit_code(ctx, command, expected):
    assert bash(ctx, command, timeout=10_000) == expected


def test_runs_in_the_working_directory_with_the_given_environment(tmp_path):
    ctx = ToolContext(cwd=tmp_path, env={"PATH": os.environ["PATH"], "GREETING": "hej"})
    assert bash(ctx, "pwd; echo $GREETING") == f"{tmp_path.resolve()}\nhej"


def test_nothing_carries_over_between_calls(ctx, tmp_path):
    (tmp_path / "sub").mkdir()
    bash(ctx, "cd sub; export X=1")
    assert bash(ctx, "pwd; echo ${X:-unset}") == f"{tmp_path.resolve()}\nunset"


def test_timeout_kills_the_whole_process_group(ctx):
    start = time.monotonic()
    result = bash(ctx, "sleep 30 & echo $!; sleep 30", timeout=1000)
    assert time.monotonic() - start < 5
    first, note = result.split("\n")
    assert note.startswith("[Command timed out after 1 s")
    assert dead_soon(int(first)), "the background child survived the timeout"


def test_a_background_job_holding_the_output_does_not_hang_the_tool(ctx):
    start = time.monotonic()
    result = bash(ctx, "sleep 30 & echo $!")
    assert time.monotonic() - start < 5
    lines = result.split("\n")
    assert lines[1].startswith("[Background processes still holding the output were killed")
    assert dead_soon(int(lines[0]))


def test_a_background_job_with_redirected_output_keeps_running(ctx):
    result = bash(ctx, "sleep 30 > /dev/null 2>&1 & echo $!")
    pid = int(result)
    try:
        assert alive(pid)
    finally:
        os.kill(pid, signal.SIGKILL)


def test_ctrl_c_kills_the_group_and_reaches_the_loop(ctx, tmp_path):
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    start = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            bash(ctx, "sleep 30 & echo $! > pid; sleep 30", timeout=20_000)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 5
    assert dead_soon(int((tmp_path / "pid").read_text()))


@pytest.mark.parametrize("command, last", [
    ("seq 1 300", "300"),  # a little over the cap: kept whole in memory, cut by cap()
    ("seq 1 200000", "200000"),  # far over: only the start and the end are ever kept
])
def test_long_output_keeps_the_head_and_the_tail(tmp_path, command, last):
    ctx = ToolContext(cwd=tmp_path, max_result_chars=1000)
    result = bash(ctx, command)
    assert result.startswith("1\n2\n3\n")
    assert result.endswith("\n" + last)
    assert "cut" in result
    assert len(result) < 1300


def test_timeout_is_capped_at_ten_minutes_and_must_be_a_number(ctx):
    assert bash(ctx, "echo ok", timeout=10**9) == "ok"
    with pytest.raises(ToolError, match="timeout must be a whole number"):
        bash(ctx, "echo ok", timeout="soon")
