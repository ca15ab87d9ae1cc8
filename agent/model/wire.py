"""The wire under the model client: what makes a reply whole, and how long to wait for it.

    server bytes ─► Watched transport ──► agent/model/sse.py ──► chunks (dicts)
                    (Watch: idle, total)    ([DONE]? pings? not JSON?)

A reply is whole only with its finish reason and, on a stream, its `data: [DONE]`; anything
else (a cut, HTML, an empty body, a line that is not JSON) is a `BadReply`, which the client
retries and then reports (the event stream itself is read by agent/model/sse.py).
A `Watch` holds the deadlines of the request in flight: `--timeout` seconds without progress
(a streamed chunk; a ping or a comment is not progress), and TOTAL_SPANS times that in all,
so neither a silent server nor one that drips bytes holds the user past what they chose.
The `watched` transport checks it as each piece of the body arrives. A stall is a `Stalled`,
reported at once and never retried: the user's patience was the limit, not the server's luck.
Claude Code counterpart: its API client's stream checks and request timeout (API_TIMEOUT_MS).
"""

from __future__ import annotations

import threading
import time

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


class StreamBroken(Exception):
    """The response started, then the connection failed while the stream was being read."""


def transport_errors() -> tuple[type[BaseException], ...]:
    """What a connection that fails while the body is read raises: the HTTP library's own
    errors (the stream is read from its response directly, agent/model/sse.py)."""
    import openai

    return (openai.APIConnectionError, http_library().TransportError)
