"""The MCP client: JSON-RPC 2.0 to a server's tools, written by hand, over any transport.

    client = McpClient("files", StdioTransport("python", ["server.py"], None, None))
    client.start()        initialize ──► its result; notifications/initialized ──►
    client.tools()        tools/list, page by page (nextCursor) ──► [McpTool, ...]
    client.call("add", {"a": 1, "b": 2})   tools/call ──► CallResult("3", is_error=False)
    client.close()

Why by hand: the protocol is the lesson, and it is small. A request is `{"jsonrpc": "2.0",
"id": 7, "method": ..., "params": ...}`; the answer carries the same id and a `result` or an
`error`; a notification has no id and gets no answer. The official SDK (`mcp`) is async and
large; it is only a dev dependency, for the real servers the tests check this client against.

How the answers find their callers: each request gets the next integer id and a slot (a
queue of one). The transport hands every message that arrives to `_receive`, on its own
thread; an answer goes to the slot of its id, so calls from several threads at once each get
their own. The server may also speak first: notifications (its tool list changed: `changed`
is set and the next `tools()` lists again; log lines, kept in `log`) and requests (`ping` is
answered, anything else "method not found": this client offers no roots, sampling or
elicitation). A line that is not a JSON object is counted and skipped (`n_malformed`,
`last_malformed`), never fatal.

A call that runs out of time, or that Ctrl-C stops, is given up and the server is told
(notifications/cancelled), so it can stop the work. A server that exits fails every waiting
call with ServerGone, saying how it ended. Each error is one line: the server, what failed,
what to do.
Simplified: one session per client, never resumed or restarted; a late answer to a given-up
call is dropped. Not covered: resources, prompts, progress, roots, sampling, elicitation, the
2025-11-25 additions (tasks, icons), JSON-RPC batches.
Claude Code counterpart: its MCP client (the tools of .mcp.json servers, `claude mcp`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from agent import __version__

PROTOCOL_VERSION = "2025-06-18"
ANSWERABLE = ("2025-06-18", "2025-03-26", "2024-11-05")
"""The versions a server may answer with: tools/list and tools/call are the same in each."""
MAX_MESSAGE = 10 * 1024 * 1024
"""Bytes in one message at most; a server that sends more is stopped (the transports)."""
MAX_PAGES = 100  # of tools/list: a server whose cursor never ends is a broken one
LOG_LINES = 50


class McpError(Exception):
    """One line: what failed, which server, what to do."""


class ServerGone(McpError):
    """The server exited or the connection closed; the message says how (exit code, last
    stderr line)."""


@dataclass(frozen=True)
class McpTool:
    """A tool as the server lists it."""

    name: str
    description: str
    input_schema: dict
    """A JSON schema for the arguments (`inputSchema` on the wire)."""


@dataclass(frozen=True)
class CallResult:
    """What a tools/call gave: its content as text, and whether the tool says it failed."""

    text: str
    is_error: bool


class Transport(Protocol):
    """How messages travel: agent/mcp/stdio.py and agent/mcp/http.py. Their errors are
    McpError with the reason only; the client adds the server's name."""

    def open(self, receive: Callable[[str], None], lost: Callable[[str, int | None], None]) -> None:
        """Connect; then call `receive(text)` for each message that arrives, `lost(reason,
        None)` when the connection is gone, `lost(reason, id)` when only request `id` failed."""

    def send(self, message: dict) -> None: ...

    def close(self) -> None: ...


class McpClient:
    """One MCP server's session: its tools, and calls to them."""

    def __init__(self, name: str, transport: Transport, timeout: float = 60.0,
                 init_timeout: float = 30.0) -> None:
        self.name = name
        self.transport = transport
        self.timeout = timeout
        self.init_timeout = init_timeout
        self.changed = False
        """The server said its tools changed (set by the reader): `tools()` lists them again."""
        self.server_info: dict = {}
        self.instructions = ""
        self.log: deque[str] = deque(maxlen=LOG_LINES)
        """The server's last notifications/message lines, "level: data"."""
        self.n_malformed = 0
        self.last_malformed: str | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._waiting: dict[int, queue.Queue] = {}
        self._tools: list[McpTool] | None = None
        self._status = "not started"
        self._gone: ServerGone | None = None

    @property
    def status(self) -> str:
        """"connected", "not started", "failed: <reason>" or "exited: <reason>"."""
        return self._status

    def start(self) -> None:
        """Connect and shake hands; McpError (one line) when the server cannot be used."""
        try:
            self._handshake()
        except (McpError, KeyboardInterrupt) as err:
            reason = str(err).split(": ", 1)[-1] if isinstance(err, McpError) else "interrupted"
            self._status = f"failed: {reason}"
            self.transport.close()
            raise
        self._status = "connected"

    def _handshake(self) -> None:
        try:
            self.transport.open(self._receive, self._lost)
        except McpError as err:
            raise self._named(err) from None
        result = self._request("initialize", {
            "protocolVersion": PROTOCOL_VERSION, "capabilities": {},
            "clientInfo": {"name": "agent", "version": __version__}}, self.init_timeout)
        version = result.get("protocolVersion")
        if version not in ANSWERABLE:
            raise self._error(f"it speaks MCP {version!r}, and this client speaks "
                              f"{', '.join(ANSWERABLE)}; use a server for one of those")
        self.server_info = result.get("serverInfo") or {}
        self.instructions = result.get("instructions") or ""
        self._send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def tools(self) -> list[McpTool]:
        """The server's tools, listed once, and again after it said they changed."""
        if self._tools is None or self.changed:
            self.changed = False  # before listing: a change announced meanwhile is not lost
            found, cursor = [], None
            for _ in range(MAX_PAGES):
                result = self._request("tools/list", {"cursor": cursor} if cursor else {},
                                       self.timeout)
                found += [McpTool(t["name"], t.get("description") or "",
                                  t.get("inputSchema") or {"type": "object"})
                          for t in result.get("tools") or []
                          if isinstance(t, dict) and isinstance(t.get("name"), str)]
                cursor = result.get("nextCursor")
                if not cursor:
                    break
            else:
                raise self._error(f"tools/list went on for {MAX_PAGES} pages; the server's "
                                  "nextCursor never ends: report it to its authors")
            self._tools = found
        return list(self._tools)

    def call(self, tool: str, arguments: dict, timeout: float | None = None) -> CallResult:
        """Run one tool. A tool that fails is `is_error`; McpError when the call itself fails."""
        result = self._request("tools/call", {"name": tool, "arguments": arguments},
                               self.timeout if timeout is None else timeout)
        content = result.get("content") or []
        text = describe(content) if isinstance(content, list) else ""
        if not text and result.get("structuredContent") is not None:
            text = json.dumps(result["structuredContent"], ensure_ascii=False)
        return CallResult(text, bool(result.get("isError")))

    def close(self) -> None:
        """End the session: the transport closes politely, then stops what is left."""
        with self._lock:
            if self._gone is None:
                self._gone = ServerGone(f"MCP server '{self.name}': it was closed; connect "
                                        "again to use it")
                if self._status == "connected":
                    self._status = "exited: closed"
        self.transport.close()

    # ---- requests and their answers

    def _request(self, method: str, params: dict, timeout: float) -> dict:
        """Send a request and wait for its answer's result; McpError for anything else."""
        what = f"tools/call {params['name']!r}" if method == "tools/call" else method
        slot: queue.Queue = queue.Queue(maxsize=1)
        with self._lock:
            if self._gone is not None:
                raise ServerGone(str(self._gone))
            request_id = next(self._ids)
            self._waiting[request_id] = slot
        try:
            self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
            try:
                answer = slot.get(timeout=timeout)
            except queue.Empty:
                self._cancel(method, request_id, f"timed out after {timeout:g} s")
                raise self._error(f"{what} timed out after {timeout:g} s; try again with a "
                                  "longer timeout, or ask for less work") from None
            except KeyboardInterrupt:
                self._cancel(method, request_id, "interrupted by the user")
                raise
        finally:
            with self._lock:
                self._waiting.pop(request_id, None)
        if isinstance(answer, McpError):  # a fresh one: the same may reach several callers
            raise type(answer)(str(answer))
        if "error" in answer:
            error = answer["error"] if isinstance(answer["error"], dict) else {}
            raise self._error(f"{what} failed: {error.get('message', answer['error'])} (JSON-RPC "
                              f"error {error.get('code', '?')}); check the name and arguments")
        result = answer.get("result")
        return result if isinstance(result, dict) else {}

    def _send(self, message: dict) -> None:
        try:
            self.transport.send(message)
        except McpError as err:
            raise self._named(err) from None

    def _named(self, err: McpError) -> McpError:
        """A transport's error (the reason only) with the server's name, of the same kind."""
        return type(err)(f"MCP server '{self.name}': {err}")

    def _cancel(self, method: str, request_id: int, reason: str) -> None:
        """Tell the server to stop the work of a request given up (not initialize: the spec
        forbids cancelling it)."""
        if method == "initialize":
            return
        with contextlib.suppress(McpError):  # a server gone cannot be told, nor need be
            self._send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                        "params": {"requestId": request_id, "reason": reason}})

    def _error(self, what: str) -> McpError:
        return McpError(f"MCP server '{self.name}': {what}")

    # ---- what the transport hands over, on its own thread

    def _receive(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            self.n_malformed += 1
            self.last_malformed = text.strip()[:200]
            return
        method, request_id = message.get("method"), message.get("id")
        if isinstance(method, str) and request_id is not None:
            self._answer(request_id, method)
        elif isinstance(method, str):
            self._notified(method, message.get("params"))
        elif isinstance(request_id, int):
            with self._lock:
                slot = self._waiting.get(request_id)
            if slot is not None:  # None: an answer to a call given up, or never asked
                with contextlib.suppress(queue.Full):
                    slot.put_nowait(message)

    def _answer(self, request_id: object, method: str) -> None:
        """A request from the server: `ping` is answered; the rest are not offered here."""
        if method == "ping":
            reply = {"jsonrpc": "2.0", "id": request_id, "result": {}}
        else:
            reply = {"jsonrpc": "2.0", "id": request_id, "error": {
                "code": -32601, "message": f"Method not found: this client offers no {method}"}}
        with contextlib.suppress(McpError):
            self.transport.send(reply)

    def _notified(self, method: str, params: object) -> None:
        params = params if isinstance(params, dict) else {}
        if method == "notifications/tools/list_changed":
            self.changed = True
        elif method == "notifications/message":
            data = params.get("data")
            line = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
            self.log.append(f"{params.get('level', 'info')}: {line}")

    def _lost(self, reason: str, request_id: int | None = None) -> None:
        """The transport says the connection is gone (None) or one request failed (its id)."""
        with self._lock:
            if request_id is not None:
                failed = self._error(reason)
                slots = [self._waiting[request_id]] if request_id in self._waiting else []
            else:
                if self._gone is None:
                    self._gone = ServerGone(f"MCP server '{self.name}': {reason}")
                    if self._status == "connected":
                        self._status = f"exited: {reason}"
                failed, slots = self._gone, list(self._waiting.values())
        for slot in slots:
            with contextlib.suppress(queue.Full):
                slot.put_nowait(failed)


def describe(content: list) -> str:
    """A tool result's content blocks as text: what is not text is named, never shown."""
    parts = []
    for block in content:
        block = block if isinstance(block, dict) else {"type": repr(block)}
        kind = block.get("type")
        if kind == "text":
            parts.append(str(block.get("text", "")))
        elif kind in ("image", "audio"):
            parts.append(f"[{kind}: {block.get('mimeType', '?')}, {len(block.get('data') or '')} "
                         "bytes base64, not shown]")
        elif kind == "resource":
            resource = block.get("resource") if isinstance(block.get("resource"), dict) else {}
            uri, text, blob = resource.get("uri", "?"), resource.get("text"), resource.get("blob")
            parts.append(f"[resource: {uri}]\n{text}" if text else
                         f"[resource: {uri}, {resource.get('mimeType', '?')}, "
                         f"{len(blob or '')} bytes base64, not shown]")
        elif kind == "resource_link":
            about = " - ".join(str(block[k]) for k in ("name", "description") if block.get(k))
            parts.append(f"[resource link: {block.get('uri', '?')}{f' {about}' if about else ''}]")
        else:
            parts.append(f"[{kind} content, not shown]")
    return "\n".join(parts)
