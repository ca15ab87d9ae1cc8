"""<system-reminder>: what the harness tells the model inside a message, and how to take it off.

    fix the failing test                                        the user's words, then
    <system-reminder>Today's date is 2026-12-05.</system-reminder>    facts the harness added

The harness adds facts the model should know to the end of a message that is being appended
anyway: today's date or a git status that moved (with the next prompt), a hook's context or
the todo list restated (after a tool result). Never to an earlier message, and never as a
message of its own: the history stays append-only, so the server's prompt cache holds.
The same text reads them back: the user's own words of a prompt (for /resume, /rewind and
the session list), and a prompt compared without them (the semantic cache).
Claude Code counterpart: its <system-reminder> blocks.
"""

from __future__ import annotations

import re

OPEN, CLOSE = "<system-reminder>", "</system-reminder>"
SEPARATOR = "\n\n"
_BLOCK = re.compile(r"\s*<system-reminder>.*?</system-reminder>", re.S)


def remind(text: str, facts) -> str:
    """`text` with each non-empty fact appended in a reminder block of its own."""
    return text + "".join(f"{SEPARATOR}{OPEN}{fact}{CLOSE}" for fact in facts if fact)


def own_words(text: str) -> str:
    """The text before the first reminder: what the user (or the tool) wrote."""
    return text.split(SEPARATOR + OPEN)[0]


def without_reminders(text: str) -> str:
    """The text with every reminder block taken out."""
    return _BLOCK.sub("", text)
