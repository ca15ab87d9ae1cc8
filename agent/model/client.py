"""The model client for any OpenAI-compatible server: Ollama, vLLM, llama.cpp, OpenAI, ...

`OpenAICompatible` implements the `Model` protocol of `agent.model.types` on the `openai` SDK: it
sends the history and the tool schemas to `/chat/completions`, streams the reply back
(assembled by `agent.model.stream`), retries what is worth retrying, and turns every failure into
a `ModelError` whose one line says what to do.

Two choices worth knowing:
- The request goes through the SDK's low-level `client.post` with a body we serialize
  ourselves, and the reply comes back as the raw HTTP response, whose JSON we read
  (agent/model/sse.py for a stream). `chat.completions.create` re-validates and transforms
  the whole history on every call, which grows with the conversation, and the SDK's stream
  builds objects per chunk (measured in docs/23-speed.md); the SDK still does the HTTP, the
  auth header and the error classes of a failed status.
- Retries are ours alone (the SDK client is built with `max_retries=0`), so that each one is
  reported as a `Retry` event and a stream that breaks mid-way is retried too. When they are
  spent on errors worth retrying and a fallback model is set, the request goes to it once,
  through the same retries, announced by a `Fallback` event.

Reading the errors and wording them is agent.model.errors; assembling replies is agent.model.stream.
Simplified: when the server reports no usage, tokens are estimated as characters / 4; the
fallback is tried per request (the main model gets every new request first).
Not covered: `tool_choice`, `n` > 1, images, an async client.
Claude Code counterpart: its Anthropic API client with streaming and retry/backoff.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import random
import threading
import time
from dataclasses import replace

from agent.model.errors import (ContextOverflow, RetriesExhausted, is_overflow, one_line,
                                overflow_message, reason, retry_after, server_message,
                                status_message, unreachable_message)
from agent.model.types import Emit, Fallback, ModelError, Reply, Retry, Timing, Usage, Waiting
from agent.model.stream import assemble, from_completion, has_token
from agent.model.think_tags import ThinkSplitter
from agent.model.sse import Chunks, StreamError
from agent.model.wire import (TOTAL_SPANS, BadReply, Stalled, StreamBroken, Watch, http_library,
                              stall_in, transport_errors, watched)

MAX_DELAY = 8.0  # backoff cap, seconds
DEFAULT_TIMEOUT = 600.0  # seconds of silence: a CPU server may read a long prompt that long
CONNECT_TIMEOUT = 30.0  # at most, to open the connection
# What the SDK's `with_raw_response` sends: the HTTP response comes back unparsed, and we
# read its JSON ourselves, without building SDK objects.
RAW_RESPONSE = {"X-Stainless-Raw-Response": "true"}


class OpenAICompatible:
    """A `Model` served over the OpenAI chat-completions protocol."""

    def __init__(self, base_url: str, api_key: str, model: str, stream: bool = True,
                 max_retries: int = 3, timeout: float = DEFAULT_TIMEOUT,
                 extra_body: dict | None = None,
                 retry_delay: float = 0.5, fallback_model: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.name = model
        self.stream = stream
        self.max_retries = max_retries
        self.timeout = timeout
        self.extra_body = extra_body or {}
        self.retry_delay = retry_delay
        self.fallback_model = fallback_model
        self._client = None  # the SDK client, built on first use: `import openai` is slow
        self._sends_bytes = False
        self._opens_think: set[str] = set()  # models whose chat template opens <think> itself
        self._flight = threading.local()  # .watch: the deadlines of this thread's request

    def complete(self, messages: list[dict], tools: list[dict], emit: Emit) -> Reply:
        try:
            return self._complete_with(self.name, messages, tools, emit)
        except RetriesExhausted as err:
            fallback = self.fallback_model
            if not fallback or fallback == self.name:
                raise
            emit(Fallback(self.name, fallback, str(err)))
            try:
                return self._complete_with(fallback, messages, tools, emit)
            except ModelError as second:
                raise type(second)(f"{err}; the fallback model {fallback!r} failed too: {second}",
                                   second.status) from None

    def _complete_with(self, model: str, messages: list[dict], tools: list[dict],
                       emit: Emit) -> Reply:
        import openai

        body = self.request_body(messages, tools, model)
        n_attempts = max(1, self.max_retries + 1)
        for attempt in range(1, n_attempts + 1):
            try:
                reply = self._send(model, body, emit)
                break
            except (openai.APIError, StreamBroken, BadReply, Stalled, StreamError) as err:
                stall = stall_in(err, self.timeout)
                if stall:  # the user's patience is spent: another try would spend it again
                    raise ModelError(self._stall_message(stall)) from None
                self._drop_connections()  # the next try starts on a connection of its own
                delay, error = self._retry_or_raise(err, model, attempt, n_attempts)
            # Text already emitted by a stream that broke is emitted again by the retry: the
            # renderer shows it twice, the history gets only the complete reply.
            # Ctrl-C (KeyboardInterrupt) is never caught: not here, not in the wait.
            emit(Retry(attempt, delay, error))
            time.sleep(delay)
        if reply.usage is None:
            reply = _with_estimated_usage(reply, body)
        return reply

    def _retry_or_raise(self, err: Exception, model: str, attempt: int,
                        n_attempts: int) -> tuple[float, str]:
        """How long to wait before the next attempt and why; or the `ModelError` to give up with."""
        import openai

        last = attempt == n_attempts
        if isinstance(err, openai.APIStatusError):
            status = err.status_code
            if status != 429 and is_overflow(err):  # the same prompt will not fit next time
                raise ContextOverflow(overflow_message(err, self.base_url, model), status) from None
            if status != 429 and status < 500:  # 400, 401, 404: same answer next time
                raise ModelError(status_message(err, self.base_url, model), status) from None
            if last:
                raise RetriesExhausted(f"{status_message(err, self.base_url, model)} (gave up "
                                       f"after {attempt} attempts)", status) from None
            wait = retry_after(err)
            delay = self._backoff(attempt) if wait is None else wait
            return delay, f"HTTP {status}: {server_message(err)}"
        if isinstance(err, BadReply):
            if last:
                raise RetriesExhausted(f"The model server at {self.base_url} did not send a whole "
                                       f"reply: {err}; gave up after {attempt} attempts.") from None
            return self._backoff(attempt), f"not a whole reply: {err}"
        if isinstance(err, StreamBroken):
            if last:
                raise RetriesExhausted(f"The model server at {self.base_url} broke off the reply "
                                       f"mid-stream ({reason(err.__cause__)}); gave up after "
                                       f"{attempt} attempts.") from None
            return self._backoff(attempt), f"stream broke off: {reason(err.__cause__)}"
        if isinstance(err, openai.APIConnectionError):  # includes APITimeoutError
            if last:
                raise RetriesExhausted(unreachable_message(err, self.base_url, self.timeout,
                                                           attempt)) from None
            return self._backoff(attempt), reason(err)
        # e.g. an error object inside the stream: the server's verdict, not a network hiccup
        message = str(err) if isinstance(err, StreamError) else err.message
        raise ModelError(f"The model server at {self.base_url} reported an error: "
                         f"{one_line(message)}") from None

    def _stall_message(self, stall: str) -> str:
        return (f"The model server at {self.base_url} {stall}; stopped waiting (--timeout "
                f"{self.timeout:g}, also AGENT_TIMEOUT or the \"timeout\" setting). Is it "
                "overloaded or still loading the model? A slow CPU server may need more.")

    def request_body(self, messages: list[dict], tools: list[dict],
                     model: str | None = None) -> bytes:
        """The exact bytes sent: compact JSON, keys in a fixed order, so equal input gives equal
        bytes (a stable prefix is what a server's prompt cache can reuse)."""
        body: dict = {"model": model or self.name, "messages": messages}
        if tools:
            body["tools"] = tools
        body["stream"] = self.stream
        if self.stream:
            body["stream_options"] = {"include_usage": True}
        body.update(self.extra_body)
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    def _send(self, model: str, body: bytes, emit: Emit) -> Reply:
        client = self._sdk_client()
        start, first = time.monotonic(), []
        emit(Waiting(model, self.base_url))
        watch = self._flight.watch = Watch(self.timeout, self.timeout * TOTAL_SPANS, self.stream)
        if self._sends_bytes:
            payload = {"content": body, "options": {"headers": {
                "Content-Type": "application/json", **RAW_RESPONSE}}}
        else:  # older SDKs have no `content=`: hand over the dict and let them serialize it
            payload = {"body": json.loads(body), "options": {"headers": RAW_RESPONSE}}
        response = client.post("/chat/completions", cast_to=object, stream=self.stream,
                               **payload).http_response
        think = ThinkSplitter(opened=model in self._opens_think)
        if not self.stream:
            reply = from_completion(_completion(response), emit, think)
        else:
            try:
                reply = self._read_stream(response, first, watch, emit, think)
            finally:
                response.close()
        if reply.finish_reason is None:
            raise BadReply("the reply has no finish reason (no choices, or cut)")
        if think.lone_close:  # the template opened the thinking: start there from now on
            self._opens_think.add(model)
        timing = replace(reply.timing or Timing(), total_s=time.monotonic() - start,
                         first_token_s=first[0] - start if first else None)
        return replace(reply, timing=timing)

    def _read_stream(self, response, first: list[float], watch: Watch, emit: Emit,
                     think: ThinkSplitter) -> Reply:
        kind = response.headers.get("content-type", "")
        chunks = Chunks(response.iter_bytes())
        try:
            if "event-stream" not in kind and "json" not in kind:
                text = response.read().decode("utf-8", "replace")
                raise BadReply(f"it answered {kind or 'with no content type'}, not an event "
                               f"stream: {one_line(text, 120)!r}")
            reply = assemble(_stamped(chunks, first, watch), emit, think)
        except transport_errors() as err:  # the connection failed while the body came
            raise StreamBroken() from err
        if not chunks.done:
            raise BadReply("the stream ended before its [DONE]: cut" + (
                f" after {len(reply.text)} characters" if reply.text else ""))
        # subtle: read the body to its end, or the connection is closed instead of kept for
        # the next request (a new connection each turn: ~1 ms here, more over a network).
        with contextlib.suppress(Stalled, *transport_errors()):  # the reply is whole already
            chunks.rest()
        return reply

    def _drop_connections(self) -> None:
        """Forget the kept connections after a failed try: one that carried a broken reply
        may look reusable (its body was whole by Content-Length) while the server is
        closing it, and a retry sent on it would fail for that alone."""
        if self._client is not None:
            with contextlib.suppress(Exception):  # closing what is broken may fail too
                self._client.close()
            self._client = None

    def _sdk_client(self):
        if self._client is None:
            import openai

            httpx = http_library()
            timeout = httpx.Timeout(self.timeout, connect=min(self.timeout, CONNECT_TIMEOUT))
            self._client = openai.OpenAI(
                base_url=self.base_url, api_key=self.api_key, max_retries=0, timeout=timeout,
                http_client=openai.DefaultHttpxClient(transport=watched(self._flight),
                                                      timeout=timeout))
            self._sends_bytes = "content" in inspect.signature(self._client.post).parameters
        return self._client

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: the nth wait is between half and all of base * 2^(n-1)."""
        delay = min(MAX_DELAY, self.retry_delay * 2 ** (attempt - 1))
        return delay / 2 + random.uniform(0, delay / 2)


def _stamped(chunks, first: list[float], watch: Watch):
    """The chunks, noting when the first piece of the answer came (time to first token) and
    that the reply is moving (a ping or a comment is not a chunk: it does not count)."""
    for chunk in chunks:
        watch.progress = time.monotonic()
        if not first and has_token(chunk):
            first.append(watch.progress)
        yield chunk


def _completion(response) -> dict:
    """The JSON object of a whole (non-streamed) reply; `BadReply` for anything else."""
    try:
        completion = json.loads(response.content)
    except ValueError as err:  # not JSON, or not UTF-8
        if "json" in response.headers.get("content-type", ""):
            raise BadReply(f"its answer is not JSON ({err})") from None
        completion = None
    if not isinstance(completion, dict):  # HTML or text with status 200
        text = response.content.decode("utf-8", "replace")
        raise BadReply(f"it answered with text, not a chat completion: {one_line(text, 120)!r}")
    return completion


def _with_estimated_usage(reply: Reply, body: bytes) -> Reply:
    # An estimate (about 4 characters per token), not a count; tiktoken will replace it.
    completion = len(reply.text) + sum(len(c.name) + len(c.arguments) for c in reply.tool_calls)
    usage = Usage(prompt_tokens=len(body) // 4, completion_tokens=completion // 4)
    return replace(reply, usage=usage)
