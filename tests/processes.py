"""Real processes for the tests of stopping: the agent started as a user starts it, the
processes it started found through /proc (Linux), and waits that poll instead of sleeping."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from agent.permissions.sandbox import bubblewrap

SANDBOXES = ["--no-sandbox", *(["--sandbox"] if bubblewrap()[0] else [])]
"""Each test of stopping runs unsandboxed, and in bubblewrap where it works."""
COMMAND = ("(sleep 3; touch job-outlived) > /dev/null 2>&1 & "
           "touch started; sleep 3; touch command-outlived")
"""A background job in the group, then the command itself; each leaves a mark if it outlives
the agent, and `started` says it runs."""


def agent(args: list[str], cwd: Path, home: Path, stdin=subprocess.DEVNULL) -> subprocess.Popen:
    """`python -m agent ARGS` in its own session (so that a test can clean up after it), with
    HOME set and no OPENAI_/AGENT_ variables from the outside."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return subprocess.Popen([sys.executable, "-m", "agent", *args], cwd=cwd,
                            env={**base, "HOME": str(home)}, stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def start(server, repo: Path, home: Path, *flags: str, prompt: str = "run it") -> subprocess.Popen:
    """`agent -p PROMPT` against the test server, with no questions asked."""
    return agent(["-p", prompt, "--base-url", server.base_url,
                  "--permission-mode", "bypassPermissions", *flags], repo, home)


def wait_for(path: Path, proc: subprocess.Popen, within: float = 30) -> None:
    """Until `path` exists; fails when `proc` ends first or it takes too long."""
    deadline = time.monotonic() + within
    while not path.exists():
        assert proc.poll() is None, f"the agent ended first: {proc.communicate()}"
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.02)


def alive(pid: int) -> bool:
    """Running (a zombie, which only waits to be reaped, is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _parents() -> dict[int, int]:
    """pid -> parent pid, for every live process."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and alive(int(entry.name)):
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return parents


def children(pid: int) -> list[int]:
    return [p for p, parent in _parents().items() if parent == pid]


def command_leaders(pid: int) -> list[int]:
    """The processes under the agent `pid` that lead a command's process group: its children
    but the tether, and in the kept sandbox the commands its spawner started (not bubblewrap
    or the spawner, which are the harness's own)."""
    def cmdline(child: int) -> bytes:
        try:
            return Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            return b""
    leaders = []
    for child in children(pid):
        if b"tether.py" in cmdline(child):
            continue
        if b"sandbox_spawner.py" in cmdline(child):  # the kept sandbox: what runs in it
            spawners = [p for p in descendants(child) if b"sandbox_spawner.py" in cmdline(p)]
            leaders += [p for s in spawners for p in children(s)
                        if b"sandbox_spawner.py" not in cmdline(p) and os.getpgid(p) == p]
        else:
            leaders.append(child)
    return leaders


def descendants(pid: int) -> list[int]:
    """Every live process under `pid`, children first."""
    parents, found, frontier = _parents(), [], [pid]
    while frontier:
        frontier = [p for p, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def gone_within(pids: list[int], seconds: float) -> list[int]:
    """The pids still alive after up to `seconds` (empty: all gone)."""
    deadline = time.monotonic() + seconds
    while (left := [p for p in pids if alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.02)
    return left


def kill_all(pids: list[int]) -> None:
    """Cleanup after a failed test: SIGKILL what is left."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
