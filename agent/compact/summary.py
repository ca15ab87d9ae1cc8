"""What a compaction leaves in place of the history: the summary prompt, a listing, and the
compaction message itself.

A summary is written by the model from SUMMARY_PROMPT (agent/compact/ladder.py sends it). When
there is no model (the offline benchmark), the model fails, or its reply is not a summary
(small models sometimes answer with a tool call written as text), `listing` is used instead:
the user's requests, the model's own notes and the calls made, with the lines of an earlier
summary carried over, cut to a limit oldest-first.

The compaction message, the user message that replaces the history, always reads:

    [This conversation was compacted: ...]           NOTE: what marks it as one
    <summary>...</summary>                           the next compaction carries these lines
    <memory-file ...>                                memory loaded from subfolders (if any)
    The user's latest request, word for word:        REQUEST, when the request would be lost
    ...

`is_compaction` recognises it and `latest_request` finds the user's own last words behind it,
so that a compaction never quotes an earlier one as the user's request (summaries nested in
summaries grew without bound on a long session before this).
Claude Code counterpart: the compaction prompt of /compact and autocompact.
"""

from __future__ import annotations

import re

from agent.model.reminders import without_reminders
from agent.model.types import Reply
from agent.tools.capping import cap

SUMMARY_PROMPT = """\
The context window is full, so the conversation so far will be replaced by your summary. \
Write it now, for yourself, so that you can carry on the work from it alone. Use these headings:

## Goal
What the user asked for, in their words where it matters.
## Decisions
What was decided and why; constraints the user gave.
## Files touched
Each file read or changed, and what about it matters.
## Current state
What is done, what was checked and how, what still fails.
## Next steps
What to do next, in order.

Be specific: names, paths, numbers, error messages. Do not call tools."""

NOTE = "[This conversation was compacted"
REQUEST = "The user's latest request, word for word:\n"


LISTING = "## Summary (written without a model: a listing of what happened)"
SUMMARY = re.compile(r"<summary>\n(.*?)\n</summary>", re.DOTALL)


def is_compaction(message: dict) -> bool:
    """Whether `message` is a compaction message (it opens with NOTE)."""
    return message.get("role") == "user" and str(message.get("content") or "").startswith(NOTE)


def carried_request(content: str) -> str:
    """The user's request a compaction message carries after its summary, or ''."""
    _, _, after = content.partition("\n</summary>")
    _, found, request = after.partition(REQUEST)
    return without_reminders(request).strip() if found else ""


def latest_request(messages: list[dict]) -> str:
    """The user's own words of their latest request in `messages`: a compaction message counts
    only for the request it carries, and the harness's reminders are not the user's words."""
    for m in reversed(messages):
        if m.get("role") != "user":
            continue
        content = str(m.get("content") or "")
        words = carried_request(content) if is_compaction(m) else without_reminders(content).strip()
        if words:
            return words
    return ""


def listing(head: list[dict], limit: int = 8000) -> str:
    """A summary without a model: the user's requests, the model's notes and the calls made,
    an earlier listing carried over, and at most `limit` characters: past it, the oldest
    calls go first, then the oldest notes, then the oldest requests (a stated count)."""
    lines: list[tuple[str, str]] = []  # (kind, line)
    dropped = 0
    for m in head:
        content = str(m.get("content") or "").strip()
        if is_compaction(m):  # a summary from before: keep its lines, not the note around them
            earlier = SUMMARY.search(content)
            for line in earlier.group(1).splitlines() if earlier else ():
                if gone := DROPPED.fullmatch(line):  # counts add up over compactions
                    dropped += int(gone.group(1))
                elif line.strip() and line != LISTING:
                    lines.append((kind_of(line), line))
            request = f"- User: {cap(carried_request(content), 1000)}"
            if request != "- User: " and request not in (line for _, line in lines):
                lines.append(("user", request))
        elif m.get("role") == "user":
            lines.append(("user", f"- User: {cap(without_reminders(content).strip(), 1000)}"))
        elif m.get("role") == "assistant":
            if content:
                lines.append(("note", f"- Assistant: {cap(content, 600)}"))
            for c in m.get("tool_calls") or ():
                lines.append(("call", f"- Called {c['function']['name']}({c['function']['arguments'][:160]})"))
    for kind in ("call", "note", None):
        while sum(len(line) + 1 for _, line in lines) > limit and lines:
            i = next((i for i, (k, _) in enumerate(lines) if kind is None or k == kind), None)
            if i is None:
                break
            del lines[i]
            dropped += 1
    head_line = [LISTING] + ([f"({dropped} older lines dropped to fit)"] if dropped else [])
    return "\n".join(head_line + [line for _, line in lines])


DROPPED = re.compile(r"\((\d+) older lines dropped to fit\)")


def kind_of(line: str) -> str:
    """The kind of a line carried over from an earlier listing: what goes first past the limit."""
    return "user" if line.startswith("- User: ") else "call" if line.startswith("- Called ") else "note"


def looks_like_summary(reply: Reply) -> bool:
    """A reply with no tool call that names at least two of the summary's headings: small
    models sometimes answer the summary request with a tool call written as text."""
    text = reply.text.lower()
    headings = ("goal", "decision", "files", "current state", "next step")
    return not reply.tool_calls and sum(h in text for h in headings) >= 2


def append_user(messages: list[dict], text: str) -> list[dict]:
    """Add a user message, merged into the last one when that is a user message too: some chat
    templates (Mistral, Gemma) refuse two user messages in a row."""
    if messages and messages[-1].get("role") == "user" and isinstance(messages[-1].get("content"), str):
        return [*messages[:-1], {**messages[-1], "content": f"{messages[-1]['content']}\n\n{text}"}]
    return [*messages, {"role": "user", "content": text}]
