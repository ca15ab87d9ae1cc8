"""What a failed request means, and the one line that tells the user what to do about it.

The client (agent.model.client) decides whether to retry; this module reads the SDK's error
objects for it: the server's own message inside the many shapes of error bodies, the
`Retry-After` header, why a connection failed, whether a 400 means the prompt no longer fits
the model's context. Two kinds of `ModelError` carry a meaning the caller can act on:

- `ContextOverflow`: the prompt is longer than the model's context. Retrying the same
  request cannot help; shortening the history can (compaction catches this one).
- `RetriesExhausted`: errors worth retrying (429, 5xx, refused connections, timeouts, broken
  streams) kept coming until the retries ran out. A fallback model is tried after this one.

Simplified: context overflow is recognised by the phrases servers use (OpenAI, vLLM,
llama.cpp, LM Studio), not by a standard code, because there is none.
Claude Code counterpart: the error classification of its API client ("prompt is too long").
"""

from __future__ import annotations

import json
import re

from agent.model.types import ModelError

MAX_RETRY_AFTER = 60.0  # a server asking for a longer wait gets this much; then we ask again

# Lower-case phrases in error answers that mean "the prompt does not fit the context".
OVERFLOW_PHRASES = (
    "context_length_exceeded",  # OpenAI's code
    "maximum context length",  # OpenAI, vLLM: "This model's maximum context length is ..."
    "exceed_context_size",  # llama.cpp's error type
    "exceeds the available context size",  # llama.cpp: "request (N tokens) exceeds ..."
    "context size has been exceeded",  # older llama.cpp
    "greater than the context length",  # LM Studio
    "prompt is too long", "input is too long", "too long for the context",
)


class ContextOverflow(ModelError):
    """The prompt does not fit in the model's context window: no retry can fix it."""


class RetriesExhausted(ModelError):
    """Errors worth retrying kept coming until the retries ran out."""


def is_overflow(err) -> bool:
    """True when an error answer says that the prompt is longer than the model's context."""
    body = err.body if isinstance(err.body, str) else json.dumps(err.body)
    text = f"{body} {err.response.text}".lower()
    return any(phrase in text for phrase in OVERFLOW_PHRASES)


def overflow_message(err, base_url: str, model: str) -> str:
    return (f"The prompt is too long for the context of model {model!r} at {base_url} "
            f"({err.status_code}: {server_message(err)}). Raise the server's context size "
            "(llama.cpp: --ctx-size; Ollama: OLLAMA_CONTEXT_LENGTH or num_ctx in a Modelfile; "
            "vLLM: --max-model-len) or shorten the conversation (/clear in the REPL).")


def status_message(err, base_url: str, model: str) -> str:
    status, detail = err.status_code, server_message(err)
    if status == 401:
        return (f"The model server at {base_url} rejected the API key (401: {detail}). "
                "Set --api-key or OPENAI_API_KEY.")
    if status == 404:
        return (f"Model {model!r} or the endpoint {base_url}/chat/completions was "
                f"not found (404: {detail}). Check --model and --base-url.")
    return f"The model server at {base_url} answered {status}: {detail}"


def unreachable_message(err, base_url: str, timeout: float, n_attempts: int) -> str:
    import openai

    if isinstance(err, openai.APITimeoutError):
        return (f"The model server at {base_url} did not answer within {timeout:g} s "
                f"(gave up after {n_attempts} attempts). Is it overloaded or the model "
                "still loading? Try again, or a smaller model.")
    return (f"Cannot reach the model server at {base_url} ({reason(err)}; "
            f"{n_attempts} attempts). Is it running? Start it (e.g. `ollama serve`) or point "
            "--base-url / OPENAI_BASE_URL at your server.")


def retry_after(err) -> float | None:
    """The server's `Retry-After` in seconds (the HTTP-date form is ignored)."""
    try:
        seconds = float(err.response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def server_message(err) -> str:
    """The human part of an error answer: `{"error": {"message": ...}}` and its variants."""
    body = err.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            inner = inner.get("message") or inner.get("detail") or json.dumps(inner)
        return one_line(str(inner))
    if isinstance(body, str) and body:
        return one_line(body)
    return one_line(err.response.text or err.response.reason_phrase or "no details")


def reason(err: BaseException | None) -> str:
    """Why a connection failed, e.g. "connection refused", from the transport's exception."""
    cause = err.__cause__ if err is not None and err.__cause__ is not None else err
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", str(cause or "connection failed"))
    return one_line(text).lower() or type(cause).__name__


def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."
