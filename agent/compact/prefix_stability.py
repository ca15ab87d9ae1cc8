"""Prefix stability: how much of each request repeats the one before, and why it broke.

A server keeps the prompt it last processed in its KV cache (llama.cpp's `cache_prompt`,
vLLM's prefix caching, OpenAI's prompt caching) and skips the part of the next prompt that
starts the same way: turn 2 starts answering in a fraction of the time turn 1 took. That
only works while the history is append-only:

    request 1   [system][tools][u1][a1][t1]
    request 2   [system][tools][u1][a1][t1][a2][t2]       whole previous request reused
    request 3   [system'][tools][u1] ...                  broke at 0: system prompt changed

`common_prefix` compares two consecutive requests message by message (canonical JSON), and
with their tool schemas, which a chat template renders before the messages: a reordered or
changed tool list breaks the prefix at the very start. Each break gets a cause:

    compaction              the compaction ladder rewrote the history on purpose
    system prompt changed   the first message differs (a date or git status kept there)
    tools reordered         the same tools in another order
    tools changed           a tool added, removed or described differently
    message N changed       an earlier message was edited (a bug, or a strategy of yours)

Per request it costs what the request added, not what it carries: the counts are the
counter's running totals (agent/model/tokens.py), and when every message of the previous
request is the same dict in the new one (a pointer check each: the history is append-only),
the whole previous request is the shared prefix without comparing any JSON. Only a request
that broke the prefix is compared message by message.

`summary` gives the session's figure: the share of the previous request's tokens that the
next one reused, over consecutive requests outside compaction turns (target: 97% or more),
and every break with its cause.
Simplified: tokens are counted over messages (not tool schemas), with our counter.
Claude Code counterpart: none shown to users; its prompt caching relies on the same rule.
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass

from agent.model.tokens import TokenCounter

TARGET = 0.97  # the share of the previous prompt a request should reuse


@dataclass(frozen=True)
class PrefixCheck:
    """How much of the previous request the next one repeated, byte for byte."""

    shared_messages: int
    previous_messages: int
    shared_tokens: int
    previous_tokens: int
    broke_at: int | None
    """The index of the first message that differs (0 when the tools differ); None when the
    whole previous request is a prefix of this one (the server's cache can serve all of it)."""
    tokens: int = 0
    """This request's message tokens (the share it repeats is shared_tokens / tokens)."""
    cause: str = ""
    """Why it broke (see the module docstring); "" when it did not."""


def common_prefix(previous: list[dict], current: list[dict], counter: TokenCounter,
                  previous_tools: list[dict] | None = None, tools: list[dict] | None = None,
                  compacted: bool = False) -> PrefixCheck:
    """Compare two consecutive requests; `compacted`: the ladder rewrote the history between
    them. Tools are compared only when both lists are given."""
    whole_tokens = counter.total(previous)
    tokens = counter.total(current)
    tools_cause = _tools_cause(previous_tools, tools)
    if tools_cause:
        return PrefixCheck(0, len(previous), 0, whole_tokens, 0, tokens,
                           "compaction" if compacted else tools_cause)
    if len(previous) <= len(current) and all(map(operator.is_, previous, current)):
        shared = len(previous)  # appended to: the same dicts, so the same bytes
    else:
        shared = 0
        for old, new in zip(previous, current):
            if counter.key(old) != counter.key(new):
                break
            shared += 1
    whole = shared == len(previous)
    cause = ("" if whole else "compaction" if compacted
             else "system prompt changed" if shared == 0 else f"message {shared} changed")
    shared_tokens = whole_tokens if whole else counter.total(previous[:shared])
    return PrefixCheck(shared, len(previous), shared_tokens, whole_tokens,
                       None if whole else shared, tokens, cause)


def _tools_cause(before: list[dict] | None, now: list[dict] | None) -> str:
    if before is None or now is None or before == now:
        return ""
    key = lambda tool: json.dumps(tool, sort_keys=True)  # noqa: E731
    return "tools reordered" if sorted(map(key, before)) == sorted(map(key, now)) else "tools changed"


def summary(checks: list[PrefixCheck]) -> dict:
    """The session's prefix report: reuse outside compaction turns, and every break."""
    counted = [c for c in checks if c.cause != "compaction"]
    previous = sum(c.previous_tokens for c in counted)
    reuse = sum(c.shared_tokens for c in counted) / previous if previous else None
    return {"requests": len(checks) + 1 if checks else 0,
            "reuse": None if reuse is None else round(reuse, 4), "target": TARGET,
            "breaks": [{"request": i + 2, "at": c.broke_at, "cause": c.cause}
                       for i, c in enumerate(checks) if c.broke_at is not None]}


def summary_text(report: dict) -> str:
    """For /cost and /context: one line, and one per break (at most five)."""
    if report["reuse"] is None:
        return "Prefix reuse: nothing to compare yet (one request or none)."
    ok = "meets" if report["reuse"] >= report["target"] else "below"
    lines = [f"Prefix reuse: {report['reuse']:.1%} of each previous prompt, over "
             f"{report['requests']} requests outside compaction ({ok} the "
             f"{report['target']:.0%} target); {len(report['breaks'])} break(s)"]
    lines += [f"  request {b['request']}: broke at message {b['at']}: {b['cause']}"
              for b in report["breaks"][:5]]
    return "\n".join(lines)
