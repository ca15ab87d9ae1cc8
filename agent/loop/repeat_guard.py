"""Guards: checks that see each tool call with its result, and may end the turn.

The loop runs its `after_tool` functions after every tool (agent/loop/seams.py): each returns the result, maybe
with a note added, or raises `StopTurn(reason, message)`. This module holds the doom-loop
guard. Small models often make the same call with the same arguments again and again,
dozens of times, each time getting the same result and learning nothing:

    Read(a.py)  -> the file
    Read(a.py)  -> the file + "You already made this exact call; ..."      (a reminder)
    Read(a.py)  -> the file + the diagnostic; the turn stops: "repeated_call"

The same call is the same tool name and the same arguments, compared as canonical JSON (keys
sorted, so `{"a": 1, "b": 2}` and `{"b":2,"a":1}` are one call; arguments that are not JSON
are compared as text). And it must have given the same result: run the tests, edit, run the
tests again is how a coding agent works, not a doom loop; when the result changes, the
world changed, and the call is not counted as a repeat.

Counted per user prompt, from the history itself: the guard reads the messages since the last
user message (each call paired with its result), so a new prompt starts from zero, `/clear`
forgets, and there is no counter to reset or to get out of step. It reads each message once:
what it has read is kept (`TurnReader`), and each call reads only the messages appended since.
When the turn it read is no longer the start of the history (a compaction, a rewind, /clear;
checked by pointer, the messages are never changed in place), it reads the turn again.
Claude Code counterpart: none built in; hooks (PostToolUse) can do this.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable

from agent.model.types import BadArguments, ToolCall, parse_arguments
from agent.loop.seams import StopTurn

REPEATED_CALL = "repeated_call"  # the stop reason
REMINDER = ("You already made this exact call; its result is the same as before. Do not "
            "repeat it: use the result, try something different, or give your answer.")


class RepeatGuard:
    """Reminds the model on the second identical call with the same result; at `max_repeats`
    (0: never) it stops the turn. `history` returns the agent's messages."""

    def __init__(self, history: Callable[[], list[dict]], max_repeats: int = 3) -> None:
        if max_repeats == 1:
            raise ValueError("max_repeats must be 0 (never stop) or at least 2")
        self.history = history
        self.max_repeats = max_repeats
        self.turn = TurnReader()

    def __call__(self, call: ToolCall, result: str, is_error: bool = False) -> str:
        n = 1 + self.n_earlier(call, result)
        if self.max_repeats and n >= self.max_repeats:
            raise StopTurn(REPEATED_CALL, (
                f"Stopped: the model made the call {describe(call)} {n} times in this turn, "
                "with the same result each time. Rephrase the request, try a larger model, "
                "or allow more repeats with --max-repeats."))
        if n >= 2:
            return f"{result}\n\n{REMINDER}"
        return result

    def n_earlier(self, call: ToolCall, result: str) -> int:
        """How many calls since the last user message were this call and got this result."""
        results = self.turn.read(self.history()).get(call_key(call.name, call.arguments), ())
        return sum(1 for content in results if _same_result(content, result))


class TurnReader:
    """The answered calls since the last user message, read as the history grows: for each
    call (its `call_key`), the contents of its results, in order. The same answer as
    `_answered_calls` on the whole history, reading only what was appended since last time."""

    def __init__(self) -> None:
        self._start(0)

    def _start(self, base: int) -> None:
        self.base = base  # where the turn starts: just after its user message (or 0)
        self.messages: list[dict] = []  # the turn's messages read so far, from `base` on
        self.results: dict[tuple[str, str], list[str]] = {}
        self._open: list[tuple[int, list[dict]]] = []  # replies whose results may still come

    def read(self, history: list[dict]) -> dict[tuple[str, str], list[str]]:
        seen = self.messages
        same = (len(history) >= self.base + len(seen)
                and (self.base == 0 or history[self.base - 1]["role"] == "user")
                and all(map(operator.is_, seen, history[self.base:self.base + len(seen)])))
        if not same:  # rewritten: read the turn again from its start
            self._start(max((i for i, m in enumerate(history) if m["role"] == "user"),
                            default=-1) + 1)
        for message in history[self.base + len(self.messages):]:
            self._add(message)
        return self.results

    def _add(self, message: dict) -> None:
        if message["role"] == "user":  # a new turn (a prompt, or the loop sending one back)
            self._start(self.base + len(self.messages) + 1)
            return
        at = len(self.messages)
        self.messages.append(message)
        # subtle: pair by position, not by id; some servers reuse ids across replies.
        for start, calls in self._open:  # each has a call for this position (see below)
            if message["role"] == "tool":
                function = calls[at - start - 1]["function"]
                key = call_key(function["name"], function["arguments"])
                self.results.setdefault(key, []).append(message["content"])
        self._open = [(start, calls) for start, calls in self._open if at - start < len(calls)]
        if message.get("tool_calls"):
            self._open.append((at, message["tool_calls"]))


def call_key(name: str, arguments: str) -> tuple[str, str]:
    """What makes two calls the same: the name and the arguments as canonical JSON."""
    try:
        canonical = json.dumps(parse_arguments(arguments), sort_keys=True, ensure_ascii=False)
    except BadArguments:
        canonical = arguments
    return name, canonical


def describe(call: ToolCall) -> str:
    arguments = call_key(call.name, call.arguments)[1]
    return f"{call.name}({arguments[:100]}{'...' if len(arguments) > 100 else ''})"


def _answered_calls(messages: list[dict]) -> list[tuple[dict, str]]:
    """(call, result content) pairs since the last user message, in order. Calls of the
    current reply that have no result yet are left out (the one being checked among them).
    The definition, read from scratch; `TurnReader` gives the same answer as it goes."""
    start = max((i for i, m in enumerate(messages) if m["role"] == "user"), default=-1) + 1
    pairs = []
    for i in range(start, len(messages)):
        calls = messages[i].get("tool_calls") or []
        # subtle: pair by position, not by id; some servers reuse ids across replies.
        answers = messages[i + 1:i + 1 + len(calls)]
        pairs += [(c, a["content"]) for c, a in zip(calls, answers) if a["role"] == "tool"]
    return pairs


def _same_result(stored: str, result: str) -> bool:
    # The stored result may carry notes added after it (this guard's reminder, for one).
    return stored == result or stored.startswith(result + "\n\n")
