"""Run a shell command in a process group of its own, and stop all of it when needed.

    run_command(shell("make test"), cwd, env, timeout=120)  ->  Finished(code, out, err, ...)

The Bash tool and command hooks both run here. Each command is `bash -c COMMAND` (sh when
there is no bash) in a new session, so it leads a process group: killing the group stops the
command and everything it started (make's compilers, a test runner's workers) instead of
leaving orphans. The terminal's Ctrl-C reaches the harness, not the group, so on
KeyboardInterrupt the group is killed here and the interrupt goes on up.

The output is read by threads into `Capture`s (agent/tools/capping.py), never all kept, so a
command that prints gigabytes costs little memory and never blocks on a full pipe. A
background job that keeps the pipe open (`server &`) would make "read to the end" wait
forever: once the command itself has exited, the pipe gets `grace` seconds to close, then
the group is killed and `held_open` says so.

Stopping is SIGTERM, then SIGKILL after `grace` seconds for what is left; `grace=0` kills at
once (a hook has no work worth saving). `live`, when given, holds each running process, so
that another thread can stop them (`stop`), as Ctrl-C does for hooks run side by side.
Each command's group is held by the session's tether (agent/tools/tether.py) while it
runs, which ends it when the harness dies, even by SIGKILL. Every command also sits in one
registry of this process while it runs (`running`), so that a harness told to stop
(SIGTERM, SIGHUP: agent/app/signals.py) ends them all (`stop_all`) before it exits,
whichever thread started them.
`spawn` starts the command: a child of this process by default (`popen`), or a command in
the kept sandbox (agent/permissions/kept_sandbox.py), which is not this process's child but
has a pid, pipes and a `wait` all the same; the rest of this file cannot tell them apart.
Not covered: Windows; a process that leaves the group (setsid) and keeps no pipe open.
Claude Code counterpart: the process handling of its Bash tool and hook runner.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agent.tools import tether
from agent.tools.capping import Capture

SHELL = "/bin/bash" if os.path.exists("/bin/bash") else "/bin/sh"

_running: set[subprocess.Popen] = set()
"""The commands started here and not yet ended. Plain set operations, which the GIL keeps
whole, and no lock: a signal handler reads it in the main thread, which may hold any lock."""


@dataclass(frozen=True)
class Finished:
    """How a command ended, and what it printed."""

    code: int | None
    """The exit code (negative: killed by that signal); None when stopped at the timeout."""
    out: Capture
    """stdout, and stderr too when they were merged."""
    err: Capture | None
    """stderr, when it was kept apart."""
    held_open: bool
    """The command was done, but something it started kept the output open and was killed."""

    @property
    def timed_out(self) -> bool:
        return self.code is None


Spawn = Callable[..., "subprocess.Popen"]
"""Starts a command in a process group of its own: `spawn(argv, cwd, env, stdin, stdout,
stderr)`, the last three as Popen takes them. Returns a Popen, or what has its `pid`, pipes,
`wait` and `poll` (agent/permissions/kept_sandbox.py: a command in the kept sandbox)."""


def popen(argv: list[str], cwd: Path, env: dict | None, stdin, stdout, stderr) -> subprocess.Popen:
    """The plain way: a child of this process, leading a new session and process group."""
    return subprocess.Popen(argv, cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr,
                            start_new_session=True)


def shell(command: str) -> list[str]:
    """The argv that runs a command line: `bash -c COMMAND`."""
    return [SHELL, "-c", command]


def run_command(argv: list[str], cwd: Path, env: dict | None, timeout: float, *,
                stdin: bytes | None = None, merge_stderr: bool = True, head: int = 30_000,
                tail: int = 30_000, grace: float = 1.0, live: set | None = None,
                started: Callable[[int], None] | None = None, spawn: Spawn | None = None
                ) -> Finished:
    """Run `argv` to its end or its timeout. Raises OSError when it cannot be started (a
    missing cwd; a missing program is exit code 127, as in a shell), KeyboardInterrupt
    (after stopping the group) on Ctrl-C. `started` is called with the process group id
    once the command runs. `spawn` starts it (`popen` unless the sandbox gives another)."""
    spawn = spawn or popen
    proc = spawn(argv, cwd, env, subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                 subprocess.PIPE, subprocess.STDOUT if merge_stderr else subprocess.PIPE)
    tether.hold(proc.pid)
    _running.add(proc)
    if live is not None:
        live.add(proc)
    try:
        if started is not None:
            started(proc.pid)
        return _wait(proc, timeout, stdin, merge_stderr, head, tail, grace)
    except KeyboardInterrupt:  # Ctrl-C, or a stop signal (agent/app/signals.py)
        stop(proc, grace)
        raise
    finally:
        _running.discard(proc)
        if live is not None:
            live.discard(proc)
        tether.release(proc.pid)


def _wait(proc: subprocess.Popen, timeout: float, stdin: bytes | None, merge_stderr: bool,
          head: int, tail: int, grace: float) -> Finished:
    out, err = Capture(head, tail), None if merge_stderr else Capture(head, tail)
    readers = [threading.Thread(target=out.read_all, args=(proc.stdout,), daemon=True)]
    if err is not None:
        readers.append(threading.Thread(target=err.read_all, args=(proc.stderr,), daemon=True))
    if stdin is not None:
        threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True).start()
    for reader in readers:
        reader.start()
    held_open = False
    code = _exit_code(proc, timeout)
    if code is None:
        stop(proc, grace)
    pipe_grace = grace or 0.5  # even a hook's background job gets a moment to let go
    for reader in readers:
        reader.join(pipe_grace)
        if reader.is_alive():  # the command is done, but something it started holds the pipe
            held_open = True
            stop(proc, grace)
            reader.join(pipe_grace)  # one that left the group may still hold it: stop waiting
    return Finished(code, out, err, held_open)


def _exit_code(proc: subprocess.Popen, timeout: float) -> int | None:
    """The command's exit code, or None after `timeout` seconds. On Linux a pidfd wakes this
    the moment the process exits; `Popen.wait(timeout)` polls with sleeps that double up to
    50 ms, which overslept a 15 ms command by another 15 (up to half of each command's time)."""
    if not isinstance(proc, subprocess.Popen):  # one in the kept sandbox: its wait wakes at once
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # not Linux, or a kernel older than 5.3
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
    try:
        poller = select.poll()  # not select(): it cannot watch a descriptor past 1023
        poller.register(pidfd, select.POLLIN)
        if not poller.poll(timeout * 1000):
            return None
    finally:
        os.close(pidfd)
    return proc.wait()


def _feed(stream, data: bytes) -> None:
    with contextlib.suppress(OSError), stream:  # BrokenPipeError: the command did not read it
        stream.write(data)


def stop(proc: subprocess.Popen, grace: float = 1.0, wait: bool = True) -> None:
    """Stop the process and everything it started: SIGTERM, then SIGKILL for what is left
    after `grace` seconds (0: SIGKILL at once). `wait=False` does not wait for it to go."""
    for sig in (signal.SIGTERM, signal.SIGKILL) if grace > 0 else (signal.SIGKILL,):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break  # the whole group is gone
        if sig == signal.SIGTERM:
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
    if wait:
        proc.wait()


def running() -> list[subprocess.Popen]:
    """The commands running now, oldest first by pid (bash, or the sandbox around it)."""
    return sorted(_running, key=lambda proc: proc.pid)


def stop_all(grace: float = 1.0) -> list[int]:
    """Stop every running command's group at once: SIGTERM to all, then SIGKILL for what is
    left after `grace` seconds in all. Returns the pids of the commands it stopped."""
    procs = running()
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM if grace > 0 else signal.SIGKILL)
    deadline = time.monotonic() + grace
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # what is left of the group (background jobs)
        proc.wait()
        _running.discard(proc)
    return [proc.pid for proc in procs]
