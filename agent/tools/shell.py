"""Bash: run one shell command and hand back what it printed and how it ended.

Each command runs in a fresh `bash -c` (sh when there is no bash) in the working directory,
with stdin closed and stderr merged into stdout, so the model sees the output in the order a
terminal would show it. Nothing carries over between calls: `cd` and `export` last for one
command only (chain them with `&&`).

The command gets its own process group (a new session). That is what makes a timeout or a
Ctrl-C clean: killing the group kills the command and everything it started, including
`make`'s compilers or a test runner's workers, instead of leaving orphans running. It also
means the terminal's Ctrl-C does not reach the command, so the tool forwards it by killing
the group and re-raising KeyboardInterrupt for the loop.

A background job that keeps the output pipe open (`server &`) would make "read until the end
of the output" wait forever. So the output is read by a thread, and once the command itself
has exited the tool waits only a moment for the pipe to close; if it does not, the group is
killed. A background job whose output is redirected (`server > log 2>&1 &`) keeps running.

Simplified: only the first and last max_result_chars bytes of the output are kept in memory.
Not covered: sandboxing (the command can do anything the user can: see agent.permissions.policy),
a persistent shell, streaming output to the user while the command runs, Windows.
Claude Code counterpart: the Bash tool.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from typing import BinaryIO

from agent.tools import Tool, ToolContext, cap
from agent.tools.files import int_arg

DEFAULT_TIMEOUT_MS = 120_000
MAX_TIMEOUT_MS = 600_000
GRACE_S = 1.0
"""How long a command gets after SIGTERM, and its output pipe after the command exits."""


class _Output:
    """The bytes a command writes, keeping only the first and last `keep` of them."""

    def __init__(self, keep: int):
        self.keep, self.n_bytes = keep, 0
        self.head, self.tail = bytearray(), bytearray()

    def read_all(self, stream: BinaryIO) -> None:
        with stream:
            while chunk := stream.read1(65536):
                self.n_bytes += len(chunk)
                room = self.keep - len(self.head)
                self.head += chunk[:room]
                self.tail += chunk[room:]
                del self.tail[:-self.keep]  # a runaway `yes` must not fill the memory

    def text(self, limit: int) -> str:
        if self.n_bytes == len(self.head) + len(self.tail):
            return cap(bytes(self.head + self.tail).decode("utf-8", "replace"), limit)
        n_head = limit * 2 // 3
        head = self.head.decode("utf-8", "replace")[:n_head]
        tail = self.tail.decode("utf-8", "replace")[-(limit - n_head):]
        return (f"{head}\n\n[... output cut: {self.n_bytes:,} bytes in all, only the start and "
                f"the end are shown; redirect to a file and Grep it to see more ...]\n\n{tail}")


def _kill_group(proc: subprocess.Popen) -> None:
    """Stop the command and everything it started: SIGTERM, then SIGKILL for what is left
    once the command's shell has exited (or GRACE_S has passed)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break  # the whole group is gone
        if sig == signal.SIGTERM:
            try:
                proc.wait(GRACE_S)
            except subprocess.TimeoutExpired:
                pass
    proc.wait()


def bash(args: dict, ctx: ToolContext) -> str:
    command = args["command"]
    timeout_ms = min(int_arg(args, "timeout", DEFAULT_TIMEOUT_MS), MAX_TIMEOUT_MS)
    shell = "/bin/bash" if os.path.exists("/bin/bash") else "/bin/sh"
    proc = subprocess.Popen([shell, "-c", command], cwd=ctx.cwd, env=ctx.env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    output = _Output(keep=ctx.max_result_chars)
    reader = threading.Thread(target=output.read_all, args=(proc.stdout,), daemon=True)
    reader.start()
    timed_out = held_open = False
    try:
        try:
            proc.wait(timeout_ms / 1000)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc)
        reader.join(GRACE_S)
        if reader.is_alive():  # the command is done, but something it started holds the pipe
            held_open = True
            _kill_group(proc)
            # A process that left the group (setsid) may still hold the pipe: stop waiting.
            reader.join(GRACE_S)
    except KeyboardInterrupt:
        _kill_group(proc)
        raise
    text = output.text(ctx.max_result_chars).rstrip("\n") or "(no output)"
    if timed_out:
        return (f"{text}\n[Command timed out after {timeout_ms / 1000:g} s; it and the "
                f"processes it started were killed. Pass a larger timeout (ms, up to "
                f"{MAX_TIMEOUT_MS}) or run it in the background with output to a file.]")
    if held_open:
        text += ("\n[Background processes still holding the output were killed when the "
                 "command ended; redirect their output (`cmd > log 2>&1 &`) to keep them.]")
    if proc.returncode:
        text += f"\n[exit code {proc.returncode}]"
    return text


BASH = Tool(
    name="Bash",
    description=(
        "Run a shell command with bash in the working directory and return its output "
        "(stdout and stderr together) and its exit code when not 0. Each call is a new shell: "
        "cd and variables do not carry over, so chain commands with &&. There is no input "
        "(stdin is closed): use non-interactive flags (e.g. `git --no-pager`, `-y`). Timeout "
        "in milliseconds, default 120000, max 600000; on timeout the command and its children "
        "are killed. Long output keeps its start and end. Prefer Read, Grep and Glob for "
        "looking at files; use Bash to run tests, builds, git and other programs."),
    parameters={
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The command to run."},
            "timeout": {"type": "integer",
                        "description": "Timeout in milliseconds (default 120000, max 600000)."},
            "description": {"type": "string",
                            "description": "What the command does, in 5-10 words, for the user."},
        },
        "required": ["command"],
    },
    run=bash,
    read_only=False,
)
