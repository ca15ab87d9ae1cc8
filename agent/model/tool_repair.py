"""The tool-call repair ladder: small local models that write their calls as text still work.

`ToolCallRepair(inner, mode)` is a `Model` around another `Model`; the loop cannot tell it
apart from the model it wraps. Each reply climbs the ladder until a rung gives tool calls:

    native       the reply has `tool_calls`: passed through
    in_content   none, but the text holds a call (<tool_call>, fenced JSON, ...): parsed
    reprompt     the text tried and failed: ask again, naming the format, at most 3 in a row
    text_mode    no `tools` in the request: they are described in the prompt and the calls
                 are read from the text (agent/model/text_mode.py)

Modes: `native` never leaves native requests, `text` always uses text mode, `auto` (the
default) starts native and switches to text mode for the rest of the session when the server
says it takes no tools (Ollama's `does not support tools` and the like, retried at once), or
when three reprompts in a row have failed.

A reprompt sends the history plus the bad reply and a short correction (agent/model/text_mode.py
`correction`). That exchange goes out with that retry only and is not stored: the loop's
history gets one reply, as if the model had answered well the first time. When the reprompts
run out the first reply is returned as it was, as text. Usage is summed over the attempts.
`stats` counts, per model, how each reply with calls came (native, in_content, text_mode)
and how many reprompts were sent; `agent -p --output-format json` shows it as "tool_calls".
Not covered: a server that accepts `tools` and silently ignores them (the model then answers
in prose and nothing here can tell); partial calls streamed to the screen are not taken back.
Claude Code counterpart: none (its models always call tools natively).
"""

from __future__ import annotations

from dataclasses import replace

from agent.model.types import Emit, Model, ModelError, Reply, Retry, Usage, Wrapper
from agent.model.text_calls import looks_like_call, parse_calls
from agent.model.text_mode import correction, to_text_request

MODES = ("native", "text", "auto")
RUNGS = ("native", "in_content", "reprompt", "text_mode")
MAX_REPROMPTS = 3

# What servers answer when the model or the server takes no `tools` (matched in lower case).
TOOLS_REJECTED = (
    "does not support tools",          # Ollama, 400: "registry.ollama.ai/library/x does not ..."
    "tools param requires --jinja",    # llama.cpp's llama-server without --jinja, 500
    "--enable-auto-tool-choice",       # vLLM without a tool parser, 400: '"auto" tool choice ...'
    "support tool use",                # OpenRouter, 404: "No endpoints found that support tool use"
    "tools is not supported", "tools are not supported", "unsupported param: tool",
)


def rejects_tools(error: ModelError) -> bool:
    """Does this error mean "this model or server takes no tools"? Only a server's answer
    whose message says so counts: a bare 400 is as often a bad request or a full context."""
    return error.status is not None and any(s in str(error).lower() for s in TOOLS_REJECTED)


class ToolCallRepair(Wrapper):
    """A `Model` that gets tool calls out of models that do not make them natively."""

    def __init__(self, inner: Model, mode: str = "auto", max_reprompts: int = MAX_REPROMPTS,
                 example: bool = False):
        if mode not in MODES:
            raise ValueError(f"tool mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.inner, self.mode, self.max_reprompts = inner, mode, max_reprompts
        self.text_mode = mode == "text"  # True once the tools are described in the prompt
        self.stats: dict[str, dict[str, int]] = {inner.name: dict.fromkeys(RUNGS, 0)}
        self.example = example
        """Text mode teaches the format with one worked example (the lean profile)."""


    def complete(self, messages: list[dict], tools: list[dict], emit: Emit) -> Reply:
        if not tools:  # nothing to call, nothing to repair
            return self.inner.complete(messages, tools, emit)
        first = reply = self._send(messages, tools, emit)
        usage, n_failed = reply.usage, 0
        while True:
            with_calls = self._read_calls(reply, tools)
            if with_calls is not None:
                return _with_usage(with_calls, usage)
            if not looks_like_call(reply.text, tools):
                return _with_usage(reply, usage)
            if n_failed == self.max_reprompts:
                if self.mode != "auto" or self.text_mode:
                    return _with_usage(first, usage)
                self._switch(emit, f"{n_failed} reprompts in a row did not give a tool call")
                reply, n_failed = self._send(messages, tools, emit), 0
            else:
                n_failed += 1
                self._count("reprompt")
                emit(Retry(n_failed, 0.0, "the reply tried to call a tool in a form that could "
                                          "not be read; asking again with the expected format"))
                retry = [reply.to_message(), {"role": "user", "content": correction(tools)}]
                reply = self._send(messages + retry, tools, emit)
            usage = _add(usage, reply.usage)

    def _send(self, messages: list[dict], tools: list[dict], emit: Emit) -> Reply:
        """One request, native or in text mode; in auto mode a refusal of tools switches."""
        if not self.text_mode:
            try:
                return self.inner.complete(messages, tools, emit)
            except ModelError as e:
                if not rejects_tools(e):
                    raise
                if self.mode == "native":
                    raise ModelError(f"{e}. This model or server takes no tools: run with "
                                     "--tool-mode text (or auto) to describe them in the "
                                     "prompt instead.", e.status) from None
                self._switch(emit, f"the server takes no tools ({e})")
        return self.inner.complete(to_text_request(messages, tools, self.example), [], emit)

    def _read_calls(self, reply: Reply, tools: list[dict]) -> Reply | None:
        """The reply with its tool calls, native or parsed from the text; None if it has none."""
        if reply.tool_calls:
            self._count("native")
            return reply
        parsed = parse_calls(reply.text, tools)
        if not parsed.calls:
            return None
        self._count("text_mode" if self.text_mode else "in_content")
        return replace(reply, text=parsed.text, tool_calls=parsed.calls, finish_reason="tool_calls")

    def _switch(self, emit: Emit, why: str) -> None:
        self.text_mode = True
        emit(Retry(1, 0.0, f"{why}; switching to text mode: the tools are described in the "
                           "prompt from now on"))

    def _count(self, rung: str) -> None:
        self.stats.setdefault(self.inner.name, dict.fromkeys(RUNGS, 0))[rung] += 1


def _add(a: Usage | None, b: Usage | None) -> Usage | None:
    return b if a is None else a if b is None else a + b


def _with_usage(reply: Reply, usage: Usage | None) -> Reply:
    return replace(reply, usage=usage)  # the timing too: the meter reads it
