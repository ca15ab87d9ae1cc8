"""Turn what an OpenAI-compatible server sent into a `Reply`: pure functions, no I/O.

A streamed reply arrives as chunks. Text comes as content deltas (each one is passed on as a
`TextDelta` event, so the user sees the answer as it is written). Tool calls come as
fragments: the first names the function and carries an id, the next ones carry pieces of the
arguments, and a `index` says which call of the reply a fragment belongs to. A final chunk
with no choices carries the token usage, when the client asked for it.

Servers differ in how they fill that in, so fragments are matched by index AND by id:

- Ollama has sent index 0 for every parallel call: a fragment with a new id starts a new
  call even at an index already in use.
- llama-cpp-python repeats the id and the name in every fragment: the same id continues the
  call, and the name is kept once, not appended again.
- some servers send no id at all: fragments without an id continue the call at their index,
  and an id is made up. If such a fragment brings a name while the call at that index
  already has complete JSON arguments, it can only be the next call (index 0, no ids).

Reasoning arrives in one of three shapes, and all three end up in `Reply.reasoning`, streamed
as `ReasoningDelta` events: a `reasoning_content` field (llama.cpp, vLLM, DeepSeek), a
`reasoning` field (Ollama, OpenRouter), or `<think>...</think>` inside the content (servers
that do not parse it; split out by agent.model.think_tags, also when only the closing tag comes).

Fields are read with `_field`, which accepts dict keys and attributes alike: the client
hands over plain dicts (agent/model/sse.py), and the SDK's own chunk objects work too.
Simplified: one choice (n=1); a tool name is taken whole from its first fragment, never
streamed in pieces.
Claude Code counterpart: the streaming message accumulator of its API client.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from agent.model.types import Emit, ReasoningDelta, Reply, TextDelta, Timing, ToolCall, Usage
from agent.model.think_tags import ThinkSplitter


def assemble(chunks: Iterable[object], emit: Emit, think: ThinkSplitter | None = None) -> Reply:
    """Build one `Reply` from streamed `ChatCompletionChunk`s, emitting text as it arrives.

    `think` splits `<think>` tags out of the content; pass one to read what it saw afterwards."""
    think = think or ThinkSplitter()
    reasoning: list[str] = []  # from the reasoning fields
    calls: list[dict] = []  # {"id", "name", "arguments": [pieces]}, in the order they began
    at_index: dict[int, dict] = {}  # the call each server index currently points to
    finish_reason: str | None = None
    usage, timings = None, None
    for chunk in chunks:
        if _field(chunk, "usage"):
            usage = _field(chunk, "usage")
        timings = _field(chunk, "timings") or timings  # llama.cpp, in the last chunk
        for choice in _field(chunk, "choices") or ():
            delta = _field(choice, "delta")
            thought = _reasoning_field(delta)
            if thought:
                reasoning.append(thought)
                emit(ReasoningDelta(thought))
            content = _field(delta, "content")
            if content:
                _show(think.feed(content), emit)
            for fragment in _field(delta, "tool_calls") or ():
                _add_fragment(fragment, calls, at_index)
            finish_reason = _field(choice, "finish_reason") or finish_reason
    _show(think.finish(), emit)
    tool_calls = tuple(ToolCall(c["id"], c["name"], "".join(c["arguments"])) for c in calls)
    usage, timing = _usage(usage, timings)
    return Reply(think.answer, tool_calls, finish_reason, usage,
                 _joined("".join(reasoning), think.thinking), timing)


def from_completion(completion: object, emit: Emit, think: ThinkSplitter | None = None) -> Reply:
    """Build a `Reply` from a whole (non-streamed) `ChatCompletion`; the text is one `TextDelta`
    (after one `ReasoningDelta` when there is thinking)."""
    choices = _field(completion, "choices") or ()
    usage, timing = _usage(_field(completion, "usage"), _field(completion, "timings"))
    if not choices:
        return Reply(usage=usage, timing=timing)
    message = _field(choices[0], "message")
    think = think or ThinkSplitter()
    think.feed(_field(message, "content") or "")
    think.finish()
    text, reasoning = think.answer, _joined(_reasoning_field(message), think.thinking)
    if reasoning:
        emit(ReasoningDelta(reasoning))
    if text:
        emit(TextDelta(text))
    tool_calls = []
    for call in _field(message, "tool_calls") or ():
        function = _field(call, "function")
        arguments = _field(function, "arguments")
        if not isinstance(arguments, str):  # a few servers send an object instead of JSON text
            arguments = json.dumps(arguments if arguments is not None else {})
        tool_calls.append(ToolCall(_field(call, "id") or _new_id(),
                                   _field(function, "name") or "", arguments))
    return Reply(text, tuple(tool_calls), _field(choices[0], "finish_reason"), usage, reasoning,
                 timing)


def has_token(chunk: object) -> bool:
    """Does this chunk carry a piece of the answer (text, thinking, a tool call) or its end?
    The first one that does marks the time to first token. (The end counts: a server that
    parses tool calls may hold back every token of a short call until the reply is over.)"""
    for choice in _field(chunk, "choices") or ():
        delta = _field(choice, "delta")
        if (_field(delta, "content") or _field(delta, "tool_calls")
                or _reasoning_field(delta) or _field(choice, "finish_reason")):
            return True
    return False


def _reasoning_field(delta_or_message: object) -> str:
    # subtle: `or`, not both: a server that fills both fields sends the same text twice.
    thought = _field(delta_or_message, "reasoning_content") or _field(delta_or_message, "reasoning")
    return thought if isinstance(thought, str) else ""


def _show(parts: list[tuple[bool, str]], emit: Emit) -> None:
    for is_reasoning, text in parts:
        emit(ReasoningDelta(text) if is_reasoning else TextDelta(text))


def _joined(*pieces: str) -> str:
    return "\n\n".join(p.strip() for p in pieces if p and p.strip())


def _add_fragment(fragment: object, calls: list[dict], at_index: dict[int, dict]) -> None:
    index = _field(fragment, "index") or 0
    id_ = _field(fragment, "id")
    function = _field(fragment, "function")
    name = _field(function, "name") or ""
    arguments = _field(function, "arguments") or ""
    current = at_index.get(index)
    starts_new = (current is None
                  or (id_ and id_ != current["id"])
                  or (not id_ and name and current["name"] and _is_complete(current)))
    if starts_new:
        current = {"id": id_ or _new_id(), "name": name, "arguments": []}
        at_index[index] = current
        calls.append(current)
    elif name and not current["name"]:
        current["name"] = name
    if arguments:
        current["arguments"].append(arguments)


def _is_complete(call: dict) -> bool:
    """True when the arguments so far already form a whole JSON value (nothing can follow)."""
    try:
        json.loads("".join(call["arguments"]))
    except ValueError:
        return False
    return True


def _usage(usage: object, timings: object) -> tuple[Usage | None, Timing]:
    """The usage, with the cached tokens from wherever the server put them: OpenAI, vLLM and
    recent llama.cpp in `prompt_tokens_details.cached_tokens`, llama.cpp in `timings.cache_n`
    too; Ollama's /v1 reports none."""
    server = dict(timings) if isinstance(timings, dict) else {}
    cached = _field(_field(usage, "prompt_tokens_details"), "cached_tokens")
    source = "usage" if isinstance(cached, int) else ""
    if source == "" and isinstance(server.get("cache_n"), int):
        cached, source = server["cache_n"], "timings"
    timing = Timing(cached_from=source, server=server)
    if not usage:
        return None, timing
    return Usage(_field(usage, "prompt_tokens") or 0, _field(usage, "completion_tokens") or 0,
                 cached or 0), timing


def _field(obj: object, name: str) -> object:
    """`obj.name` or `obj[name]`, None when absent: extras in SDK objects are plain dicts."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _new_id() -> str:
    return "call_" + uuid.uuid4().hex[:24]
