"""`--input-format stream-json`: a conversation on stdin, one user message a line, a turn each.

    {"type": "user", "message": {"role": "user", "content": "fix the failing test"}}
    {"type": "user", "message": {"role": "user", "content": [{"type": "text", "text": "now commit"}]}}

`user_messages(lines)` yields each message's text as it arrives, so a program can wait for the
result line of one turn before it writes the next. A line that is not such a message raises
BadInput naming the line and what was expected; the turns before it have run and are saved.
Blank lines and a byte order mark are passed over; stdin that holds no message at all is
an error too (print mode says so, exit code 2), as an empty prompt is.
Claude Code counterpart: `claude -p --input-format stream-json --output-format stream-json`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator


class BadInput(ValueError):
    """A stdin line that is not a user message; the text says which and why."""


def user_messages(lines: Iterable[str]) -> Iterator[str]:
    for n, line in enumerate(lines, 1):
        line = line.removeprefix("\ufeff") if n == 1 else line  # a byte order mark, from an editor
        if line.strip():
            yield message_text(line, n)


def message_text(line: str, n: int) -> str:
    """The text of one stdin line's user message (its text blocks joined by blank lines)."""
    where = f"--input-format stream-json: stdin line {n}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as err:
        raise BadInput(f"{where} is not JSON ({err.msg} at column {err.colno})") from None
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("type") != "user" or not isinstance(message, dict):
        raise BadInput(f'{where}: expected {{"type": "user", "message": {{"role": "user", '
                       f'"content": ...}}}}, got {line.strip()[:80]}')
    content = message.get("content")
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        kinds = {b.get("type") if isinstance(b, dict) else type(b).__name__ for b in content}
        if kinds - {"text"}:
            raise BadInput(f"{where}: only text content blocks are supported, got "
                           f"{', '.join(sorted(map(str, kinds - {'text'})))}")
        text = "\n\n".join(str(b.get("text", "")) for b in content)
    else:
        raise BadInput(f"{where}: message.content must be a string or a list of text blocks")
    if not text.strip():
        raise BadInput(f"{where}: the message has no text")
    return text
