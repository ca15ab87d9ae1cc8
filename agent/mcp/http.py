"""The Streamable HTTP transport: the MCP server is a URL, and each message is one POST.

    POST /mcp  {"jsonrpc": "2.0", "id": 1, "method": "initialize", ...}
           ◄── 200, Mcp-Session-Id: 3f2a...      and the answer, as either
               Content-Type: application/json      the one message, or
               Content-Type: text/event-stream     events, `data: {...}` each, until the answer
    POST /mcp  {"jsonrpc": "2.0", "method": "notifications/initialized"}   ◄── 202, no body
    DELETE /mcp   Mcp-Session-Id: 3f2a...          the session ends (on close)

Every POST after the handshake carries the session id the server gave (Mcp-Session-Id) and
the protocol version it chose (MCP-Protocol-Version). A request's POST is sent and read by a
thread of its own, which hands each message of the reply to the client as it comes, so the
client waits for it, times it out and cancels it exactly as over stdio, and calls from several
threads go side by side. A notification, or an answer to the server's own request (a ping),
is a short POST that the server accepts with 202 and no body; it is sent at once.

Errors say the URL: unreachable, an HTTP status of 400 or more (404 once a session is open:
the server forgot it, so the server is gone for this client), a reply that is neither JSON
nor an event stream, a stream that ends before the answer. `timeout` is the seconds of
silence a connection may keep before it is given up; a call's own timeout is the client's.
Simplified: the standard library's http.client, one connection per POST (no keep-alive).
Not covered: the GET stream for messages the server sends unasked (so a list_changed is
heard only inside a reply), resuming a broken stream (Last-Event-ID), OAuth (fixed headers
such as `Authorization: Bearer ...` are sent as given), the older HTTP+SSE transport.
Claude Code counterpart: the `http` transport of its MCP client.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.client import HTTPConnection, HTTPSConnection
from urllib.parse import urlsplit

from agent.mcp.client import MAX_MESSAGE, McpError, ServerGone

ACCEPT = "application/json, text/event-stream"
SHORT = 10.0  # seconds for a POST the server only accepts (202): a notification, an answer
HINTS = {401: "; the server wants credentials: set its \"headers\" (Authorization)",
         403: "; the credentials in its \"headers\" are refused",
         404: "; is the URL right? MCP endpoints often end in /mcp",
         405: "; is this an MCP endpoint? it does not take POST"}


class HttpTransport:
    """A server at `url`, spoken to with POSTs; `headers` go with each (e.g. Authorization)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None,
                 timeout: float = 600.0) -> None:
        self.url = url
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.session_id: str | None = None
        self.protocol_version: str | None = None
        """The version the server chose in its initialize answer, sent from then on."""
        self._receive: Callable[[str], None] | None = None
        self._lost: Callable[[str, int | None], None] | None = None
        self._live: set[HTTPConnection] = set()
        self._lock = threading.Lock()

    def open(self, receive: Callable[[str], None], lost: Callable[[str, int | None], None]) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise McpError(f"{self.url!r} is not an http:// or https:// URL; check the "
                           "server's url")
        self._receive, self._lost = receive, lost

    def send(self, message: dict) -> None:
        if "method" in message and "id" in message:  # a request: its answer may take a while
            threading.Thread(target=self._exchange, args=(message,), daemon=True,
                             name=f"mcp-http-{message['id']}").start()
        else:
            self._post(message, SHORT)

    def close(self) -> None:
        """End the session (DELETE, which a server may refuse), and drop open connections."""
        if self.session_id is not None:
            with contextlib.suppress(McpError):  # refused (405) or unreachable: nothing to end
                connection, response = self._open("DELETE", None, self._headers(), timeout=5.0)
                response.read()
                self._forget(connection)
            self.session_id = None
        with self._lock:
            live = list(self._live)
        for connection in live:  # wakes the threads still reading a reply
            with contextlib.suppress(OSError, AttributeError):
                connection.sock.shutdown(socket.SHUT_RDWR)

    # ---- one POST and its reply

    def _exchange(self, request: dict) -> None:
        try:
            self._post(request)
        except ServerGone as err:
            self._lost(str(err), None)
        except McpError as err:
            self._lost(str(err), request["id"])

    def _post(self, message: dict, timeout: float | None = None) -> None:
        """POST one message; hand what the reply holds to the client, up to the answer."""
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        headers = self._headers() | {"Content-Type": "application/json", "Accept": ACCEPT}
        connection, response = self._open("POST", body, headers, timeout)
        is_request = "method" in message and "id" in message
        try:
            self.session_id = response.getheader("Mcp-Session-Id") or self.session_id
            kind = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
            if response.status == 202 or not kind:
                response.read()
                answered = False
            elif kind == "application/json":
                text = response.read(MAX_MESSAGE + 1)
                if len(text) > MAX_MESSAGE:
                    raise McpError(f"{self.url} sent a reply of more than "
                                   f"{MAX_MESSAGE // 2**20} MB")
                answered = self._deliver(text.decode("utf-8", errors="replace"), message)
            elif kind == "text/event-stream":
                answered = any(self._deliver(data, message) for data in self._events(response))
            else:
                raise McpError(f"{self.url} replied with {kind!r}, neither JSON nor an event "
                               "stream; is this an MCP endpoint?")
        except (OSError, http.client.HTTPException) as err:
            raise McpError(f"{self.url} stopped answering: {_reason(err)}") from None
        finally:
            self._forget(connection)
        if is_request and not answered:
            raise McpError(f"{self.url} ended its reply to {message['method']} without the "
                           "answer; try again")

    def _deliver(self, text: str, sent: dict) -> bool:
        """Hand one message to the client; True when it is the answer to `sent`."""
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        answer = (isinstance(message, dict) and "id" in sent and message.get("id") == sent["id"]
                  and "method" not in message)
        if answer and sent.get("method") == "initialize":  # before the client, woken, goes on
            result = message.get("result") if isinstance(message.get("result"), dict) else {}
            self.protocol_version = result.get("protocolVersion")
        self._receive(text)
        return answer

    def _events(self, response: http.client.HTTPResponse) -> Iterator[str]:
        """The data of each message event of an event stream, as the events come."""
        data: list[str] = []
        kind, size = "message", 0
        while line := response.readline(MAX_MESSAGE + 1):
            size += len(line)
            if size > MAX_MESSAGE:
                raise McpError(f"{self.url} sent an event of more than {MAX_MESSAGE // 2**20} MB")
            line = line.decode("utf-8", errors="replace").rstrip("\r\n")
            if not line:  # the end of an event
                text = "\n".join(data)
                if kind == "message" and text.strip():  # not a priming event (an id, no data)
                    yield text
                data, kind, size = [], "message", 0
            elif not line.startswith(":"):  # ":" opens a comment, a keep-alive
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "data":
                    data.append(value)
                elif field == "event":
                    kind = value

    def _headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.session_id is not None:
            headers["Mcp-Session-Id"] = self.session_id
        if self.protocol_version is not None:
            headers["MCP-Protocol-Version"] = self.protocol_version
        return headers

    def _open(self, method: str, body: bytes | None, headers: dict[str, str],
              timeout: float | None = None) -> tuple[HTTPConnection, http.client.HTTPResponse]:
        """Send the request; the connection and the response, once its status is good."""
        parts = urlsplit(self.url)
        kind = HTTPSConnection if parts.scheme == "https" else HTTPConnection
        connection = kind(parts.hostname, parts.port, timeout=timeout or self.timeout)
        with self._lock:
            self._live.add(connection)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            detail = "" if response.status < 400 else _first_line(response.read(300))
        except (OSError, http.client.HTTPException) as err:
            self._forget(connection)
            raise McpError(f"cannot reach {self.url}: {_reason(err)}; is the server running "
                           "there?") from None
        if response.status < 400:
            return connection, response
        self._forget(connection)
        if response.status == 404 and self.session_id is not None:
            raise ServerGone(f"{self.url} no longer knows this session (HTTP 404); connect again")
        raise McpError(f"{self.url} answered HTTP {response.status} {response.reason}"
                       f"{f' ({detail})' if detail else ''}{HINTS.get(response.status, '')}")

    def _forget(self, connection: HTTPConnection) -> None:
        with self._lock:
            self._live.discard(connection)
        connection.close()


def _reason(err: Exception) -> str:
    return (getattr(err, "strerror", None) or str(err) or type(err).__name__).lower()


def _first_line(body: bytes) -> str:
    lines = body.decode("utf-8", errors="replace").strip().splitlines()
    return lines[0][:200] if lines else ""
