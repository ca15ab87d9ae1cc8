"""The wire under the model client: what makes a reply whole, and how long to wait for it.

    server bytes ─► Watched transport ──► SDK's SSE decoder ──► honest_stream ──► chunks
                    (Watch: idle, total)                       ([DONE]? pings? not JSON?)

A reply is whole only with its finish reason and, on a stream, its `data: [DONE]`; anything
else (a cut, HTML, an empty body, a line that is not JSON) is a `BadReply`, which the client
retries and then reports. `honest_stream` is the SDK's `Stream` taught to tell [DONE] apart
from a cut, to skip pings and empty data lines, and to call a bad line a `BadReply`.
A `Watch` holds the deadlines of the request in flight: `--timeout` seconds without progress
(a streamed chunk; a ping or a comment is not progress), and TOTAL_SPANS times that in all,
so neither a silent server nor one that drips bytes holds the user past what they chose.
The `watched` transport checks it as each piece of the body arrives. A stall is a `Stalled`,
reported at once and never retried: the user's patience was the limit, not the server's luck.
Claude Code counterpart: its API client's stream checks and request timeout (API_TIMEOUT_MS).
"""

from __future__ import annotations

import json
import threading
import time

from agent.model.errors import one_line

TOTAL_SPANS = 10  # a whole request may last this many timeouts, however the bytes trickle in


class Watch:
    """The deadlines of one request: `idle` seconds without progress (a streamed chunk; any
    byte of a whole reply), `total` seconds in all. httpx's own read timeout ends a silent
    server; this ends one that keeps sending keep-alives or one byte at a time."""

    def __init__(self, idle: float, total: float, streaming: bool) -> None:
        self.start = self.progress = time.monotonic()
        self.idle, self.total, self.streaming = idle, total, streaming

    def check(self) -> None:
        now = time.monotonic()
        if now - self.start > self.total:
            raise Stalled(f"was still sending its reply after {self.total:g} s "
                           f"({TOTAL_SPANS} x --timeout)")
        if now - self.progress > self.idle:
            raise Stalled(f"sent no part of a reply for {self.idle:g} s, only keep-alive bytes")


class Stalled(Exception):
    """A request past its deadline (`Watch`): reported at once, never retried."""


def stall_in(err: BaseException, timeout: float) -> str | None:
    """Why the request stalled, when `err` is, or wraps, a stall or a timeout."""
    import openai

    seen = err
    while seen is not None:
        if isinstance(seen, Stalled):
            return str(seen)
        if isinstance(seen, openai.APITimeoutError) or type(seen).__name__.endswith("Timeout"):
            return f"sent nothing for {timeout:g} s"
        seen = seen.__cause__ or seen.__context__
    return None


def http_library():
    """The HTTP library under the SDK: httpx for openai 1.x and 2.x, httpx2 for 3.x."""
    import importlib

    import openai

    client = next(c for c in openai.DefaultHttpxClient.__mro__ if c.__name__ == "Client")
    return importlib.import_module(client.__module__.split(".")[0])


def watched(flight: threading.local):
    """An httpx transport whose response bytes pass `flight.watch.check()` as they come."""
    httpx = http_library()

    class Watched(httpx.HTTPTransport):
        def handle_request(self, request):
            response = super().handle_request(request)
            watch = getattr(flight, "watch", None)
            if watch is None:
                return response
            watch.check()
            inner = response.stream

            class Checked(httpx.SyncByteStream):
                def __iter__(self):
                    for piece in inner:
                        watch.check()
                        if not watch.streaming:
                            watch.progress = time.monotonic()
                        yield piece

                def close(self) -> None:
                    inner.close()

            return httpx.Response(response.status_code, headers=response.headers,
                                  stream=Checked(), extensions=response.extensions)

    return Watched()


class BadReply(Exception):
    """The server answered, but not with a whole chat reply: cut before its end, empty, not
    JSON, HTML. Worth another try; the last one is reported, never taken for an answer."""


def honest_stream():
    """An SDK stream that knows whether it saw [DONE], skips events with no data (pings,
    keep-alives; comments never reach it), and calls a line that is not JSON a bad reply
    instead of raising a JSONDecodeError at the user."""
    global _HONEST_CLASS
    if _HONEST_CLASS is None:
        import typing

        import openai

        T = typing.TypeVar("T")

        class HonestStream(openai.Stream[T]):
            done = False

            def __stream__(self):
                try:
                    for sse in self._iter_events():
                        data = sse.data.strip()
                        if not data:
                            continue
                        if data.startswith("[DONE]"):
                            self.done = True
                            break
                        try:
                            item = json.loads(data)
                        except json.JSONDecodeError:
                            raise BadReply(f"a line of its stream is not JSON: "
                                            f"{one_line(data, 80)!r}") from None
                        if isinstance(item, dict) and item.get("error"):
                            error = item["error"]
                            message = error.get("message") if isinstance(error, dict) else error
                            raise openai.APIError(message=str(message or error),
                                                  request=self.response.request, body=error)
                        yield item
                finally:
                    self.response.close()
        _HONEST_CLASS = HonestStream
    return _HONEST_CLASS


_HONEST_CLASS = None


class StreamBroken(Exception):
    """The response started, then the connection failed while the stream was being read."""


def transport_errors() -> tuple[type[BaseException], ...]:
    import openai

    # subtle: openai 3.x wraps a broken stream in APIConnectionError; 1.x/2.x let httpx's own
    # error escape from the iterator, so catch that too when httpx is installed.
    try:
        import httpx
    except ImportError:
        return (openai.APIConnectionError,)
    return (openai.APIConnectionError, httpx.TransportError)
