"""A streamed reply read as JSON chunks, straight from the bytes: no SDK object per chunk.

    HTTP body, in pieces ─► lines ─► events ─► Chunks: one dict per event, until [DONE]
      (split anywhere,      (LF, CRLF   (data: lines joined;
       mid-line, mid-UTF-8)  or CR)      a blank line ends one)

The SDK's own stream decodes each event into a `ServerSentEvent` and then into a pydantic
object; the client needs neither, only the dicts that agent/model/stream.py assembles. What
servers send, and what is made of it (the SSE standard's rules, as the SDK applies them):

    data: {...}   or   data:{...}        one event's data (several data lines: joined by "\n")
    : keep-alive                         a comment: skipped
    event: ping, id: 7, retry: 100       other fields: skipped; an event with no data is none
    data: (empty)                        skipped: a keep-alive too
    data: [DONE]                         the end of the reply: `Chunks.done` becomes True
    data: {"error": {...}}               the server's verdict: `StreamError`, not retried
    data: {not json                      `BadReply` (agent/model/wire.py): retried
    an event still open when the body ends   dropped, as the standard says: a stream whose
                                         [DONE] has no blank line after it is a cut one

Lines are split on bytes and decoded per event, so a piece that ends inside a line, a CRLF
or a UTF-8 character is put together first. Finding line ends looks only at the new piece:
a long line arriving in many pieces costs its length, not its length squared.
Not covered: the `event:` name is not looked at (the Assistants API's `thread.` events).
Claude Code counterpart: the SSE reader of its API client.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from agent.model.errors import one_line
from agent.model.wire import BadReply

_LINE_END = re.compile(rb"\r\n|\r|\n")


class StreamError(Exception):
    """An `{"error": ...}` object inside the stream: the server's verdict on this request."""


def lines(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a byte stream, wherever its pieces break. A last line with no end of line
    is not returned: an event it belonged to could not be complete."""
    start: list[bytes] = []  # the pieces of a line whose end has not come yet
    after_cr = False
    for piece in pieces:
        if after_cr and piece[:1] == b"\n":  # subtle: the second half of a CRLF cut in two
            piece = piece[1:]
        after_cr = piece[-1:] == b"\r"
        found = _LINE_END.split(piece)
        if len(found) == 1:
            start.append(piece)
            continue
        start.append(found[0])
        yield b"".join(start)
        yield from found[1:-1]
        start = [found[-1]]


def events(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The data of each event that has some (its data lines joined by a newline)."""
    data: list[bytes] = []
    for line in lines(pieces):
        if not line:  # a blank line ends the event
            if data:
                yield b"\n".join(data)
                data = []
            continue
        name, _, value = line.partition(b":")  # a comment (": ...") has no name
        if name == b"data":  # "data" alone is a data field with an empty value
            data.append(value[1:] if value[:1] == b" " else value)


class Chunks:
    """The chunks of one streamed reply, as dicts, read from the body's pieces. `done` tells
    a reply that ended with its [DONE] from one that was cut; `rest()` reads what follows
    [DONE] (the end of the HTTP body), so that the connection can serve the next request."""

    def __init__(self, pieces: Iterable[bytes]) -> None:
        self._pieces = iter(pieces)
        self.done = False

    def __iter__(self) -> Iterator[dict]:
        for data in events(self._pieces):
            data = data.strip()
            if not data:
                continue
            if data.startswith(b"[DONE]"):
                self.done = True
                return
            try:
                item = json.loads(data)
            except ValueError:  # not JSON, or not UTF-8
                text = data.decode("utf-8", "replace")
                raise BadReply(f"a line of its stream is not JSON: {one_line(text, 80)!r}") from None
            if isinstance(item, dict) and item.get("error"):
                error = item["error"]
                message = error.get("message") if isinstance(error, dict) else error
                raise StreamError(str(message or error))
            yield item

    def rest(self) -> None:
        for _ in self._pieces:
            pass
