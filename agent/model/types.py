"""What "a model" is to the harness, and a scripted one that needs no server.

The loop knows one thing about a model: give it the messages and the tool schemas, get back
a `Reply` (text, tool calls, finish reason, usage). Anything that can do that is a model:
the OpenAI-compatible client in `agent.model.client`, the `ScriptedModel` in
`agent.model.scripted` (used by the tests, the demo and coursework), or a backend a student
writes.

Messages are plain OpenAI chat dicts, exactly as they are sent and stored. A Reply's calls
have ids of their own: duplicates are renamed when the Reply is made (`unique_ids`).
Simplified: one choice per request (n=1); no images.
Claude Code counterpart: the model call inside its query loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol


@dataclass(frozen=True)
class ToolCall:
    """One function call the model asked for. `arguments` is the raw JSON text it sent."""

    id: str
    name: str
    arguments: str


class BadArguments(ValueError):
    """A call's arguments that are not a JSON object; the message ends the sentence
    "the arguments for Read ..." and says what to send instead."""


def parse_arguments(text: str | None) -> dict:
    """A call's arguments (the raw JSON text a model sent) as a dict; "" or None is {}.
    Raises BadArguments, worded for the model: it sends the call again."""
    try:
        args = json.loads(text or "{}")
    except json.JSONDecodeError as e:
        raise BadArguments(f"are not valid JSON ({e.msg} at character {e.pos}). Send the call "
                           "again with a JSON object.") from None
    if not isinstance(args, dict):
        raise BadArguments("must be a JSON object.")
    return args


def unique_ids(ids: list[str]) -> list[str]:
    """The ids with each made unique: a second `call_0` becomes `call_0_2`, an empty one
    `call_2`. Some servers number the calls of each reply from 0, or give them all one id; the
    loop runs them fine, but a result is paired with its call by id, so on resume the second
    result would answer the first call and the second call none."""
    used: set[str] = set()
    out = []
    for id_ in ids:
        new, n = id_, 1
        while not new or new in used:
            n += 1
            new = f"{id_ or 'call'}_{n}"
        used.add(new)
        out.append(new)
    return out


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

    def __post_init__(self) -> None:
        # subtle: before anything stores or runs the calls; a frozen dataclass is set this way
        ids = unique_ids([c.id for c in self.tool_calls])
        if any(c.id != i for c, i in zip(self.tool_calls, ids)):
            object.__setattr__(self, "tool_calls", tuple(
                replace(c, id=i) for c, i in zip(self.tool_calls, ids)))

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


# What a model reports while it works, through `emit` (agent/events.py names every event).


@dataclass(frozen=True)
class TextDelta:
    """A piece of the model's answer, as it streams in."""

    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    """A piece of the model's thinking, as it streams in: shown, stored apart, never sent back."""

    text: str


@dataclass(frozen=True)
class Waiting:
    """A request went out to `model` at `base_url`; nothing of the reply has come back yet.
    Whatever the next event is, the wait is over (the face shows how long it has lasted)."""

    model: str
    base_url: str


@dataclass(frozen=True)
class Retry:
    """A request failed and will be sent again after `delay` seconds."""

    attempt: int
    delay: float
    error: str


@dataclass(frozen=True)
class Fallback:
    """The model `model` kept failing (`error`); the request goes to `fallback` instead."""

    model: str
    fallback: str
    error: str


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
