"""Reference solution of exercises/05_redact_secrets: API keys never reach the model."""

import re

from agent.loop.seams import RESHAPE

KEY = re.compile(r"\b(?:sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{36}|AKIA[0-9A-Z]{16})\b")


def redact(call, result: str, is_error: bool) -> str:
    redacted, n = KEY.subn("[REDACTED]", result)
    if not n:
        return result
    return f"{redacted}\n\n({n} secret{'s' if n > 1 else ''} redacted from this result)"


def register(session) -> None:
    # before the result is filed away (RESHAPE) and before the hooks (NORMAL) see it
    session.agent.after_tool.add(redact, at=RESHAPE - 1)
