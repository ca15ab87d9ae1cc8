"""Reference solution of exercises/09_keep_last: a compaction strategy that keeps the system
prompt and the last KEEP turns of the model (each reply with the results of its calls)."""

KEEP = 4


def keep_last(messages: list[dict], job) -> list[dict]:
    replies = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    if len(replies) <= KEEP:
        return messages
    cut = replies[-KEEP]  # before a reply: every call after it has its results after it
    request = next(m for m in reversed(messages[:cut]) if m["role"] == "user")
    note = (f"[{cut - 1} earlier messages were dropped to save context. The last request "
            f"before them was:]\n\n{request.get('content') or ''}")
    return [messages[0], {"role": "user", "content": note}, *messages[cut:]]


def register(session) -> None:
    session.add_strategy("keep_last", keep_last)
