"""A plugin: a compaction strategy that keeps only the last turns, selected by name.

    agent --plugin docs/plugins/keep_last.py --compaction keep_last
    python benchmarks/compaction.py --plugin docs/plugins/keep_last.py --strategy keep_last

A strategy is a function `(messages, job) -> messages` (docs/15-compaction.md): it returns a new
list and never splits a tool call from its result. Cutting just before a user message is
always safe: every call before it has had its result.
"""

KEEP = 3  # user turns


def keep_last(messages: list[dict], job) -> list[dict]:
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    if len(users) <= KEEP:
        return messages
    cut = users[-KEEP]
    first = dict(messages[cut])
    first["content"] = (f"[{cut - 1} earlier messages were dropped to save context.]\n\n"
                        f"{first.get('content') or ''}")
    return [messages[0], first, *messages[cut + 1:]]


def register(session) -> None:
    session.add_strategy("keep_last", keep_last)
