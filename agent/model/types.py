"""What "a model" is to the harness, and a scripted one that needs no server.

The loop knows one thing about a model: give it the messages and the tool schemas, get back
a `Reply` (text, tool calls, finish reason, usage). Anything that can do that is a model:
the OpenAI-compatible client in `agent.model.client`, the `ScriptedModel` below (used by the tests,
the demo and coursework), or a backend a student writes.

Messages are plain OpenAI chat dicts, exactly as they are sent and stored.
Simplified: one choice per request (n=1); no images.
Claude Code counterpart: the model call inside its query loop.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ToolCall:
    """One function call the model asked for. `arguments` is the raw JSON text it sent."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Usage:
    """Token counts for one or more requests, as the server reported them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.prompt_tokens + other.prompt_tokens,
                     self.completion_tokens + other.completion_tokens,
                     self.cached_tokens + other.cached_tokens)


@dataclass(frozen=True)
class Timing:
    """How one request went: its times, and what the server said about its own work."""

    first_token_s: float | None = None
    """From sending the request to the first piece of the answer; None when not streamed."""
    total_s: float = 0.0
    """From sending the request to the end of the answer (the attempt that succeeded)."""
    cached_from: str = ""
    """Where `Usage.cached_tokens` came from: "usage" (prompt_tokens_details), "timings"
    (llama.cpp's cache_n), or "" when the server did not say (Ollama's /v1)."""
    server: dict = field(default_factory=dict)
    """The server's own figures when it sends them, as sent (llama.cpp's `timings`)."""
    served_by: str = "server"
    """"server", or the response cache that answered instead (agent/model/response_cache.py)."""


@dataclass(frozen=True)
class Reply:
    """What the model answered: text, tool calls, why it stopped, and what it cost."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    usage: Usage | None = None
    reasoning: str = ""
    """The model's thinking, when the server sends it apart from the answer; never sent back."""
    timing: Timing | None = None
    """Filled by the client (agent/model/client.py); None from models that do not measure."""

    def to_message(self) -> dict:
        """The assistant message to append to the history (OpenAI chat format)."""
        # subtle: content is "" rather than None; some servers answer 500 to a null content.
        message: dict = {"role": "assistant", "content": self.text}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function",
                 "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.tool_calls
            ]
        return message


class ModelError(Exception):
    """The model or its server failed in a way the model cannot fix (the message says what to do).

    `status` is the HTTP status when the server answered with one (400, 401, 500, ...)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


# A callback for what happens while a reply is produced: text deltas, retries (see agent.events).
Emit = Callable[[object], None]


class Model(Protocol):
    """Anything that answers a list of messages. `emit` receives events while it works."""

    name: str

    def complete(self, messages: list[dict], tools: list[dict], emit: Emit) -> Reply: ...


class Wrapper:
    """A `Model` around another (`inner`): the tool-call repair, the truncation tripwire, the
    meter, the response caches. Its name, and any attribute it does not have itself
    (base_url, stats, ...), are the inner model's, so code that reads them from `agent.model`
    need not know how many layers there are."""

    inner: Model

    @property
    def name(self) -> str:
        return self.inner.name

    def __getattr__(self, attribute: str):
        if attribute == "inner":  # not set yet (e.g. while unpickling): no recursion
            raise AttributeError(attribute)
        return getattr(self.inner, attribute)


_call_ids = itertools.count(1)


def call(name: str, id: str | None = None, **arguments: object) -> ToolCall:
    """A tool call for scripts: `call("Read", file_path="a.py")`. Ids are made up in order."""
    return ToolCall(id or f"call_{next(_call_ids)}", name, json.dumps(arguments))


ScriptStep = Reply | str | ToolCall | list | BaseException | Callable[[list[dict]], "Reply"]


@dataclass
class ScriptedModel:
    """A model that plays back a script, one step per request.

    A step is a `Reply`, a string (a plain text answer), a `ToolCall` or a list of them
    (a reply that calls tools), an exception (raised, as a failing server would), or a
    function of the messages that returns a `Reply` (for answers that depend on what the
    tools returned). Every request is recorded in `requests` for tests to inspect.
    """

    steps: list[ScriptStep]
    name: str = "scripted"
    requests: list[list[dict]] = field(default_factory=list)

    def complete(self, messages: list[dict], tools: list[dict], emit: Emit) -> Reply:
        from agent.events import TextDelta

        self.requests.append([dict(m) for m in messages])
        if not self.steps:
            raise ModelError("the scripted model has no replies left")
        step = self.steps.pop(0)
        if isinstance(step, BaseException):
            raise step
        if callable(step) and not isinstance(step, (ToolCall, Reply)):
            step = step(messages)
        if isinstance(step, str):
            step = Reply(text=step, finish_reason="stop")
        elif isinstance(step, ToolCall):
            step = Reply(tool_calls=(step,), finish_reason="tool_calls")
        elif isinstance(step, list):
            step = Reply(tool_calls=tuple(step), finish_reason="tool_calls")
        if step.text:
            emit(TextDelta(step.text))
        return step
