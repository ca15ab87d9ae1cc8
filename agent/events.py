"""What the loop and the model client report while they work.

The loop never prints. It hands these small records to one callback, and whoever drives it
(the REPL, print mode, a test, a benchmark) decides what to show. Adding an event is adding a
dataclass here; consumers ignore the ones they do not know.

Every event is importable from here. The five the model reports while a reply comes in
(Waiting, TextDelta, ReasoningDelta, Retry, Fallback) are defined beside it, in agent/model/types.py,
and TodosChanged beside the todo tool: the model and the tools stand alone, below this file.
Claude Code counterpart: the messages of `--output-format stream-json`.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.model.types import (Fallback, ReasoningDelta, Retry, TextDelta, ToolCall, Usage,
                               Waiting)
from agent.tools.todo import TodosChanged

__all__ = ["Waiting", "TextDelta", "ReasoningDelta", "Retry", "Fallback", "AssistantMessage",
           "ToolStart", "ToolFinished", "ToolEnd", "Compacted", "PromptFiled", "HookMessage",
           "HookOutput", "TodosChanged", "TurnEnd"]


@dataclass(frozen=True)
class AssistantMessage:
    """The model finished a reply; `message` is what was appended to the history."""

    message: dict
    usage: Usage | None


@dataclass(frozen=True)
class ToolStart:
    """A tool call is about to run."""

    call: ToolCall


@dataclass(frozen=True)
class ToolFinished:
    """A call run side by side ended; its ToolEnd comes in the order of the calls."""

    call: ToolCall
    is_error: bool
    seconds: float


@dataclass(frozen=True)
class ToolEnd:
    """A tool call finished; `message` is its tool result as appended to the history."""

    call: ToolCall
    message: dict
    is_error: bool


@dataclass(frozen=True)
class Compacted:
    """The history was rewritten to fit the context window (agent.compact.ladder)."""

    trigger: str
    """"auto" (the window filled, or the server refused the prompt) or "manual" (/compact)."""
    strategies: tuple[str, ...]
    """The strategies that changed something, in the order they ran."""
    tokens_before: int
    tokens_after: int
    messages_before: int
    messages_after: int
    transcript: str | None
    """Where the whole history was saved before a summary replaced it."""
    note: str
    """What went wrong or is worth knowing (a summary that failed, a prompt still too long)."""


@dataclass(frozen=True)
class PromptFiled:
    """A prompt too large for the window was saved to a file, and the model was told to Read
    it in parts (agent.compact.prompt_budget)."""

    path: str
    tokens: int
    limit: int
    """The most tokens a prompt may take in this window."""


@dataclass(frozen=True)
class HookMessage:
    """Something a hook wants the user to see (a systemMessage, a hook that failed)."""

    event: str
    text: str


@dataclass(frozen=True)
class HookOutput:
    """What a hook printed on success: shown in the verbose trace and stream-json only."""

    event: str
    text: str


@dataclass(frozen=True)
class TurnEnd:
    """The turn is over: why (`stop_reason`), the final text, and how many model calls it took."""

    stop_reason: str
    text: str
    n_turns: int
    usage: Usage
