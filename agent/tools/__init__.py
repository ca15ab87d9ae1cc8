"""Tools are data: a name, a description, a JSON schema, a function, and a read-only flag.

The names and parameters are Claude Code's (Read, Write, Edit, Bash, Glob, Grep, TodoWrite),
so permission rules, hooks and habits written for it carry over. A tool function takes the
parsed arguments and the session's `ToolContext` and returns text; a mistake the model can
fix raises `ToolError` with what to do next, and the loop turns it into the result.

Read in this order:
    tool.py      Tool, ToolContext, ToolError; which arguments are paths (for the rules)
    files.py     Read, Write, Edit: read before edit, stale files refused, the cut stated
    shell.py     Bash, on the process runner
    process.py   a command in its own process group: timeouts, Ctrl-C, pipes held open
    tether.py    the groups die with the harness, even by SIGKILL: one watcher per session
    capping.py   long output kept short: head and tail, and what was cut
    search.py    Glob and Grep (ripgrep when installed, the same output without it)
    grep_python.py  Grep without ripgrep: Python's re in a child, on a time budget
    listing.py   Glob and Grep as TOON-style rows (--listing toon)
    todo.py      TodoWrite and the reminder when the list goes stale
    web.py       WebFetch (the HTML read by html_text.py); web_search.py: WebSearch on SearxNG

Seams: `default_tools()` below is the registry; a plugin adds its own with `session.add_tool`
(docs/18-plugins.md). Chapter: docs/02-tools.md. Claude Code counterpart: its built-in tool set.
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
