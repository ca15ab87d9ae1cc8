"""Tether: every command's process group dies with the harness, even when the harness is
killed with SIGKILL, which no process can catch or clean up after.

    harness ──── a pipe ────► python -I -S tether.py    one per harness, started with the
      "+4242"  group 4242 runs: hold it                 session, in a process session of its own
      "-4242"  it is done: let it go
      "p{...}" a kept sandbox and its placeholders   "q4243" it removed them itself
      (end of input)  the harness is gone, however it died: SIGTERM to every group still
                      held, SIGKILL after a second to what is left; then, once each kept
                      sandbox is gone, its placeholders still empty are removed

The process runner (agent/tools/process.py) starts each command in a process group of its
own, tells the tether (`hold`) before it reads a byte of the command's output, and lets go
(`release`) when the command is done. When the harness exits, for any reason, SIGKILL
included, the kernel closes its end of the pipe; the tether reads the end of its input and
ends what it still holds, as the runner would have. Background jobs of a command that is
done are not held: they outlive the harness as they would outlive a shell.

One tether for the whole session, not one per command, started with the session
(`start`, agent/session/compose.py) or else with its first command: a process in front of each command
(a Python start-up, about 15 ms) had doubled the time of a short Bash call. Here a command
costs two short writes. It runs as a file with `-I -S` (no site packages, no PYTHONPATH)
and imports only the standard library; a tether that died is started again, and told what
is held (one that cannot be started, when the system has no process to spare, leaves the
command unheld rather than failing it). The bubblewrap sandbox also ends on its own when
the harness dies (agent/permissions/kept_sandbox.py).
Not covered: a harness killed in the microseconds between a command's start and its `hold`;
a process that leaves the group (setsid, a double fork into its own session); Windows.
Claude Code counterpart: none that is documented.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

GRACE_S = 1.0

_lock = threading.Lock()
_held: set[int] = set()
_tidy: dict[int, list[str]] = {}  # a kept sandbox's pid -> its placeholders
_tether: tuple[int, subprocess.Popen] | None = None  # (the harness's pid, its tether)


def start() -> None:
    """Start the tether now rather than with the first command: its start-up (a Python process,
    about 15 ms of a core) then overlaps the session's own start, not its first steps."""
    with _lock:
        _ready()


def hold(pgid: int) -> None:
    """The group `pgid` must end with the harness (until `release`)."""
    with _lock:
        _held.add(pgid)
        _tell(f"+{pgid}\n")


def tidy(pid: int, paths: list) -> None:
    """The kept sandbox `pid` made these placeholders (agent/permissions/kept_sandbox.py):
    if the harness dies, remove the ones still empty once that sandbox is gone."""
    with _lock:
        _tidy[pid] = [str(path) for path in paths]
        _tell(f"p{json.dumps({'pid': pid, 'paths': _tidy[pid]})}\n")


def tidied(pid: int) -> None:
    """The sandbox `pid` ended and removed its placeholders itself."""
    with _lock:
        if _tidy.pop(pid, None) is not None:
            _tell(f"q{pid}\n")


def release(pgid: int) -> None:
    """The command that leads `pgid` is done: its group need not end with the harness."""
    with _lock:
        _held.discard(pgid)
        _tell(f"-{pgid}\n")


def _tell(line: str) -> None:
    proc = _ready()
    if proc is not None:
        _write(proc, line)


def _ready() -> subprocess.Popen | None:
    """This process's tether; a new one when there is none (or only a forked parent's, or one
    that died), told what is held. None when no process can be started: the command then runs
    unheld, and the next one tries again."""
    global _tether
    if _tether is not None and _tether[0] == os.getpid() and _tether[1].poll() is None:
        return _tether[1]
    try:
        proc = subprocess.Popen([sys.executable, "-I", "-S", os.path.abspath(__file__)],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        _tether = None
        return None
    _tether = (os.getpid(), proc)
    _write(proc, "".join(f"+{pgid}\n" for pgid in _held) + "".join(
        f"p{json.dumps({'pid': pid, 'paths': paths})}\n" for pid, paths in _tidy.items()))
    return proc


def _write(proc: subprocess.Popen, text: str) -> None:
    global _tether
    if not text:
        return
    try:
        proc.stdin.write(text.encode())
        proc.stdin.flush()
    except BrokenPipeError:  # it died just now: the next word starts another
        _tether = None


def main() -> None:
    for signum in (signal.SIGINT, signal.SIGHUP):  # only the end of its input ends it
        signal.signal(signum, signal.SIG_IGN)
    held: set[int] = set()
    placeholders: dict[int, list[str]] = {}
    for line in sys.stdin.buffer:
        sign = line[:1]
        if sign == b"+":
            held.add(int(line[1:]))
        elif sign == b"-":
            held.discard(int(line[1:]))
        elif sign == b"p":
            told = json.loads(line[1:])
            placeholders[told["pid"]] = told["paths"]
        elif sign == b"q":
            placeholders.pop(int(line[1:]), None)
    end(held)
    for pid, paths in placeholders.items():
        remove_placeholders(pid, paths)


def remove_placeholders(pid: int, paths: list[str]) -> None:
    """Once the sandbox `pid` is gone (its spawner reads the end of its socket as this process
    reads its input), the placeholders still empty: not before, for while it lives they hold
    what is protected, and without them a command could create `.env`."""
    deadline = time.monotonic() + 5 * GRACE_S
    while _running(pid):
        if time.monotonic() > deadline:
            return  # still there: a placeholder left behind is better than a hole
        time.sleep(0.02)
    held = _held_elsewhere()
    for path in reversed(paths):
        if "".join(f"\\{ord(c):03o}" if c in " \t\n\\" else c for c in path) in held:
            continue  # another session's sandbox binds it: its wall stays up
        try:
            os.rmdir(path) if os.path.isdir(path) else (os.path.getsize(path) or os.unlink(path))
        except OSError:
            pass


def _held_elsewhere() -> set[str]:
    """Every mount point of the other mount namespaces (as in kept_sandbox.held_elsewhere:
    this file imports nothing of the harness)."""
    points = set()
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/mountinfo") as info:
                points.update(line.split()[4] for line in info if line.count(" ") > 4)
        except (OSError, IndexError):
            continue
    return points


def _running(pid: int) -> bool:
    """Still running (a zombie has ended: only its parent has not reaped it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except (OSError, IndexError):
        return True  # cannot tell: leave the placeholders


def end(groups: set[int]) -> None:
    """SIGTERM to each group, then SIGKILL after GRACE_S to the ones still there."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pgid in list(groups):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                groups.discard(pgid)
        deadline = time.monotonic() + GRACE_S
        while sig == signal.SIGTERM and groups and time.monotonic() < deadline:
            time.sleep(0.02)
            for pgid in list(groups):
                try:
                    os.killpg(pgid, 0)
                except ProcessLookupError:
                    groups.discard(pgid)


if __name__ == "__main__":
    main()
