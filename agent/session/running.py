"""Commands on record: after a crash, a resume says whether a command the model ran still runs.

    note_running(transcript, pgid, command)     Bash tells it each command's process group
                                                 before the command runs: one line on disk
        {"type": "running", "tool_call_id": ..., "pgid": 4711, "command": "make", "time": ...}
    running_calls(path)                          those lines: {call id: the last one}
    explain_cut_calls(messages, records)         on resume: each call left without a result
                                                 whose command is on record is answered with
                                                 what became of it

A call cut off by a crash (kill -9, a power cut) has no result, and the repair gives it one
that says so (agent/session/transcript.py: NO_RESULT). When the call was a Bash command, the
model needs more than "may not have run": whether the command is still running (it must not
start it a second time) or is gone (it may have done part of its work). So the process group
is written down as the command starts, and the resume asks the kernel (`os.killpg(pgid, 0)`).
A command ends with the harness (agent/tools/tether.py), so "still running" is rare: a
command started by another program, or one that left its group. A call whose result was written needs no note: the
record is ignored.
Not covered: a process group id reused by another program after a reboot or a long time (it
reads as still running); commands of hooks and `!` lines, which answer no tool call.
Claude Code counterpart: none that is documented.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from agent.session.records import read_line

KIND = "running"


def pending_call(messages: list[dict]) -> str | None:
    """The id of the first call of the last assistant message that has no result yet."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "assistant":
            answered = {m.get("tool_call_id") for m in messages[i + 1:] if m.get("role") == "tool"}
            calls = messages[i].get("tool_calls") or []
            return next((c.get("id") for c in calls if c.get("id") not in answered), None)
    return None


def note_running(transcript, pgid: int, command: str) -> None:
    """Write that the pending call's command runs as process group `pgid` (nothing when no
    call is pending: a `!` line of a custom command)."""
    call_id = pending_call(transcript.written)
    if call_id is not None:
        transcript.append({"type": KIND, "tool_call_id": call_id, "pgid": pgid,
                           "command": command, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")})


def running_calls(path: Path) -> dict[str, dict]:
    """The running records of a transcript by call id, the last one for each (ids may repeat
    over a long session; the pending call's record is the latest)."""
    records = {}
    for line in path.read_text(encoding="utf-8", errors="replace").split("\n"):
        if f'"{KIND}"' not in line:
            continue
        record, _ = read_line(line)  # a damaged line is loaded's to report, not ours
        if isinstance(record, dict) and record.get("type") == KIND \
                and isinstance(record.get("pgid"), int) and record["pgid"] > 0:
            records[str(record.get("tool_call_id"))] = record
    return records


def still_running(pgid: int) -> bool:
    """A process of ours in the group `pgid` is alive. On Linux /proc is read, because a group
    whose processes have all ended but wait to be reaped (zombies) still answers killpg."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):  # another user's: the id was reused
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            state, _, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
            if int(group) == pgid and state not in ("Z", "X") and stat.stat().st_uid == os.getuid():
                return True
        except (OSError, ValueError):
            continue  # it ended while we looked
    return False


def explain_cut_calls(messages: list[dict], records: dict[str, dict],
                      cut: str) -> tuple[list[dict], list[str]]:
    """The history with each result `cut` (the repair's NO_RESULT) whose command is on record
    replaced by what became of the command; and one note per such command, for the user."""
    out, notes = [], []
    for message in messages:
        record = records.get(str(message.get("tool_call_id")))
        if message.get("role") != "tool" or message.get("content") != cut or record is None:
            out.append(message)
            continue
        command, pgid = shorten(str(record.get("command", ""))), record["pgid"]
        if still_running(pgid):
            notes.append(f"the command `{command}` (process group {pgid}) is still running")
            text = (f"(no result: the session ended while this ran, and its output is lost. The "
                    f"command `{command}` is still running, as process group {pgid}: do not "
                    f"start it again; wait for its effects, or stop it with `kill -TERM -{pgid}`.)")
        else:
            notes.append(f"the command `{command}` (process group {pgid}) was stopped")
            text = (f"(no result: the session ended while this ran, and the command "
                    f"`{command}` was stopped with it; it may have done part of its work. "
                    "Check its effects before running it again.)")
        out.append({**message, "content": text})
    return out, notes


def shorten(command: str, limit: int = 120) -> str:
    command = " ".join(command.split())
    return command if len(command) <= limit else command[:limit - 3] + "..."
