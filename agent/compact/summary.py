"""What a compaction leaves in place of the history: the summary prompt, and a listing.

A summary is written by the model from SUMMARY_PROMPT (agent/compact/ladder.py sends it). When
there is no model (the offline benchmark), the model fails, or its reply is not a summary
(small models sometimes answer with a tool call written as text), `listing` is used instead:
the user's requests, the model's own notes and the calls made, with the lines of an earlier
summary carried over, cut to a limit oldest-first. The summary goes into the history between
`<summary>` tags, so that the next compaction can find it and not nest notes in notes.
Claude Code counterpart: the compaction prompt of /compact and autocompact.
"""

from __future__ import annotations

import re

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


LISTING = "## Summary (written without a model: a listing of what happened)"
SUMMARY = re.compile(r"<summary>\n(.*?)\n</summary>", re.DOTALL)


def listing(head: list[dict], limit: int = 8000) -> str:
    """A summary without a model: the user's requests, the model's notes and the calls made,
    an earlier listing carried over, and at most `limit` characters: past it, the oldest
    calls go first, then the oldest notes, then the oldest requests (a stated count)."""
    lines: list[tuple[str, str]] = []  # (kind, line)
    for m in head:
        content = str(m.get("content") or "").strip()
        earlier = SUMMARY.search(content) if m.get("role") == "user" else None
        if earlier:  # a summary from before: keep its lines, not the note around them
            lines += [("note", line) for line in earlier.group(1).splitlines()
                      if line.strip() and line != LISTING]
        elif m.get("role") == "user":
            lines.append(("user", f"- User: {cap(content, 1000)}"))
        elif m.get("role") == "assistant":
            if content:
                lines.append(("note", f"- Assistant: {cap(content, 600)}"))
            for c in m.get("tool_calls") or ():
                lines.append(("call", f"- Called {c['function']['name']}({c['function']['arguments'][:160]})"))
    dropped = 0
    for kind in ("call", "note", None):
        while sum(len(line) + 1 for _, line in lines) > limit and lines:
            i = next((i for i, (k, _) in enumerate(lines) if kind is None or k == kind), None)
            if i is None:
                break
            del lines[i]
            dropped += 1
    head_line = [LISTING] + ([f"({dropped} older lines dropped to fit)"] if dropped else [])
    return "\n".join(head_line + [line for _, line in lines])


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
