"""The lean profile: what a small model gets instead of the default session.

    agent --profile lean        or chosen by itself: a model of 3B parameters or fewer by its
                                name ("qwen2.5-coder-0.5b"), or a window of 8k tokens or less
                                that a flag, a profile or the server gave

A 0.5B to 7B model on a CPU pays for every token of the prompt (200 tokens a second here:
the default's tools and rules are 10 seconds before the first word) and loses its way in a
long one. The lean profile changes only what the session is composed of, never the loop:

    tools          Read, Edit, Write, Bash, Grep (not Glob, TodoWrite), in that order
    descriptions   each tool's first sentence; no description on its parameters
    system prompt  the role in four lines, the environment, the memory files
    text mode      the tool block ends with one worked example of a call and its result
    replies        at most 1,024 tokens (the default: a quarter of the window)
    reminder       a model that answers without having used a tool, when the prompt names a
                   file that exists, is sent back once: read it first (`ReadFirst`)

Each of these is kept because the task suite (benchmarks/tasks.py, docs/14-local-models.md)
measured it on a small model; the figures are in that chapter.
Claude Code counterpart: none; its models are large.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from agent.tools import Tool

TOOLS = ("Read", "Edit", "Write", "Bash", "Grep")
SMALL_B = 3.0
"""Models of at most this many billion parameters (by their name) get the lean profile."""
SMALL_WINDOW = 8192
REPLY_TOKENS = 1024
"""The longest reply, unless --max-tokens says otherwise: measured, a 0.5B model wrote 1,300
tokens of one reply at 2 to 5 tokens a second (four minutes) when the default allowed 2,048."""

ROLE = """\
You are a coding agent. You work in the user's folder through tools: Read files, Grep to \
search, Edit or Write to change them, Bash to run commands and tests.
Read a file before you answer about it or change it. After a change, run the tests.
When done, answer in one or two sentences."""


def choose(model: str, window: int, window_known: bool) -> str | None:
    """"lean" and why, when the model or its window is small; None otherwise."""
    sizes = [float(n) for n in re.findall(r"(?<![\w.])(\d+(?:\.\d+)?)b(?![a-z])", model.lower())]
    if sizes and max(sizes) <= SMALL_B:
        return f"a model of {max(sizes):g}B parameters"
    if window_known and window <= SMALL_WINDOW:
        return f"a window of {window} tokens"
    return None


def lean_tools(tools: list[Tool]) -> list[Tool]:
    """The lean profile's tools, in its order, each with a one-line description."""
    by_name = {tool.name: tool for tool in tools}
    return [lean_tool(by_name[name]) for name in TOOLS if name in by_name]


def lean_tool(tool: Tool) -> Tool:
    """The same tool with its first sentence for a description and bare parameters (the
    same names and types, so a call the default accepts, this accepts)."""
    first = re.split(r"(?<=[a-z0-9)]\.)\s+(?=[A-Z])", tool.description.strip(), maxsplit=1)[0]
    properties = {name: {k: v for k, v in schema.items() if k != "description"}
                  for name, schema in tool.parameters.get("properties", {}).items()}
    return replace(tool, description=first, parameters={**tool.parameters, "properties": properties})


class ReadFirst:
    """On the on_stop seam: a model that ends its turn without having called any tool, when
    the prompt names a file in the working directory, is sent back once to read it. Small
    models answer "I have read notes.txt, the word is python" without reading it."""

    def __init__(self, cwd: Path, messages):
        self.cwd, self.messages = cwd, messages

    def __call__(self, text: str, sent_back: bool) -> str | None:
        if sent_back:
            return None
        turn = _this_turn(self.messages())
        if any(m.get("tool_calls") for m in turn):
            return None
        named = [word for word in _words(turn[0].get("content") if turn else "")
                 if (self.cwd / word).is_file()]
        if not named:
            return None
        return (f"You answered without reading anything. Read {named[0]} with the Read tool "
                "first, then answer from what it says.")


def _this_turn(messages: list[dict]) -> list[dict]:
    """The messages from the last user prompt on."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "user":
            return messages[i:]
    return []


def _words(text) -> list[str]:
    if not isinstance(text, str):
        return []
    return [w.strip("`'\".,:;()?!") for w in text.split() if "." in w or "/" in w][:20]
