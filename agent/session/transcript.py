"""Sessions on disk: every message appended to a JSON-lines transcript as it happens, and read
back, checked and repaired to carry on later.

    ~/.agent/projects/<project>/<session-id>.jsonl      <project>: the absolute cwd, "/" -> "-"

    Transcript          on the on_message seam (agent/loop/seams.py): what is new in the history -> lines
    load(path)          the lines -> the history; a torn last line is dropped and counted
    repair(messages)    a history the OpenAI protocol accepts: calls paired, orphans dropped

Finding a session and resuming it (--continue, --resume, /resume): agent/session/resume.py.

The format: each line is one JSON object, either
    {"role": ...}                  a message, exactly as it was sent to the model, or
    {"type": "history", "reason": "compact" | "resume", "time": ..., "messages": [...]}
                                   the history was rewritten (a compaction, a repair in the
                                   middle): these messages replace everything above, or
    {"type": "system", "message": {...}}   the system prompt of a resume: it replaces the first
                                   message (a resume appends; it never copies the history).
    {"type": "running", "tool_call_id": ..., "pgid": ..., "command": ...}
                                   a Bash command started (agent/session/running.py): read
                                   on resume when its call has no result.
    {"type": "subagent", "agent_id": ..., "transcript": ...}   a subagent ran, its messages
                                   in that file (agent/session/subagents.py)
    {"type": "call", "prompt_tokens": ..., ...}   the figures of the call that made the reply
                                   above (agent/session/call_notes.py), for `agent trace`.
Loading starts empty, appends each message and starts over at each history line. A rewrite
is one line, so it happens whole or (torn) not at all, like every other write. Lines that are
not JSON are dropped and counted; lines of no known kind or of the wrong shape (a tool_calls
that is not a list, nesting json.loads cannot read: agent/session/records.py) are skipped and
counted with their reason, never raised.

Why each message at once: a crash must lose at most the message in flight. Each write opens
the file for appending, writes the line and closes it, so the operating system has it before
the loop goes on: a killed process loses nothing already written. There is no fsync (a disk
round trip per message): a power cut may lose the last seconds.
One writer per session: the Transcript holds the session's lock (agent/session/lock.py) from
its first write or its resume on; `lock(id)` raises SessionInUse when another process holds it.
Not covered: memory files of subfolders loaded before a resume are loaded again on first touch.
Claude Code counterpart: ~/.claude/projects/<project>/<id>.jsonl, --continue, --resume, /resume.
"""

from __future__ import annotations

import json
import time
import uuid

from agent.model.types import unique_ids
from agent.session.records import ROLES, message_problem, prompt_text, read_line
from agent.session.lock import SessionLock
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

NO_RESULT = "(no result: the session ended before this call finished)"
class SessionError(ValueError):
    """No session to resume: a missing id, an empty project. The message says which."""


class SessionInUse(SessionError):
    """Another process writes this session now (it holds the lock): one writer per session."""

    def __init__(self, session_id: str, pid: int):
        self.session_id, self.pid = session_id, pid
        who = f"another agent (pid {pid})" if pid else "another agent"
        super().__init__(f"session {session_id} is in use by {who}, and one process writes a "
                         "session at a time: wait for it to end, or add --fork-session to go on "
                         "in a copy")


def new_id() -> str:
    return str(uuid.uuid4())


class Transcript:
    """On the loop's on_message seam (agent.loop.seams.OnMessage): called after each change.

    It remembers the messages it has written (the same dict objects: the codebase never changes
    a message in place, a rewrite makes new dicts). When the history still starts with them,
    only the new ones are appended; otherwise it was rewritten and one history line is written.
    A history cut back to the system prompt alone is a new conversation (/clear): a new id
    and a new file. Nothing is written while the history is only the system prompt. When a
    write fails (a full disk, a read-only home), the session goes on unrecorded: `error`
    says why, and nothing more is written (a file with a gap would resume to a wrong history).
    From its first write on, it holds the session's lock (agent/session/lock.py)."""

    def __init__(self, folder: Path, session_id: str | None = None):
        self.folder = folder
        self.session_id = session_id or new_id()
        self.written: list[dict] = []
        self.error: str | None = None
        self.held: SessionLock | None = None
        """The lock of the file this process writes, once it has written or resumed one."""

    @property
    def path(self) -> Path:
        return self.folder / f"{self.session_id}.jsonl"

    def __call__(self, messages: list[dict]) -> None:
        if len(messages) == 1 and len(self.written) > 1:  # /clear: agent.loop.turn.Agent.clear
            self.session_id, self.written = new_id(), []
        if len(messages) > 1:
            self.sync(messages)

    def sync(self, messages: list[dict], reason: str = "compact") -> None:
        """Write what the file does not hold yet."""
        n = len(self.written)
        if n <= len(messages) and all(a is b for a, b in zip(self.written, messages)):
            records = messages[n:]
        else:
            records = [history_record(messages, reason)]
        if records:
            self._write(records)
        self.written = list(messages)

    def resume(self, session_id: str, messages: list[dict], on_disk: list[dict],
               lock: SessionLock | None = None) -> None:
        """Go on in the session `session_id` with this history, which the file loads to
        `on_disk`; what differs (a new system prompt, a repair) is appended (`resume_records`).
        `lock`: that session's, from `lock`; taken here when not given (SessionInUse)."""
        self._hold(lock or self.lock(session_id))
        self.session_id = session_id
        records = resume_records(on_disk, messages)
        if records:
            self._write(records)
        self.written = list(messages)

    def fork(self, messages: list[dict]) -> None:
        """Go on with a copy of another session's history, in this transcript's own new file
        (`--fork-session`): the history is written at once, one line per message."""
        self.written = []
        self.sync(messages)

    def lock(self, session_id: str) -> SessionLock:
        """The lock of `session_id`'s file, taken for this process (the one it holds, when it
        is that session's). Raises SessionInUse when another process holds it. In a folder
        that cannot be written (a read-only or full home) the lock is not held: nothing will be
        written there either, and the write says why."""
        if self.held and self.held.held and self.held.path.stem == session_id:
            return self.held
        lock = SessionLock(self.folder / f"{session_id}.lock")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            holder = lock.acquire()
        except OSError:
            return lock
        if holder is not None:
            raise SessionInUse(session_id, holder)
        return lock

    def let_go(self, lock: SessionLock) -> None:
        """A lock from `lock` that will not be used after all (the file could not be read)."""
        if lock is not self.held:
            lock.release()

    def close(self) -> None:
        """Let go of the session's lock: another process may resume it (exiting does this)."""
        if self.held:
            self.held.release()

    def _hold(self, lock: SessionLock) -> None:
        if lock is not self.held:
            if self.held:
                self.held.release()
            self.held = lock

    def append(self, record: dict) -> None:
        """One line that is not a message (agent/session/running.py)."""
        self._write([record])

    def hook_path(self, messages: list[dict]) -> str:
        """The hooks' `transcript_path`: the file, made to exist first (a SessionStart hook
        may open it before the first prompt)."""
        if not self.path.exists():
            self.sync(messages)
        return str(self.path)

    def _write(self, records: list[dict]) -> None:
        if self.error:
            return
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._hold(self.lock(self.session_id))  # one writer per session
            with self.path.open("a+b") as f:
                size = f.seek(0, 2)
                if size:
                    f.seek(size - 1)
                    if f.read(1) != b"\n":  # subtle: a torn last line from a crash stays apart
                        text = "\n" + text
                f.write(text.encode("utf-8", "surrogatepass"))
        except (OSError, SessionInUse) as err:
            self.error = f"the transcript {self.path} could not be written ({err})"


def history_record(messages: list[dict], reason: str) -> dict:
    return {"type": "history", "reason": reason,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "messages": list(messages)}


def resume_records(on_disk: list[dict], messages: list[dict]) -> list[dict]:
    """What to append so that a file that loads to `on_disk` loads to `messages`: a system
    line when only the system prompt changed (it is rebuilt at each resume), then the messages
    a repair added at the end (a result for the call cut off); a whole history line only when
    a repair changed the middle (once: the file is whole after it)."""
    has_system = bool(on_disk) and on_disk[0].get("role") == "system"
    body = on_disk[1:] if has_system else on_disk
    if messages[1:len(body) + 1] != body:
        return [history_record(messages, "resume")]
    same = has_system and on_disk[0] == messages[0]
    return ([] if same else [{"type": "system", "message": messages[0]}]) + messages[1 + len(body):]


@dataclass(frozen=True)
class Loaded:
    """A transcript read back."""

    messages: list[dict]
    """The history as it stood at the last line (not yet checked: see `repair`)."""
    first_prompt: str
    """The first thing the user asked, even when a compaction since summarized it away."""
    n_dropped: int = 0
    """Lines that were not JSON: a torn last line after a crash."""
    n_skipped: int = 0
    """Lines of no known kind or of the wrong shape (agent/session/records.py), and messages
    of the wrong shape inside a history line: a newer version's records, a hand edit, damage."""
    why: tuple[str, ...] = ()
    """Why they were skipped, each reason once with its count: "not JSON (x2)"."""

    @property
    def damage(self) -> str:
        """What could not be used, for the one line the user sees ("" when nothing)."""
        parts = []
        if self.n_dropped:
            parts.append(f"{self.n_dropped} unreadable line(s) dropped (a write cut off)")
        if self.n_skipped:
            parts.append(f"{self.n_skipped} skipped as damaged: " + ", ".join(self.why))
        return "; ".join(parts)


def load(path: Path) -> Loaded:
    """The transcript at `path`, read line by line: a line that cannot be used is counted with
    its reason and skipped, never raised (OSError only when the file cannot be read)."""
    messages: list[dict] = []
    first, dropped, why = "", 0, Counter()
    # subtle: "\n" only; splitlines() would also cut at U+2028 and \x1c, which a message holds raw
    for line in path.read_text(encoding="utf-8", errors="replace").split("\n"):
        if not line.strip():
            continue
        record, unread = read_line(line)
        if unread == "not JSON":
            dropped += 1
        elif unread:
            why[unread] += 1
        elif isinstance(record, dict) and "role" in record:
            problem = message_problem(record)
            if problem:
                why[problem] += 1
            else:
                messages.append(record)
        elif (isinstance(record, dict) and record.get("type") == "history"
              and isinstance(record.get("messages"), list)):
            kept = [m for m in record["messages"] if not message_problem(m)]
            for problem in filter(None, map(message_problem, record["messages"])):
                why[f"in a history line, {problem}"] += 1
            if kept:
                messages = kept
            else:  # it would replace the history with nothing: the line is what is damaged
                why["a history line with no usable message"] += 1
        elif (isinstance(record, dict) and record.get("type") == "system"
              and not message_problem(record.get("message"))
              and record["message"]["role"] == "system"):
            at_start = bool(messages) and messages[0]["role"] == "system"
            messages = [record["message"], *messages[1 if at_start else 0:]]
        elif isinstance(record, dict) and record.get("type") in ("running", "subagent", "call"):
            continue  # read on resume by running.py; a subagent's transcript; a call's figures
        else:
            why["a line of no known kind"] += 1
        if not first:
            first = next((prompt_text(m) for m in messages if m["role"] == "user"), "")
    reasons = tuple(f"{text} (x{n})" if n > 1 else text for text, n in why.items())
    return Loaded(messages, first, dropped, sum(why.values()), reasons)


@dataclass(frozen=True)
class Repaired:
    """A history made valid, and what was done to it (empty when nothing was needed)."""

    messages: list[dict]
    notes: tuple[str, ...]


def repair(messages: list[dict], system: dict | None = None) -> Repaired:
    """The history made valid for the OpenAI protocol: a system message first (`system`, the
    current prompt, replaces a stored one); each assistant tool call answered by exactly one
    tool message with its id, in the order of the calls, right after the assistant message; a
    call whose result never came gets NO_RESULT; a tool message that answers no call, a
    second answer to one call and a message of no known role are dropped. Calls of one reply
    that share an id (stored before replies were made unique) take their results in turn and
    get ids of their own."""
    problems: Counter[str] = Counter()
    body = list(messages)
    stored = body.pop(0) if body and body[0].get("role") == "system" else None
    if stored is None:
        problems["no system message at the start: one was put there"] += 1
    out, i = [system or stored or {"role": "system", "content": ""}], 0
    while i < len(body):
        message, i = body[i], i + 1
        role = message.get("role")
        if role not in ROLES:
            problems["a message of no known role was dropped"] += 1
            continue
        if role == "tool":
            problems["a tool result that answers no call was dropped"] += 1
            continue
        calls = message.get("tool_calls") or [] if role == "assistant" else []
        results: list[dict] = []
        while calls and i < len(body) and body[i].get("role") == "tool":
            results.append(body[i])
            i += 1
        ids = unique_ids([c.get("id") for c in calls])
        if ids != [c.get("id") for c in calls]:  # written before replies were made unique
            problems["calls that shared an id were given ids of their own"] += 1
            message = {**message, "tool_calls": [{**c, "id": new} for c, new in zip(calls, ids)]}
        out.append(message)
        answers: dict[str, list[tuple[int, dict]]] = {}  # a shared id: its results in turn
        for n, result in enumerate(results):
            answers.setdefault(result.get("tool_call_id"), []).append((n, result))
        order = []
        for call, new in zip(calls, ids):
            waiting = answers.get(call.get("id"))
            n, answer = waiting.pop(0) if waiting else (None, None)
            if answer is None:
                problems["a call cut off got a result saying so"] += 1
                answer = {"role": "tool", "tool_call_id": new, "content": NO_RESULT}
            else:
                order.append(n)
                answer = {**answer, "tool_call_id": new}
                if not isinstance(answer.get("content"), str):
                    answer = {**answer, "content": json.dumps(answer.get("content"))}
            out.append(answer)
        if order != sorted(order):
            problems["results put back in the order of their calls"] += 1
        call_ids = {c.get("id") for c in calls}
        for key, waiting in answers.items():
            problems["a second result for one call was dropped" if key in call_ids
                     else "a tool result that answers no call was dropped"] += len(waiting)
    notes = tuple(f"{text} (x{n})" if n > 1 else text for text, n in problems.items() if n)
    return Repaired(out, notes)

