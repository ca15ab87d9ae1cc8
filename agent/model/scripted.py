"""A model that plays back a script: the loop, the tools and the tests with no server.

    model = ScriptedModel([call("Read", file_path="a.py"), "It prints hello."])
    Agent(model, default_tools(), "You are ...", ToolContext(cwd)).run("what does a.py do?")

Each request takes the next step of the script. The loop cannot tell it from a real server,
so everything around the model runs for real: the tools on real files, the permission gate,
the transcript. `agent demo`, the tests, the benchmarks and the exercises use it.
Simplified: no streaming in pieces (a text step is one TextDelta), no usage unless a step
gives a `Reply` that has it.
Claude Code counterpart: none (mini-swe-agent ships the same idea as its DeterministicModel).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from agent.model.types import Emit, ModelError, Reply, TextDelta, ToolCall

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
