"""Tether: a command's whole process group dies with the harness, even when the harness is
killed with SIGKILL, which no process can catch or clean up after.

    python -I -S tether.py HARNESS_PID -- bash -c COMMAND        (Linux; see `wrap`)

The process runner (agent/tools/process.py) starts each command through this small program,
which leads the command's process group. It asks the kernel for a signal when the harness
dies (prctl PR_SET_PDEATHSIG, through ctypes), starts the command as its child and waits for
it, then exits the way the command did (its code, or its signal), so the runner sees the
command's own ending. When the harness dies, the kernel sends it SIGTERM, and it ends the
whole group as the runner would have: SIGTERM, then SIGKILL after a second. The death signal
alone would reach only the process it is set on (bash), not what bash started; that is why
there is a process in between. A SIGTERM from the runner itself (a timeout, Ctrl-C) reaches
the whole group anyway, so then it only waits for the command's end.

It runs as a file with `-I -S` (no site packages, no PYTHON* variables: about 15 ms) and
imports only the standard library. The bubblewrap sandbox has its own --die-with-parent,
which ends its PID namespace; the tether sits outside it all the same, one rule for all.
Not covered: other systems than Linux (no death signal: there, a command outlives a harness
killed with SIGKILL); a process that leaves the group (setsid, a double fork into its own
session) is not followed; the death signal follows the thread that started the command, so a
command must not outlive the thread that runs it (the runner waits for each one).
Claude Code counterpart: none that is documented.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
GRACE_S = 1.0


def wrap(argv: list[str]) -> list[str]:
    """The argv that runs `argv` tethered to this process; `argv` itself off Linux."""
    if not sys.platform.startswith("linux"):
        return argv
    return [sys.executable, "-I", "-S", os.path.abspath(__file__), str(os.getpid()), "--", *argv]


def main(harness: int, argv: list[str]) -> None:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != harness:  # the harness died before the death signal was set
        os._exit(128 + signal.SIGTERM)
    child = os.fork()
    if child == 0:
        for signum in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)  # as the command would have started
        try:
            os.execvp(argv[0], argv)
        except OSError as err:
            os.write(2, f"{argv[0]}: {err.strerror}\n".encode())
            os._exit(127)

    def on_signal(signum: int, frame: object) -> None:
        if os.getppid() == harness:
            return  # the runner signalled the group: the command got it too
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        os.killpg(0, signal.SIGTERM)  # the harness is gone: end the group, this one last
        deadline = time.monotonic() + GRACE_S
        try:
            while time.monotonic() < deadline and os.waitpid(child, os.WNOHANG) == (0, 0):
                time.sleep(0.02)
        except ChildProcessError:  # already reaped below
            pass
        os.killpg(0, signal.SIGKILL)

    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, on_signal)
    code = os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])
    if code < 0:  # killed by a signal: end the same way, so that the runner reads the same
        if -code not in (signal.SIGKILL, signal.SIGSTOP):  # the two that cannot be caught
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code if code >= 0 else 128 - code)

if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[3:])
