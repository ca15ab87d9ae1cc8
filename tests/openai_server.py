"""A fake OpenAI-compatible server on 127.0.0.1 that plays back scripted replies over real HTTP.

Tests and benchmarks point the real `openai` client at it, so requests, SSE streaming, error
statuses and broken connections all go through the same code as with a real server:

    with FakeOpenAI() as server:
        server.reply(text="Let me look.", tool_calls=[("Read", {"file_path": "a.py"})])
        server.fail(500, n=2)          # the next two requests get a 500
        server.cut_stream()            # the next one starts a stream and drops the connection
        server.reply(text="Done.")
        model = OpenAICompatible(server.base_url, "key", "fake-model")
        ...
        server.requests                # parsed JSON bodies received, in order
        server.raw                     # the same bodies as bytes
        server.arrived                 # time.time() when each request came in
        server.answered                # time.time() when its answer was ready to send
        server.ports                   # the client's port per request: one connection or many

Each POST /v1/chat/completions takes the next step of `script`. With an empty script the
answer is the text "(no scripted reply)" (not an error), so a benchmark that runs past its
script still sees a valid turn end. GET /v1/models lists one model; POST /v1/embeddings answers with `embedding(text)`, a
hashed bag of words (requests in `embedding_requests`).
`server.routes["GET /props"] = {...}` answers other endpoints with that JSON (the native APIs
that `agent doctor` and a start's window probe read: /api/version, /api/ps, POST /api/show,
/props, /api/v0/models, ...); a route for GET /v1/models replaces the default list. A route
may be a `Raw` answer instead: any bytes, status and content type, after `wait` seconds
(float("inf"): never). `server.seen` lists every request as "GET /props", in order, and
`server.route_bodies` the JSON posted to routes. `FakeOpenAI(prefix="/proxy")` serves
everything under that path (base_url http://127.0.0.1:PORT/proxy/v1), as behind a proxy.
`FakeOpenAI(reject_tools=True)` answers every request that carries `tools` with Ollama's
`400 ... does not support tools`, without using a step of the script.
`FakeOpenAI(reject_null_content=True)` answers 500 to any request with an assistant message
whose content is null or missing, as llama-cpp-python does (no step used either).
`FakeOpenAI(context_tokens=N)` reports usage.prompt_tokens = min(N, counted), and cached
tokens capped the same way: a server that silently cut the prompt to its N-token context
(Ollama's "truncating input prompt"). Only the reported usage changes.
`arrived` is taken when a request's headers are in (before its body is read) and `answered`
when its answer is ready, just before it is written (after a write the scheduler may run the
reader first). Both use time.time(), so benchmarks can compare them with other processes'.

Streaming (`"stream": true`) sends: a role chunk, the text as one delta per word, each tool
call as fragments (id, index and name first, then the arguments in three pieces), a
finish_reason chunk, a usage chunk only when `stream_options.include_usage` is true, then
`data: [DONE]`. Chunked transfer encoding keeps HTTP/1.1 connections alive between requests,
and each response is written in one go, with no sleeps: benchmarks run hundreds of turns.

Reasoning: `reply(reasoning=..., reasoning_as=...)` sends thinking as a `reasoning_content`
field (llama.cpp, vLLM), a `reasoning` field (Ollama), `<think>...</think>` before the text
in the content ("think"), or the thinking and only a closing `</think>` ("think_closed", the
template opened it). Streamed, the field is sent one delta per word, and content with tags
in pieces of three characters, so that the tags are cut across chunks.

`FakeOpenAI(cache_report="timings")` reports cached tokens as llama.cpp's `timings.cache_n`
(top level of the last chunk, or of the completion) instead of
`usage.prompt_tokens_details.cached_tokens`; "none" reports none, as Ollama's /v1 does.

Token counts are plausible, not real: prompt_tokens is the length of the messages' JSON // 4,
cached_tokens the length of its common prefix with the previous request's messages // 4,
completion_tokens the length of the text and arguments // 4.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_TEXT = "(no scripted reply)"


@dataclass(frozen=True)
class Raw:
    """A route's answer as it is sent: `body` with `status` and `content_type`, after `wait`
    seconds (float("inf"): the request is accepted and never answered). `length`: the
    Content-Length said, when not the body's: a longer one, and the connection closes after
    the body (an answer cut short)."""

    body: bytes | str = b""
    status: int = 200
    content_type: str = "application/json"
    wait: float = 0.0
    length: int | None = None


class FakeOpenAI:
    """A scripted chat-completions server in a background thread (a context manager)."""

    def __init__(self, model: str = "fake-model", reject_tools: bool = False,
                 reject_null_content: bool = False, context_tokens: int | None = None,
                 cache_report: str = "usage", prefix: str = "") -> None:
        assert cache_report in ("usage", "timings", "none")
        self.prefix = prefix.rstrip("/")  # every path is served under it
        self.seen: list[str] = []  # "GET /props", "POST /v1/chat/completions", ...: every request
        self.route_bodies: list[object] = []  # the JSON posted to routes
        self.cache_report = cache_report  # where cached tokens are reported (see the docstring)
        self.embedding_requests: list[dict] = []
        self.model = model
        self.reject_null_content = reject_null_content  # 500 on content null, as llama-cpp-python
        self.context_tokens = context_tokens  # report prompt_tokens capped here, as if truncated
        self.reject_tools = reject_tools  # answer 400 "does not support tools", as Ollama does
        self.routes: dict[str, object] = {}  # "GET /props" -> JSON answer (other endpoints)
        self.script: list[dict] = []  # steps, consumed one per chat request
        self.requests: list[dict] = []
        self.raw: list[bytes] = []
        self.arrived: list[float] = []  # time.time() per chat request: headers received
        self.answered: list[float] = []  # time.time() per chat request: about to answer
        self.ports: list[int] = []  # the client's port per chat request (a kept connection: one)
        self._previous_messages = ""
        self._n_calls = 0
        self._lock = threading.Lock()
        self._stalled = threading.Event()  # set at stop: stalled and dripping answers end
        self._httpd: ThreadingHTTPServer | None = None

    def reply(self, text: str = "", tool_calls: list[tuple[str, dict | str]] | None = None,
              finish_reason: str | None = None, usage: dict | bool = True,
              index_zero: bool = False, no_ids: bool = False,
              repeat_id_name: bool = False, reasoning: str = "",
              reasoning_as: str = "reasoning_content", ids: list[str] | None = None) -> None:
        """Script a reply. `tool_calls` are (name, arguments) with arguments a dict or raw JSON
        text. `usage`: True for computed counts, False to send none (as llama-cpp-python), or a
        dict with prompt_tokens / completion_tokens / cached_tokens. Streaming quirks:
        `index_zero` (every call at index 0, as Ollama), `no_ids` (no call ids),
        `repeat_id_name` (id and name in every fragment, as llama-cpp-python). `reasoning`:
        thinking sent as `reasoning_as`: "reasoning_content", "reasoning", "think" (tags in
        the content) or "think_closed" (only the closing tag). `ids`: the calls' ids, as
        sent (default call_1, call_2, ... across the server's life; a server may repeat one)."""
        assert reasoning_as in ("reasoning_content", "reasoning", "think", "think_closed")
        calls = [(name, args if isinstance(args, str) else json.dumps(args))
                 for name, args in tool_calls or ()]
        self.script.append({"kind": "reply", "text": text, "tool_calls": calls,
                            "finish_reason": finish_reason or ("tool_calls" if calls else "stop"),
                            "usage": usage, "index_zero": index_zero, "no_ids": no_ids,
                            "repeat_id_name": repeat_id_name, "reasoning": reasoning,
                            "reasoning_as": reasoning_as, "given_ids": ids})

    def fail(self, status: int, n: int = 1, body: dict | str | None = None,
             headers: dict[str, str] | None = None) -> None:
        """Answer the next `n` chat requests with HTTP `status` (default body: an OpenAI error)."""
        if body is None:
            body = {"error": {"message": f"scripted failure {status}", "type": "fake_error",
                              "code": status}}
        for _ in range(n):
            self.script.append({"kind": "fail", "status": status, "body": body,
                                "headers": headers or {}})

    def fault(self, body: bytes = b"", status: int = 200, content_type: str = "text/event-stream",
              length: bool = False, wait: float = 0.0, drip: float = 0.0,
              close: bool = True, linger: float = 0.0) -> None:
        """Answer the next request with these raw bytes, as a misbehaving server does: after
        `wait` seconds; one byte every `drip` seconds; with a Content-Length (`length`) or
        none, the end of the body then being the connection closing (`close`, after `linger`
        seconds: a request sent on it meanwhile is never answered). A `wait` of
        float("inf") accepts the request and never answers."""
        self.script.append({"kind": "fault", "body": body, "status": status, "wait": wait,
                            "type": content_type, "length": length, "drip": drip, "close": close,
                            "linger": linger})

    def cut_stream(self, text: str = "partial answer") -> None:
        """Start an SSE stream, send some text, then drop the connection mid-body."""
        self.script.append({"kind": "cut", "text": text})

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{self.prefix}/v1"

    def start(self) -> FakeOpenAI:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        # A short poll interval: stop() waits for it, and the tests start hundreds of servers.
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self._stalled.set()  # a stalled or dripping answer ends with the server
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_step(self, raw: bytes, request: dict, arrived: float) -> tuple[dict, dict]:
        """Record the request; return the step to play and its usage numbers."""
        with self._lock:
            self.arrived.append(arrived)
            self.raw.append(raw)
            self.requests.append(request)
            if self.reject_tools and request.get("tools"):  # no step used, as a real server
                step = {"kind": "fail", "status": 400, "headers": {}, "body": {"error": {
                    "message": f"registry.ollama.ai/library/{self.model} does not support tools",
                    "type": "api_error", "param": None, "code": None}}}
            elif self.reject_null_content and _has_null_content(request):
                step = {"kind": "fail", "status": 500, "headers": {}, "body": {"error": {
                    "message": "assistant message content is None", "type": "internal_server_error",
                    "param": None, "code": None}}}
            else:
                step = self.script.pop(0) if self.script else {
                    "kind": "reply", "text": DEFAULT_TEXT, "tool_calls": [],
                    "finish_reason": "stop", "usage": True, "index_zero": False,
                    "no_ids": False, "repeat_id_name": False}
            messages = json.dumps(request.get("messages", []), separators=(",", ":"))
            cached = _common_prefix(messages, self._previous_messages)
            self._previous_messages = messages
            ids = []
            for _ in step.get("tool_calls", ()):
                self._n_calls += 1
                ids.append(f"call_{self._n_calls}")
        step = {**step, "ids": step.get("given_ids") or ids}
        completion = len(step.get("text", "")) + sum(len(a) for _, a in step.get("tool_calls", ()))
        counts = {"prompt_tokens": len(messages) // 4, "completion_tokens": completion // 4,
                  "cached_tokens": cached // 4}
        if isinstance(step.get("usage"), dict):
            counts.update(step["usage"])
        if self.context_tokens is not None:  # the server kept only the last N tokens
            counts["prompt_tokens"] = min(counts["prompt_tokens"], self.context_tokens)
            counts["cached_tokens"] = min(counts["cached_tokens"], self.context_tokens)
        usage = {"prompt_tokens": counts["prompt_tokens"],
                 "completion_tokens": counts["completion_tokens"],
                 "total_tokens": counts["prompt_tokens"] + counts["completion_tokens"]}
        if self.cache_report == "usage":
            usage["prompt_tokens_details"] = {"cached_tokens": counts["cached_tokens"]}
        elif self.cache_report == "timings":  # moved to the top level by _chunks/_completion
            usage["timings"] = {"cache_n": counts["cached_tokens"],
                                "prompt_n": counts["prompt_tokens"] - counts["cached_tokens"],
                                "prompt_ms": 12.5, "predicted_n": counts["completion_tokens"],
                                "predicted_ms": 40.0}
        return step, usage


def _handler_for(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the client reuses one connection
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _route(self, method: str) -> bool:
            """Record the request, take off the prefix; answer it when it is a route (or
            outside the prefix: 404). False: the caller answers."""
            with server._lock:
                server.seen.append(f"{method} {self.path}")
            if not self.path.startswith(server.prefix + "/"):
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return True
            self.path = self.path[len(server.prefix):]
            route = server.routes.get(f"{method} {self.path}")
            if route is None:
                return False
            if isinstance(route, Raw):
                self._raw(route)
            else:
                self._json(200, route)
            return True

        def _raw(self, route: Raw) -> None:
            if server._stalled.wait(route.wait if route.wait != float("inf") else None):
                return  # the server stopped first
            body = route.body.encode() if isinstance(route.body, str) else route.body
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(route.length or len(body)))
            self.end_headers()
            self.wfile.write(body)
            if route.length and route.length > len(body):
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

        def do_GET(self) -> None:
            if self._route("GET"):
                return
            if self.path.rstrip("/") == "/v1/models":
                self._json(200, {"object": "list", "data": [
                    {"id": server.model, "object": "model", "created": 0, "owned_by": "fake"}]})
            else:
                self._json(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:
            arrived = time.time()
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if f"POST {self.path.removeprefix(server.prefix)}" in server.routes:
                try:
                    server.route_bodies.append(json.loads(raw))
                except ValueError:
                    server.route_bodies.append(raw)
            if self._route("POST"):
                return
            if self.path.rstrip("/") == "/v1/embeddings":
                request = json.loads(raw)
                server.embedding_requests.append(request)
                texts = request["input"] if isinstance(request["input"], list) else [request["input"]]
                self._json(200, {"object": "list", "model": request.get("model"), "data": [
                    {"object": "embedding", "index": i, "embedding": embedding(text)}
                    for i, text in enumerate(texts)], "usage": {"prompt_tokens": 0, "total_tokens": 0}})
                return
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return
            request = json.loads(raw)
            step, usage = server._next_step(raw, request, arrived)
            with server._lock:
                server.answered.append(time.time())
                server.ports.append(self.client_address[1])
            if step["kind"] == "fail":
                self._json(step["status"], step["body"], step["headers"])
            elif step["kind"] == "cut":
                self._cut(step["text"])
            elif step["kind"] == "fault":
                self._fault(step)
            elif request.get("stream"):
                include_usage = (request.get("stream_options") or {}).get("include_usage")
                send_usage = include_usage and step["usage"] is not False
                self._stream(_chunks(server.model, step, usage if send_usage else None))
            else:
                self._json(200, _completion(server.model, step, usage))

        def _json(self, status: int, body: dict | str, headers: dict | None = None) -> None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _start_stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()

        def _stream(self, chunks: list[dict], end: bool = True) -> None:
            # One write per response: many small writes on a kept-alive socket are slow.
            events = [f"data: {json.dumps(c)}\n\n".encode() for c in chunks]
            if end:
                events.append(b"data: [DONE]\n\n")
            body = b"".join(b"%x\r\n%s\r\n" % (len(e), e) for e in events)
            self._start_stream()
            self.wfile.write(body + (b"0\r\n\r\n" if end else b""))

        def _fault(self, step: dict) -> None:
            if step["wait"] == float("inf"):
                server._stalled.wait()  # until the server stops
                return
            time.sleep(step["wait"])
            self.send_response(step["status"])
            self.send_header("Content-Type", step["type"])
            if step["length"]:
                self.send_header("Content-Length", str(len(step["body"])))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            try:
                for i in range(0, len(step["body"]), 1 if step["drip"] else len(step["body"]) or 1):
                    self.wfile.write(step["body"][i:i + (1 if step["drip"] else len(step["body"]))])
                    self.wfile.flush()
                    if step["drip"]:
                        if server._stalled.wait(step["drip"]):
                            return
            except OSError:  # the client gave up
                return
            if step["close"]:
                time.sleep(step["linger"])
                self.close_connection = True

        def _cut(self, text: str) -> None:
            chunks = _chunks(server.model, {"text": text, "tool_calls": [], "ids": []})
            self._stream(chunks[:-1], end=False)
            # subtle: no terminating chunk, so the client sees an incomplete body, not an end.
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True

    return Handler


def _chunks(model: str, step: dict, usage: dict | None = None) -> list[dict]:
    """The SSE chunks of one streamed reply (without the final [DONE])."""
    def chunk(delta: dict, finish_reason: str | None = None) -> dict:
        return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
                "model": model, "choices": [{"index": 0, "delta": delta,
                                             "finish_reason": finish_reason}]}

    chunks = [chunk({"role": "assistant", "content": ""})]
    field, content = _reasoning_and_content(step)
    if field:
        chunks += [chunk({field: w}) for w in re.findall(r"\s*\S+\s*", step["reasoning"])]
    if content != step["text"]:  # tags in the content: pieces of 3 characters cut the tags
        chunks += [chunk({"content": content[i:i + 3]}) for i in range(0, len(content), 3)]
    else:
        chunks += [chunk({"content": word}) for word in re.findall(r"\s*\S+\s*", content)]
    for i, ((name, arguments), id_) in enumerate(zip(step["tool_calls"], step["ids"])):
        third = max(1, len(arguments) // 3)
        pieces = [arguments[:third], arguments[third:2 * third], arguments[2 * third:]]
        for n, piece in enumerate(pieces):
            fragment: dict = {"index": 0 if step.get("index_zero") else i,
                              "function": {"arguments": piece}}
            if n == 0 or step.get("repeat_id_name"):
                fragment["type"] = "function"
                fragment["function"]["name"] = name
                if not step.get("no_ids"):
                    fragment["id"] = id_
            chunks.append(chunk({"tool_calls": [fragment]}))
    chunks.append(chunk({}, step.get("finish_reason", "stop")))
    if usage is not None:
        usage = dict(usage)
        timings = {"timings": usage.pop("timings")} if "timings" in usage else {}
        chunks.append({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
                       "model": model, "choices": [], "usage": usage, **timings})
    return chunks


def embedding(text: str, dimensions: int = 256) -> list[float]:
    """A bag of words hashed into a vector: texts sharing words point the same way. Not a
    real embedding (no meaning, only words), but deterministic and free."""
    vector = [0.0] * dimensions
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % dimensions] += 1.0
    return vector


def _completion(model: str, step: dict, usage: dict) -> dict:
    field, content = _reasoning_and_content(step)
    message: dict = {"role": "assistant", "content": content or None}
    if field:
        message[field] = step["reasoning"]
    if step["tool_calls"]:
        message["tool_calls"] = [
            {"type": "function", "function": {"name": name, "arguments": arguments},
             **({} if step.get("no_ids") else {"id": id_})}
            for (name, arguments), id_ in zip(step["tool_calls"], step["ids"])]
    body = {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": step["finish_reason"]}]}
    if step["usage"] is not False:
        body["usage"] = dict(usage)
        if "timings" in usage:
            body["timings"] = body["usage"].pop("timings")
    return body


def _reasoning_and_content(step: dict) -> tuple[str | None, str]:
    """(the reasoning field to send, or None; the content, with any think tags in it)."""
    reasoning, shape, text = step.get("reasoning"), step.get("reasoning_as"), step["text"]
    if not reasoning:
        return None, text
    if shape == "think":
        return None, f"<think>\n{reasoning}\n</think>\n\n{text}"
    if shape == "think_closed":
        return None, f"{reasoning}\n</think>\n\n{text}"
    return shape, text


def _has_null_content(request: dict) -> bool:
    return any(m.get("role") == "assistant" and m.get("content") is None
               for m in request.get("messages", []))


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, by bisection on slices (fast on long histories)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo
