"""Signals: a harness told to stop ends every command it started, says so in one line, and exits.

    SIGTERM, SIGHUP     stop the run: the commands' groups ended, exit 128 + the signal
    SIGINT (Ctrl-C)     the same in print mode and the subcommands; in the REPL it only
                        interrupts the turn (agent/app/repl.py), as it always has
    a second signal     while stopping: kill what is left at once and exit

The handler notes the signal and raises `Stopped`, a KeyboardInterrupt, in the main thread.
So every place that already handles Ctrl-C does the right thing: the process runner stops the
command's group (SIGTERM, then SIGKILL after its grace: agent/tools/process.py), the hook
runner stops its hooks, and the loop answers each pending tool call with the reason, so the
transcript stays valid and resumable. Whatever swallowed the interrupt (the loop ends the
turn as "interrupted") calls `check`, which raises it again. At the top, `finish` ends any
group still registered, prints the line and returns the exit code:

    agent: stopped by SIGTERM; ended 1 running command (pid 4711)

Not covered: SIGKILL, which no process can catch (agent/tools/process.py asks the kernel to
end the command with the harness); SIGQUIT and SIGPIPE keep their defaults; Windows.
Claude Code counterpart: its exit on SIGTERM and SIGINT, which ends the Bash tool's children.
"""

from __future__ import annotations

import os
import signal
import sys

from agent.tools import process

STOPS = (signal.SIGTERM, signal.SIGHUP)
_signum: int | None = None
"""The first stop signal received."""
_ended: list[int] = []
"""The pids of the commands that were running when it came."""


class Stopped(KeyboardInterrupt):
    """The harness got a stop signal. Its text is what a pending tool call is answered with."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"Stopped by {signal.Signals(signum).name} before this finished: the "
                         "agent was shut down (a command this call ran was ended).")


def install(ctrl_c_stops: bool = True) -> None:
    """Stop on SIGTERM and SIGHUP; and on SIGINT too unless `ctrl_c_stops` is False (the REPL,
    where Ctrl-C is Python's KeyboardInterrupt: the turn is interrupted, the program goes on)."""
    for signum in STOPS:
        signal.signal(signum, _on_signal)
    signal.signal(signal.SIGINT, _on_signal if ctrl_c_stops else signal.default_int_handler)


def _on_signal(signum: int, frame: object) -> None:
    global _signum, _ended
    if _signum is not None:  # a second one while stopping: the user will not wait the grace
        process.stop_all(grace=0)
        print(exit_line(signum, _ended), file=sys.stderr, flush=True)
        os._exit(128 + signum)
    _signum, _ended = signum, [proc.pid for proc in process.running()]
    raise Stopped(signum)


def received() -> int | None:
    """The stop signal received, if one was."""
    return _signum


def check() -> None:
    """Raise `Stopped` again when a stop signal came and something handled it as a Ctrl-C."""
    if _signum is not None:
        raise Stopped(_signum)


def finish(signum: int) -> int:
    """End every command still running, say what was stopped, return the exit code."""
    ended = _ended + [pid for pid in process.stop_all() if pid not in _ended]
    print(exit_line(signum, ended), file=sys.stderr, flush=True)
    return 128 + signum


def exit_line(signum: int, ended: list[int]) -> str:
    name = signal.Signals(signum).name
    if not ended:
        return f"agent: stopped by {name}; no command was running"
    pids = ", ".join(map(str, ended))
    if len(ended) == 1:
        return f"agent: stopped by {name}; ended 1 running command (pid {pids})"
    return f"agent: stopped by {name}; ended {len(ended)} running commands (pids {pids})"
