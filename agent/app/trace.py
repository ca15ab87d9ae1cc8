"""`agent trace`: one session as a self-contained HTML page, to read what happened in it.

    agent trace                  the latest session of this folder
    agent trace ID_OR_PREFIX     that session (a unique prefix of its id will do)
    agent trace ... -o FILE      the page goes to FILE ("-": to stdout)

    <id>.jsonl ──read_trace──► Trace: turns (a prompt, then each reply, its calls and their
                               results, the markers), requests (one per model call), subagents
               ──page (trace_page.py)──► HTML: no script, no network, opened from disk

By default the page goes to ~/.agent/sessions/<id>/trace.html, beside the session's own files
(private, 0700; not in the project, where it could be committed: it holds all the session
read), and its path is printed. Exit codes: 0 written, 1 no such session, a file that cannot
be read or written; 2 bad usage.

The transcript is read line by line as agent/session/transcript.py's `load` reads it, but
kept as a timeline, not folded into the last history: a history line (a compaction, a
resume's repair) is a marker where it happened, with the messages it brought in (the
summary); messages already shown are not shown again. Each assistant message answers one
request, whose messages are the history just before it: its tokens are estimated from them
(agent/model/tokens.py; tool schemas are not stored, so not counted). A `{"type": "call"}`
line right after an assistant message (a Meter CallRecord and a time: proposed, not written
yet, docs/11-trace.md) gives measured figures: tokens sent and cached, time to first token.
A subagent's own transcript (its `subagent` line) is read the same way, one level deep.
Simplified: the transcript does not store is_error, so a result is an error when it starts
with "Error", a refusal when it starts as every refusal does (REFUSALS); a reminder from a
hook looks like one from the harness.
Not covered: sessions of other folders; a summary request's own figures (it leaves no message).
Claude Code counterpart: none exactly; `claude --resume` and viewers of ~/.claude/projects.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from agent.compact.summary import is_compaction
from agent.model.reminders import own_words
from agent.model.tokens import TokenCounter
from agent.session.records import message_problem, read_line

REFUSALS = ("Permission denied", "Blocked by a PreToolUse hook")
"""How every refusal begins (agent/permissions/gate.py, agent/hooks/wiring.py)."""
SENT_BACK = ("A Stop hook says", "A SubagentStop hook says")
FIGURES = ("model", "prompt_tokens", "cached_tokens", "completion_tokens", "first_token_s",
           "total_s", "served_by", "cost_usd")
"""What a `call` line gives a request (agent/model/meter.py CallRecord's fields)."""


@dataclass
class Subagent:
    """A Task call's subagent: its type, its task and its own transcript, read (or None)."""

    agent_type: str
    description: str
    path: str
    trace: Trace | None = None


@dataclass
class Call:
    """A tool call and, once it came, its result."""

    id: str
    name: str
    arguments: str
    result: str | None = None
    subagent: Subagent | None = None

    @property
    def outcome(self) -> str:
        """"ok", "error", "refused", or "missing" (the session ended before the result)."""
        if self.result is None:
            return "missing"
        if self.result.startswith(REFUSALS):
            return "refused"
        return "error" if self.result.startswith("Error") else "ok"


@dataclass
class Request:
    """One model call: the history sent, estimated, and the measured figures when stored."""

    n: int
    estimate: int
    """Tokens of the messages sent (cl100k or the offline estimate; no tool schemas)."""
    measured: dict | None = None
    after_compaction: bool = False


@dataclass
class Reply:
    """An assistant message: the request it answered, its text, its tool calls."""

    request: Request
    text: str
    calls: list[Call]


@dataclass
class Marker:
    """Neither a prompt nor a reply: a compaction, a rewrite, a hook's or the harness's note."""

    kind: str
    title: str
    text: str = ""


@dataclass
class Turn:
    """A prompt and what followed it; `prompt` None: what came before the first one."""

    prompt: str | None
    items: list[Reply | Marker] = field(default_factory=list)


@dataclass
class Trace:
    """A session as read for its page."""

    session_id: str
    path: Path
    system: str = ""
    turns: list[Turn] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    subagents: list[Subagent] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    """Seconds since the epoch of the lines that carry a time (history, subagent, call)."""
    modified: float = 0.0
    n_dropped: int = 0
    n_skipped: int = 0

    def calls(self) -> list[Call]:
        return [c for t in self.turns for i in t.items if isinstance(i, Reply) for c in i.calls]

    def counts(self) -> dict[str, int]:
        outcomes = [c.outcome for c in self.calls()]
        markers = [i.kind for t in self.turns for i in t.items if isinstance(i, Marker)]
        return {"prompts": sum(t.prompt is not None for t in self.turns),
                "model calls": len(self.requests), "tool calls": len(outcomes),
                "errors": outcomes.count("error"), "refusals": outcomes.count("refused"),
                "compactions": markers.count("compaction"), "subagents": len(self.subagents)}

def read_trace(path: Path, depth: int = 0) -> Trace:
    """The transcript at `path` as a Trace; a line that cannot be used is counted, never
    raised (OSError only when the file cannot be read). Subagents are read when depth is 0."""
    reader = _Reader(Trace(path.stem, path, modified=path.stat().st_mtime), depth)
    for line in path.read_text(encoding="utf-8", errors="replace").split("\n"):
        if line.strip():
            reader.line(line)
    return reader.trace


def text_of(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, list):  # content parts: their text
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def _key(message: dict) -> str:
    return json.dumps(message, sort_keys=True, ensure_ascii=False)


def _seconds(value: object) -> float | None:
    """A line's time: seconds since the epoch, or ISO 8601 as history lines write it."""
    if isinstance(value, int | float):
        return float(value)
    try:
        return datetime.datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        return None


class _Reader:
    """The state of one reading: the history as the model saw it, the calls awaiting results."""

    def __init__(self, trace: Trace, depth: int):
        self.trace, self.depth = trace, depth
        self.history: list[dict] = []
        self.seen: set[str] = set()
        self.pending: dict[str, Call] = {}
        self.counter = TokenCounter()
        self.compacted = False

    def line(self, text: str) -> None:
        record, unread = read_line(text)
        if unread == "not JSON":
            self.trace.n_dropped += 1
            return
        kind = record.get("type") if isinstance(record, dict) else None
        if unread or not isinstance(record, dict) or ("role" in record and message_problem(record)):
            self.trace.n_skipped += 1
        elif "role" in record:
            self.message(record)
        elif kind == "history" and isinstance(record.get("messages"), list):
            self.rewrite(record)
        elif kind == "system" and not message_problem(record.get("message")):
            at_start = bool(self.history) and self.history[0]["role"] == "system"
            self.history = [record["message"], *self.history[1 if at_start else 0:]]
            self.item(Marker("system", "The system prompt was rebuilt (a resume)",
                             text_of(record["message"])))
        elif kind == "subagent":
            self.subagent(record)
        elif kind == "call" and self.trace.requests and self.trace.requests[-1].measured is None:
            self.trace.requests[-1].measured = {k: record.get(k) for k in FIGURES}
        elif kind not in ("running", "call"):
            self.trace.n_skipped += 1
        if isinstance(record, dict) and (when := _seconds(record.get("time"))) is not None:
            self.trace.times.append(when)

    def item(self, item: Reply | Marker) -> None:
        if not self.trace.turns:
            self.trace.turns.append(Turn(None))
        self.trace.turns[-1].items.append(item)

    def message(self, message: dict) -> None:
        role, text = message["role"], text_of(message)
        if role == "system" and not self.trace.system:
            self.trace.system = text
        elif role == "user" and is_compaction(message):
            self.item(Marker("compaction", "The history was replaced by a summary", text))
            self.compacted = True
        elif role == "user" and text.startswith(SENT_BACK):
            self.item(Marker("hook", "A hook sent the model back to work", text))
        elif role == "user" and not own_words(text).strip():
            self.item(Marker("note", "The harness added a reminder", text))
        elif role == "user":
            self.trace.turns.append(Turn(text))
        elif role == "assistant":
            self.reply(message, text)
        elif role == "tool":
            call = self.pending.pop(message["tool_call_id"], None)
            if call is None:
                self.item(Marker("orphan", "A tool result that answers no call", text))
            else:
                call.result = text
        self.seen.add(_key(message))
        self.history.append(message)

    def reply(self, message: dict, text: str) -> None:
        request = Request(len(self.trace.requests) + 1, self.counter.messages(self.history),
                          after_compaction=self.compacted)
        self.compacted = False
        self.trace.requests.append(request)
        calls = [Call(c["id"], c["function"]["name"], c["function"]["arguments"])
                 for c in message.get("tool_calls") or ()]
        self.pending.update((c.id, c) for c in calls)
        self.item(Reply(request, text, calls))

    def rewrite(self, record: dict) -> None:
        """A history line: a marker where it happened, with what it brought in."""
        kept = [m for m in record["messages"] if not message_problem(m)]
        if not kept:
            self.trace.n_skipped += 1
            return
        new = [m for m in kept if _key(m) not in self.seen]
        for m in new:  # a resume's repair answers a call cut off: NO_RESULT
            if m["role"] == "tool" and m["tool_call_id"] in self.pending:
                self.pending.pop(m["tool_call_id"]).result = text_of(m)
        summaries = [text_of(m) for m in new if is_compaction(m)]
        reason = str(record.get("reason") or "a rewrite")
        title = (f"History rewritten ({reason}): {len(self.history)} messages became "
                 f"{len(kept)}, {len(new)} of them new")
        kind = "compaction" if reason == "compact" or summaries else "rewrite"
        shown = summaries or [f"{m['role']}: {text_of(m)}" for m in new]
        self.item(Marker(kind, title, "\n\n".join(shown)))
        self.compacted = self.compacted or kind == "compaction"
        self.seen |= {_key(m) for m in kept}
        self.history = kept

    def subagent(self, record: dict) -> None:
        """A subagent line: to the Task call it ran for (same description, else the first
        Task call still waiting), with its own transcript read when this is the parent."""
        description, path = str(record.get("description", "")), str(record.get("transcript", ""))
        sub = Subagent(str(record.get("subagent_type", "?")), description, path)
        if self.depth == 0 and path and Path(path).is_file():
            try:
                sub.trace = read_trace(Path(path), self.depth + 1)
            except OSError:
                pass
        self.trace.subagents.append(sub)
        waiting = [c for c in self.pending.values() if c.name == "Task" and c.subagent is None]
        named = [c for c in waiting if _arguments(c.arguments).get("description") == description]
        call = (named or waiting or [None])[0]
        if call is None:
            self.item(Marker("subagent", f"A {sub.agent_type} subagent ran: {description}", path))
        else:
            call.subagent = sub


def _arguments(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def main(argv: list[str]) -> int:
    """`agent trace [SESSION_ID] [-o FILE]`."""
    from agent.app.trace_page import page
    from agent.config.paths import project_folder, session_folder
    from agent.session.resume import find_session, latest
    from agent.session.transcript import SessionError

    parser = argparse.ArgumentParser(prog="agent trace", description="a session as one HTML page")
    parser.add_argument("session", nargs="?", help="a session id or a unique prefix "
                        "(default: the latest session of this folder)")
    parser.add_argument("-o", "--output", help="where to write the page ('-': stdout; default: "
                        "~/.agent/sessions/<id>/trace.html)")
    args = parser.parse_args(argv)  # bad usage: argparse says why and exits with 2
    home, folder = Path.home(), project_folder(Path.cwd(), Path.home())
    try:
        info = find_session(folder, args.session) if args.session else latest(folder)
        html = page(read_trace(info.path))
    except SessionError as err:  # latest() words it for --continue
        print(f"agent trace: {err}".replace("to continue ", "to trace "), file=sys.stderr)
        return 1
    except OSError as err:
        print(f"agent trace: {err.filename}: cannot be read ({err.strerror})", file=sys.stderr)
        return 1
    if args.output == "-":
        sys.stdout.write(html)
        return 0
    out = Path(args.output) if args.output else session_folder(home, info.id) / "trace.html"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    except OSError as err:
        print(f"agent trace: {out}: cannot be written ({err.strerror})", file=sys.stderr)
        return 1
    print(out.resolve())
    return 0
