"""Print mode's output in Claude Code's shapes, so a script written for `claude -p` reads ours.

    init_line(session, permission_mode)  {"type": "system", "subtype": "init", ...}: stream-json's first line
    StreamJson(session, write, partial)  the events as Claude Code's message lines:
                                           assistant  {"message": {"content": [text, thinking, tool_use]}}
                                           user       {"message": {"content": [tool_result]}}
                                           stream_event  token deltas (--include-partial-messages only)
                                           system     what Claude Code has no line for (retry,
                                                      compacted, hook_output, ...), subtype = our name
    Denials(authorize)                   the loop's `authorize`, noting every refused call
    result_document(end, session, ...)   {"type": "result", ...}: the json output, stream-json's last line
    denial_lines(denials)                text mode: each refusal whole, on stderr

The mapping from the OpenAI protocol's counts to Claude Code's `usage`: OpenAI's
`prompt_tokens` includes the cached ones, Anthropic's `input_tokens` does not, so
`input_tokens` = prompt - cached and `cache_read_input_tokens` = cached. No OpenAI-compatible
server reports cache writes: `cache_creation_input_tokens` is 0. Our own figures stay under
their own keys (`cost`, `context`, `tool_calls`, `stop_reason`).
Claude Code counterpart: `--output-format json` / `stream-json`, `--include-partial-messages`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from agent.events import (AssistantMessage, ReasoningDelta, TextDelta, ToolEnd, TurnEnd,
                          Waiting)
from agent.model.types import BadArguments, Usage, parse_arguments

SUBTYPES = {"end_turn": "success", "max_turns": "error_max_turns"}
"""A turn's stop reason as Claude Code's result subtype; any other is error_during_execution."""


def claude_usage(usage: Usage) -> dict:
    """Claude Code's four token fields from the OpenAI protocol's three (see the map above)."""
    return {"input_tokens": max(usage.prompt_tokens - usage.cached_tokens, 0),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": usage.cached_tokens,
            "output_tokens": usage.completion_tokens}


def tool_input(arguments: str) -> dict:
    """A call's arguments as an object, as Claude Code shows `input`; text that is not a JSON
    object is kept whole under "raw"."""
    try:
        return parse_arguments(arguments)
    except BadArguments:
        return {"raw": arguments}


@dataclass(frozen=True)
class Denial:
    """One refused call, as `permission_denials` lists it, and why (for text mode)."""

    tool_name: str
    tool_use_id: str
    tool_input: dict
    refusal: str


class Denials:
    """Wraps the loop's `authorize` (agent/loop/seams.py) and keeps each call it refused."""

    def __init__(self, authorize: Callable):
        self.authorize, self.refused = authorize, []

    def __call__(self, tool, args: dict, call):
        verdict = self.authorize(tool, args, call)
        if not verdict.allowed:
            self.refused.append(Denial(tool.name, call.id, dict(args), verdict.refusal))
        return verdict

    def __getattr__(self, name: str):  # `agent.authorize.policy` and the like still answer
        return getattr(self.authorize, name)


def denial_lines(refused: list[Denial]) -> list[str]:
    """What text mode says on stderr after the answer: how many calls were refused and each
    refusal whole, with the flag or rule that would allow it (never cut)."""
    if not refused:
        return []
    n = len(refused)
    head = (f"agent: {n} tool call{'s were' if n > 1 else ' was'} refused, so the answer may "
            "describe work that was not done:")
    return [head, *(f"  {d.refusal}" for d in refused)]


def init_line(session, permission_mode: str) -> dict:
    """stream-json's first line: who answers, where, with which tools."""
    from agent.app.slash import COMMANDS

    return {"type": "system", "subtype": "init", "cwd": str(session.config.cwd),
            "session_id": session.id, "tools": list(session.tools),
            "mcp_servers": session.mcp.status() if session.mcp is not None else [],
            "model": session.config.model, "permissionMode": permission_mode,
            "slash_commands": [name.lstrip("/") for name in {**COMMANDS, **session.commands}],
            "apiKeySource": session.config.sources.get("api_key", "none"),
            "uuid": str(uuid.uuid4())}


class StreamJson:
    """The `emit` of stream-json: each event as the line Claude Code would print for it.
    `partial`: token deltas as `stream_event` lines (--include-partial-messages)."""

    def __init__(self, session_id: Callable[[], str], model: str, write: Callable[[dict], None],
                 partial: bool = False):
        self.session_id, self.model, self.write, self.partial = session_id, model, write, partial
        self.thinking: list[str] = []
        self.block: str | None = None  # the content block being streamed: "text", "thinking"
        self.index = 0
        self.message_id = ""  # one id for a reply's stream events and its assistant line

    def __call__(self, event: object) -> None:
        if isinstance(event, (TextDelta, ReasoningDelta)):
            self._delta(event)
        elif isinstance(event, AssistantMessage):
            self._assistant(event)
        elif isinstance(event, ToolEnd):
            self._line({"type": "user", "message": {"role": "user", "content": [{
                "type": "tool_result", "tool_use_id": event.call.id,
                "content": event.message.get("content", ""), "is_error": event.is_error}]}})
        elif not isinstance(event, (TurnEnd, Waiting)):  # the result line closes a turn
            from agent.app.render import to_json

            fields = to_json(event)
            kind = fields.pop("type")
            if kind not in ("tool_start",):  # the assistant line carried the call already
                self.write({"type": "system", "subtype": kind, **fields,
                            "session_id": self.session_id(), "uuid": str(uuid.uuid4())})

    def _line(self, line: dict) -> None:
        self.write({**line, "parent_tool_use_id": None, "session_id": self.session_id(),
                    "uuid": str(uuid.uuid4())})

    def _delta(self, event: TextDelta | ReasoningDelta) -> None:
        if isinstance(event, ReasoningDelta):
            self.thinking.append(event.text)
        if not self.partial:
            return
        kind = "thinking" if isinstance(event, ReasoningDelta) else "text"
        if self.block is None and self.index == 0:
            self._event({"type": "message_start", "message": self._message([], None)})
        if self.block != kind:
            if self.block is not None:
                self._event({"type": "content_block_stop", "index": self.index})
                self.index += 1
            self.block = kind
            self._event({"type": "content_block_start", "index": self.index,
                         "content_block": {"type": kind, kind: ""}})
        delta = ({"type": "thinking_delta", "thinking": event.text} if kind == "thinking"
                 else {"type": "text_delta", "text": event.text})
        self._event({"type": "content_block_delta", "index": self.index, "delta": delta})

    def _event(self, event: dict) -> None:
        self._line({"type": "stream_event", "event": event})

    def _message(self, content: list, usage: Usage | None) -> dict:
        self.message_id = self.message_id or f"msg_{uuid.uuid4().hex[:24]}"
        return {"id": self.message_id, "type": "message", "role": "assistant",
                "model": self.model, "content": content, "stop_reason": None,
                "stop_sequence": None, "usage": claude_usage(usage or Usage())}

    def _assistant(self, event: AssistantMessage) -> None:
        message = event.message
        content = [{"type": "thinking", "thinking": "".join(self.thinking)}] if self.thinking else []
        if message.get("content"):
            content.append({"type": "text", "text": message["content"]})
        content += [{"type": "tool_use", "id": c["id"], "name": c["function"]["name"],
                     "input": tool_input(c["function"]["arguments"])}
                    for c in message.get("tool_calls", ())]
        if self.partial and self.block is not None:
            self._event({"type": "content_block_stop", "index": self.index})
            self._event({"type": "message_stop"})
        self._line({"type": "assistant", "message": self._message(content, event.usage)})
        self.thinking, self.block, self.index, self.message_id = [], None, 0, ""


def result_document(end: TurnEnd, session, seconds: float, refused: list[Denial],
                    calls: list) -> dict:
    """The `--output-format json` document, and stream-json's last line: Claude Code's
    fields first, then ours (`stop_reason`, `tool_calls`, `context`, `cost`). `seconds`,
    `refused` and `calls` (the Meter's records) are this turn's."""
    ok = end.stop_reason == "end_turn"
    cost = session.cost_report()
    document = {
        "type": "result", "subtype": SUBTYPES.get(end.stop_reason, "error_during_execution"),
        "is_error": not ok, "duration_ms": round(seconds * 1000),
        "duration_api_ms": round(sum(r.total_s for r in calls) * 1000),
        "num_turns": end.n_turns, "result": end.text, "session_id": session.id,
        "total_cost_usd": cost.get("cost_usd"), "usage": claude_usage(end.usage),
        "permission_denials": [{"tool_name": d.tool_name, "tool_use_id": d.tool_use_id,
                                "tool_input": d.tool_input} for d in refused],
        "uuid": str(uuid.uuid4()), "stop_reason": end.stop_reason}
    if not ok:
        document["errors"] = [stop_line(end, session.config.max_turns)]
    stats = getattr(session.meter, "stats", None)
    if stats is not None:
        document["tool_calls"] = stats
    document["context"] = session.context_report()
    document["cost"] = cost
    if session.subagents is not None and session.subagents.runs:  # counted in usage and cost too
        document["subagents"] = session.subagents.report()
    if session.skills is not None and session.skills.loaded:  # their tokens: in usage
        document["skills"] = {"loaded": list(session.skills.loaded)}
    return document


def stop_line(end: TurnEnd, max_turns: int) -> str:
    """Why a turn did not end normally, in one line that says what to do about it."""
    if end.stop_reason == "max_turns":
        return (f"max_turns: the turn stopped after {end.n_turns} model calls, the limit "
                f"--max-turns sets ({max_turns}); raise it with --max-turns N, or go on "
                "with --continue")
    if end.stop_reason == "max_tokens":
        return "max_tokens: the answer was cut off at the server's output limit"
    return f"{end.stop_reason}: {end.text or 'no answer'}"


def dumps(line: dict) -> str:
    return json.dumps(line, ensure_ascii=False)


