"""Bash: run one shell command and hand back what it printed and how it ended.

Each command runs in a fresh `bash -c` (sh when there is no bash) in the working directory,
with stdin closed and stderr merged into stdout, so the model sees the output in the order a
terminal would show it. Nothing carries over between calls: `cd` and `export` last for one
command only (chain them with `&&`).

The command runs in a process group of its own (agent/tools/process.py, shared with command
hooks). That is what makes a timeout or a Ctrl-C clean: killing the group kills the command
and everything it started, including `make`'s compilers or a test runner's workers, instead
of leaving orphans running. The terminal's Ctrl-C does not reach the command, so the runner
forwards it by killing the group and re-raising KeyboardInterrupt for the loop.

A background job that keeps the output pipe open (`server &`) would make "read until the end
of the output" wait forever. Once the command itself has exited the runner waits only a
moment for the pipe to close; if it does not, the group is killed. A background job whose
output is redirected (`server > log 2>&1 &`) keeps running.

The process group is told to `ctx.command_started` before the command runs: the transcript
records it, so that a resume after a crash can say whether the command is still running.

Simplified: only the first and last max_result_chars bytes of the output are kept in memory.
The session runs the command in its OS sandbox (`ctx.confine` gives the way to start it,
agent/permissions/sandbox.py);
a command that hits the sandbox's walls gets a note saying so after its own error.
Not covered: a persistent shell, streaming output to the user while the command runs, Windows.
Claude Code counterpart: the Bash tool.
"""

from __future__ import annotations

from contextlib import nullcontext

from agent.tools import Tool, ToolContext
from agent.tools.files import int_arg
from agent.tools.process import popen, run_command, shell

DEFAULT_TIMEOUT_MS = 120_000
MAX_TIMEOUT_MS = 600_000
GRACE_S = 1.0
"""How long a command gets after SIGTERM, and its output pipe after the command exits."""


def bash(args: dict, ctx: ToolContext) -> str:
    command = args["command"]
    timeout_ms = min(int_arg(args, "timeout", DEFAULT_TIMEOUT_MS), MAX_TIMEOUT_MS)
    with ctx.confine(command) if ctx.confine else nullcontext(popen) as spawn:
        done = run_command(shell(command), ctx.cwd, ctx.env, timeout_ms / 1000, grace=GRACE_S,
                           head=ctx.max_result_chars, tail=ctx.max_result_chars,
                           started=_teller(ctx, command), spawn=spawn)
    text = done.out.text(ctx.max_result_chars).rstrip("\n") or "(no output)"
    if spawn is not popen and done.code:
        text += _sandbox_note(text)
    if done.timed_out:
        return (f"{text}\n[Command timed out after {timeout_ms / 1000:g} s; it and the "
                f"processes it started were killed. Pass a larger timeout (ms, up to "
                f"{MAX_TIMEOUT_MS}) or run it in the background with output to a file.]")
    if done.held_open:
        text += ("\n[Background processes still holding the output were killed when the "
                 "command ended; redirect their output (`cmd > log 2>&1 &`) to keep them.]")
    if done.code:
        text += f"\n[exit code {done.code}]"
    return text


def _teller(ctx: ToolContext, command: str):
    """What tells `ctx.command_started` the command's process group (None: nobody listens)."""
    if ctx.command_started is None:
        return None
    return lambda pgid: ctx.command_started(pgid, command)


WALLS = {("Read-only file system", "Permission denied"): "The sandbox lets commands write only "
         "in the workspace (not .git/config, .git/hooks, .agent, .claude or .env) and $TMPDIR "
         "(not /tmp): write there instead, or ask the user to run it.",
         ("Network is unreachable", "Could not resolve host", "Temporary failure in name"):
         "The sandbox has no network: this command cannot reach other machines."}


def _sandbox_note(output: str) -> str:
    """What to tell the model when a sandboxed command hit a wall."""
    return "".join(f"\n[{note}]" for signs, note in WALLS.items() if any(s in output for s in signs))


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
