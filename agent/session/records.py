"""What a transcript line must hold to be used: the shape of a message, checked before resume.

    read_line(line)        -> (record, None) or (None, why): JSON that could not be read
    message_problem(m)     -> None for a message the protocol and the loop can take, or why not
    prompt_text(m)         -> a user message's own words, for the session list

A transcript is written by the harness, but it is a file: a crash tears its last line, a disk
error or a hand edit leaves anything at all. A message that is only JSON is not enough: a
`"tool_calls": "notalist"` or a null call crashed the repair, a line nested a hundred thousand
deep crashed `json.loads` itself (RecursionError), and so `agent sessions` and the resume of
every other session in the folder. So each line is read on its own, each message is checked
here, and what fails is skipped with its reason, which the resume shows once.

The check is the shape the rest of the code relies on, not more: a role it knows; content that
is text, a list of parts or (for an assistant) nothing; tool calls as a list of objects with a
string id, a function name and arguments; a tool result with its call's id; no value nested
deeper than MAX_DEPTH; text that is valid Unicode (a lone surrogate cannot be sent). Keys it
does not know are kept: messages are stored as they were sent.
Claude Code counterpart: none documented.
"""

from __future__ import annotations

import json

from agent.model.reminders import own_words

ROLES = ("system", "user", "assistant", "tool")
MAX_DEPTH = 32
"""Deeper than any message the harness writes (a content part's fields are at depth 4)."""


def read_line(line: str) -> tuple[object, str | None]:
    """One line as JSON: (the value, None), or (None, why it could not be read). A torn line
    is "not JSON"; json.loads raises RecursionError on deep nesting and ValueError on numbers
    of thousands of digits, and both are a reason here, never an exception."""
    try:
        return json.loads(line), None
    except json.JSONDecodeError:
        return None, "not JSON"
    except RecursionError:
        return None, "nested too deeply to read"
    except ValueError as err:
        return None, f"JSON that cannot be read ({str(err).split(':')[0].lower()})"


def message_problem(message: object) -> str | None:
    """Why this value is not a usable message, or None when it is."""
    if not isinstance(message, dict):
        return "a message that is not an object"
    role = message.get("role")
    if role not in ROLES:
        return "a message of no known role"
    walked = _walk_problem(message)
    if walked:
        return walked
    content = message.get("content")
    if content is None and role != "assistant":
        return f"a {role} message with no content"
    if content is not None and not isinstance(content, str | list):
        return "a content that is neither text nor a list of parts"
    if isinstance(content, list) and not all(isinstance(part, dict) for part in content):
        return "a content list with items that are not parts"
    if role == "assistant" and message.get("tool_calls") is not None:
        calls = message["tool_calls"]
        if not isinstance(calls, list):
            return "a tool_calls that is not a list"
        if not all(_call_ok(call) for call in calls):
            return "a tool call with no id, name or arguments"
    if role == "tool" and not isinstance(message.get("tool_call_id"), str):
        return "a tool result with no tool_call_id"
    return None


def _call_ok(call: object) -> bool:
    if not isinstance(call, dict) or not isinstance(call.get("id"), str):
        return False
    function = call.get("function")
    return (isinstance(function, dict) and isinstance(function.get("name"), str)
            and isinstance(function.get("arguments"), str))


def _walk_problem(value: object) -> str | None:
    """Walked with a stack, not recursion: the check must not fail the way json.loads did."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return "a message nested too deeply"
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
            stack.extend((k, depth + 1) for k in item)
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "a message with text that is not valid Unicode"
    return None


def prompt_text(message: dict) -> str:
    """A user message's words, without the facts the loop appended to them."""
    content = message.get("content")
    text = content if isinstance(content, str) else json.dumps(content)
    return own_words(text).strip()
