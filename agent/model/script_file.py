"""A script of replies in a JSON file, for `--model scripted:FILE`: the command line with no
server, every tool, the gate and the transcript real.

    [{"call": "Read", "args": {"file_path": "a.py"}},        one tool call
     [{"call": "Grep", "args": {"pattern": "retry"}}, ...],  several in one reply
     {"text": "Let me check.", "calls": [...]},               text and calls
     {"error": "the server fell over"},                       a failing request
     "It prints hello."]                                      a plain answer

The steps are those of the scripted model (agent/model/scripted.py), written as JSON.
Claude Code counterpart: none.
"""

from __future__ import annotations

import json

from agent.model.scripted import ScriptedModel, ScriptStep, call
from agent.model.types import ModelError, Reply, ToolCall


def load_script(path: str) -> ScriptedModel:
    """The scripted model of a JSON file; ValueError naming the file and the reply when it is
    not a script."""
    where = f"--model scripted:{path}"
    try:
        data = json.loads(open(path, encoding="utf-8").read())
    except OSError as err:
        raise ValueError(f"{where}: cannot be read ({err.strerror})") from None
    except ValueError as err:
        raise ValueError(f"{where} is not valid JSON: {err}") from None
    if not isinstance(data, list):
        raise ValueError(f"{where}: a script is a JSON list of replies")
    return ScriptedModel([step(item, f"{where}, reply {n + 1}") for n, item in enumerate(data)],
                         name=f"scripted:{path}")


def step(item: object, where: str) -> ScriptStep:
    """One reply of a JSON script as a script step."""
    def one(c: object) -> ToolCall:
        if not isinstance(c, dict) or not isinstance(c.get("call"), str):
            raise ValueError(f'{where}: a tool call is {{"call": "Name", "args": {{...}}}}')
        return call(c["call"], **(c.get("args") or {}))
    if isinstance(item, str):
        return item
    if isinstance(item, list):
        return [one(c) for c in item]
    if isinstance(item, dict) and "error" in item:
        return ModelError(str(item["error"]))
    if isinstance(item, dict) and "call" in item:
        return one(item)
    if isinstance(item, dict) and ("text" in item or "calls" in item):
        calls = tuple(one(c) for c in item.get("calls") or ())
        return Reply(text=str(item.get("text") or ""), tool_calls=calls,
                     finish_reason="tool_calls" if calls else "stop")
    raise ValueError(f"{where}: a reply is text, a call, a list of calls, "
                     '{"text": ..., "calls": [...]} or {"error": ...}')
