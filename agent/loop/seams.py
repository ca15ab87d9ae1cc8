"""Seams: the moments of a turn where other parts of the harness attach, and their order.

    prompt arrives ─► on_prompt ─► [model ─► tool ─► after_tool]* ─► model stops ─► on_stop
                      every message appended ─► on_message
                      the history swapped for another (/resume, /rewind, /clear) ─► on_history_replaced

A seam is a list of functions the loop calls at one moment. Each is added at a position, and
positions are where the ordering rules live: a function that may replace a tool result runs
before one that appends to it, which runs before the hooks that watch it, and so on. Equal
positions run in the order they were added. A part of the harness, a plugin or a test adds
to a seam; the loop only walks it:

    agent.after_tool.add(RepeatGuard(...), at=JUDGE)
    for guard in agent.after_tool: result = guard(call, result, is_error)

Two more places take one function each rather than a list: `authorize`, asked about every
call before it runs (it returns a `Verdict`: run it, with which arguments, or the refusal the
model reads), and the `compactor`, which fits the history to the window before each request.

Claude Code counterpart: the points in its query loop where hooks and reminders run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from agent.model.types import Reply, ToolCall
from agent.tools import Tool

OnPrompt = Callable[[str], "str | None"]
"""Called with each prompt as it arrives; returns a fact to add to it, or None: the date when
it changed, a git status that moved, a hook's context. Facts that change go at the end of the
history like this, never into earlier messages, so the prompt prefix holds. May raise
StopTurn to drop the prompt (a UserPromptSubmit hook refused it)."""
AfterTool = Callable[[ToolCall, str, bool], str]
"""Called with each call, its result and whether it failed; returns the result, perhaps with
something added. May raise StopTurn to end the turn (the doom-loop guard, a PostToolUse hook)."""
OnStop = Callable[[str, bool], "str | None"]
"""Called when the model ends its turn, with its final text and whether a check already sent
it back this prompt: None lets the turn end; a text goes to the model as the next message and
the turn goes on (a Stop hook that insists the tests pass)."""
OnMessage = Callable[[list[dict]], None]
"""Called with the whole history after each message is added, and after it was replaced: the
transcript on disk writes what is new (and, seeing the whole list, notices a rewrite)."""
OnHistoryReplaced = Callable[[list[dict]], None]
"""Called after the conversation was swapped for another (/resume, /rewind) or cleared: what
was learnt from the old one (files read, the todo list, memory files shown) is forgotten."""


class StopTurn(Exception):
    """Raised at a seam: end the turn with `reason` as the stop reason and this message."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Verdict:
    """What `authorize` says about one call."""

    allowed: bool
    args: dict
    """The arguments to run the tool with: the call's own, or what a PreToolUse hook made them."""
    refusal: str = ""
    """When not allowed: the tool result the model reads (what was refused, why, what to do)."""


Authorize = Callable[[Tool, dict, ToolCall], Verdict]
"""Asked before every call runs (agent.permissions.gate.Gate, behind PreToolUse hooks)."""


def allow_all(tool: Tool, args: dict, call: ToolCall) -> Verdict:
    return Verdict(True, args)


class Compactor(Protocol):
    """Keeps the history inside the context window; agent.compact.ladder.Ladder is the real one."""

    def before_request(self, messages: list[dict], tools: list[dict]) -> None:
        """Called before every request; may rewrite `messages` in place."""

    def after_reply(self, reply: Reply) -> None:
        """Called with every reply (its usage reconciles the token counts)."""

    def overflowed(self, messages: list[dict], tools: list[dict]) -> bool:
        """The server refused the prompt as too long: shorten it, True when it did."""


class KeepAll:
    """The compactor that never compacts: the history grows until the server refuses it."""

    def before_request(self, messages: list[dict], tools: list[dict]) -> None:
        pass

    def after_reply(self, reply: Reply) -> None:
        pass

    def overflowed(self, messages: list[dict], tools: list[dict]) -> bool:
        return False

NORMAL = 50
"""Where a function goes unless it says otherwise: hooks and plugins."""

# on_prompt
FACTS = 10
"""Facts about the world that go with the prompt (today's date, a git status that moved)."""
AFTER_HOOKS = 90
"""What must happen only to a prompt that goes on: the prompt hooks (NORMAL) may drop it
(the checkpoints' prompt number, the todo reminder)."""
READY = 95
"""Getting ready for the turn, once nothing can drop the prompt (the kept sandbox starts)."""

# on_stop
TIDY = 10
"""Putting away what the Stop hooks must not see, before them (the kept sandbox ends)."""

# after_tool
RESHAPE = 10
"""May replace the whole result (one too large is filed away): before anything is added to it."""
ATTACH = 20
"""Text added to the result that must never be cut or filed away (subfolder memory files)."""
JUDGE = 70
"""Decides on the result as the model will read it, hooks' context included (the repeat guard)."""
RESTATE = 90
"""Last words, never cut, filed away or judged as part of the result (the todo list restated)."""


class Seam:
    """Functions called at one moment of the loop, in the order of their positions."""

    def __init__(self, name: str):
        self.name = name
        self._entries: list[tuple[int, int, Callable]] = []

    def add(self, fn: Callable, at: int = NORMAL) -> Callable:
        """Call `fn` at this moment, at position `at` (see the constants above); returns fn."""
        self._entries.append((at, len(self._entries), fn))
        self._entries.sort(key=lambda entry: entry[:2])
        return fn

    def remove(self, fn: Callable) -> None:
        self._entries = [entry for entry in self._entries if entry[2] is not fn]

    def __iter__(self) -> Iterator[Callable]:
        return iter([fn for _, _, fn in self._entries])  # a copy: a function may add or remove

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        names = [getattr(fn, "__qualname__", type(fn).__name__) for fn in self]
        return f"Seam({self.name}: {', '.join(names)})"
