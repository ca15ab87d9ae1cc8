"""Tools are data: a name, a description, a JSON schema, a function, and a read-only flag.

Adding a tool is one function and one entry in `default_tools()`. The names and parameters are
Claude Code's (Read, Write, Edit, Bash, Glob, Grep), so permission rules, hooks and habits
written for it carry over.

A tool function takes the parsed arguments and the session's `ToolContext` and returns text.
When the model made a mistake it can fix (a missing file, a non-unique Edit, a timeout), the
tool raises `ToolError` with a message that says what to do next; the loop turns that into the
tool result. Anything else is a bug of the harness and propagates.
Claude Code counterpart: its built-in tool set.
"""

from __future__ import annotations

from agent.tools.tool import Tool, ToolContext, ToolError

__all__ = ["Tool", "ToolContext", "ToolError", "default_tools"]


def default_tools() -> list[Tool]:
    """The built-in tools, in a fixed order (the order is part of the stable prompt prefix)."""
    from agent.tools.files import EDIT, READ, WRITE
    from agent.tools.search import GLOB, GREP
    from agent.tools.shell import BASH

    return [READ, WRITE, EDIT, BASH, GLOB, GREP]
