"""The chat probes of `agent doctor`: four small requests that show what a server and model do.

Each probe takes the endpoint (`Http`), the `Card` filled so far and the preset of the server
kind (its fixes, agent/config/profiles.py), records what it learned on the card and returns
`Finding`s: ok, note or problem, and for a problem the fix. The chat requests go out in this
order (the tests script the fake server's answers in the same order):

    A  one tool, "add 2 and 3"                        native tool calls
    B  the same, streamed, "call it twice"            streamed and parallel calls, usage
    C  A again, with `tool_choice` naming the tool    tool_choice, cached tokens
    D  a plain question, streamed                     where the reasoning lands

B and C are skipped when A shows the server takes no tools. Each has max_tokens 60-120 and a
timeout (`chat_timeout`: a local model may have to load first) that bounds the whole answer,
however slowly its bytes come; once one chat request has timed out, the next ones are skipped
rather than waited for in turn. The HTTP is urllib's, not
the SDK's, so that odd answers are seen as they are. The server kind and the context come
from each server's own API, in agent/app/doctor.py.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from agent.app.render import shorten
from agent.config.doctor_card import Card, Finding

ADD_TOOL = {"type": "function", "function": {
    "name": "add", "description": "Add two integers and return the sum.",
    "parameters": {"type": "object", "required": ["a", "b"],
                   "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}}}
SYSTEM = "You test tool calling. When a tool can answer, call it instead of answering in text."


class Http:
    """GET and POST JSON with a timeout; never raises for HTTP or network failures."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 5.0,
                 chat_timeout: float = 120.0) -> None:
        self.base = base_url.rstrip("/")
        self.root = self.base[:-3] if self.base.endswith("/v1") else self.base
        self.api_key, self.timeout, self.chat_timeout = api_key, timeout, chat_timeout
        self.stalled = ""  # why a chat request timed out: the next ones are not sent

    def get(self, url: str) -> tuple[int, object, dict]:
        return self._send(urllib.request.Request(url, headers=self._headers()), self.timeout)

    def get_dict(self, url: str) -> dict:
        """The JSON object at `url`, or {} for any failure or other answer."""
        status, body, _ = self.get(url)
        return body if status == 200 and isinstance(body, dict) else {}

    def post(self, url: str, body: dict, timeout: float | None = None) -> tuple[int, object, dict]:
        request = urllib.request.Request(url, json.dumps(body).encode(), self._headers(),
                                         method="POST")
        return self._send(request, timeout or self.timeout, stream=bool(body.get("stream")))

    def chat(self, body: dict) -> tuple[int, object, dict]:
        """POST to chat/completions; a streamed answer comes back as the list of its chunks."""
        if self.stalled:
            return 0, f"skipped: {self.stalled}", {}
        status, answer, headers = self.post(f"{self.base}/chat/completions", body,
                                            self.chat_timeout)
        if status == 0 and "timed out" in str(answer):
            self.stalled = f"a chat request timed out after {self.chat_timeout:g} s"
        return status, answer, headers

    def _headers(self) -> dict:
        return {"Content-Type": "application/json",
                "Authorization": f"Bearer {self.api_key or 'none'}"}

    def _send(self, request, timeout: float, stream: bool = False) -> tuple[int, object, dict]:
        deadline = time.monotonic() + timeout  # for the whole answer, not each byte
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = b""
                while piece := response.read1(65536):
                    body += piece
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"timed out: no whole answer in {timeout:g} s")
                text = body.decode("utf-8", "replace")
                return response.status, _parse(text, stream), dict(response.headers)
        except urllib.error.HTTPError as err:
            return err.code, _parse(err.read().decode("utf-8", "replace"), False), dict(err.headers)
        except (urllib.error.URLError, OSError, ValueError) as err:  # refused, timeout, bad URL
            return 0, str(getattr(err, "reason", err)), {}


def _parse(text: str, stream: bool) -> object:
    if stream:
        chunks = [json.loads(line[5:]) for line in text.splitlines()
                  if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]")]
        return [c for c in chunks if isinstance(c, dict)]
    try:
        return json.loads(text)
    except ValueError:
        return text


def _message(body: object) -> str:
    """The error text of an answer: `{"error": {"message": ...}}` and its variants."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        return str(inner.get("message") or inner) if isinstance(inner, dict) else str(inner)
    return shorten(str(body), 300)


def _first_message(body: object) -> dict:
    """choices[0].message of a completion, or {} when the answer has another shape."""
    choices = body.get("choices") if isinstance(body, dict) else None
    first = choices[0] if isinstance(choices, list) and choices else {}
    return (first.get("message") if isinstance(first, dict) else None) or {}


def probe_tools(http: Http, card: Card, preset) -> list[Finding]:
    status, body, _ = http.chat(_canary(card.model, "What is 2 + 3? Use the add tool."))
    fix = (preset.tools_fix if preset else "") or "use --tool-mode text"
    if status != 200:
        text = shorten(_message(body), 120)
        if 400 <= status < 500 and "tool" in text.lower():  # "does not support tools", ...
            card.native_tools = False
            return [Finding("native tools", "problem", f"refused ({status}: {text})", fix)]
        return [Finding("native tools", "problem",
                        f"the canary failed ({status or 'no answer'}: {text})", "see the server's log")]
    message = _first_message(body)
    if message.get("tool_calls"):
        card.native_tools = True
        f = message["tool_calls"][0].get("function", {})
        return [Finding("native tools", "ok", f"parsed: {f.get('name')}({f.get('arguments')})")]
    text = " ".join(str(message.get("content") or "").split())
    if "add" in text and "{" in text:
        if _template_has_tools(http, card):  # the server is set up right: the model wrote text
            fix = "a larger model of the family writes parsed calls more often"
        return [Finding("native tools", "note", f"the call came as text: {shorten(text, 80)}",
                        "the repair reads it (--tool-mode auto); for parsed calls: " + fix)]
    return [Finding("native tools", "note", f"no call, answered: {shorten(text, 60)!r}")]


def _template_has_tools(http: Http, card: Card) -> bool:
    """Whether llama-server says its chat template takes tools (then --jinja is not the fix)."""
    if card.kind != "llamacpp":
        return False
    caps = http.get_dict(f"{http.root}/props").get("chat_template_caps")
    return bool(isinstance(caps, dict) and caps.get("supports_tools"))


def probe_stream(http: Http, card: Card, preset) -> list[Finding]:
    body = _canary(card.model, "Add 2 and 3, and add 4 and 5: call the add tool twice, in parallel.")
    body.update(stream=True, stream_options={"include_usage": True}, max_tokens=120)
    status, chunks, _ = http.chat(body)
    if status != 200 or not isinstance(chunks, list):
        return [Finding("streaming", "problem", f"the streamed request failed ({status}: "
                        f"{shorten(_message(chunks), 120)})", "use --no-stream")]
    starts = [f for d in _deltas(chunks) for f in d.get("tool_calls") or ()
              if (f.get("function") or {}).get("name")]
    card.stream_tools = bool(starts) or None
    findings = [Finding("streamed tools", "ok" if starts else "note",
                        "calls arrive in fragments" if starts else "the model made no call")]
    ids = {f.get("id") for f in starts if f.get("id")}  # llama-cpp-python repeats them: a set
    n_calls = len(ids) or len(starts)
    notes = ["no call ids (the client makes them up)"] if starts and not ids else []
    if n_calls >= 2 and len({f.get("index") for f in starts}) == 1:
        notes.append("every call at index 0 (agent/model/stream.py splits them)")
    if starts:
        card.parallel = f"{n_calls} call{'s' * (n_calls > 1)}" + "".join(f"; {n}" for n in notes)
        alone = "" if n_calls > 1 else " (the model did not call in parallel)"
        findings.append(Finding("parallel calls", "ok" if n_calls > 1 and not notes else "note",
                                card.parallel + alone))
    return findings + [_usage_finding(card, chunks)]


def _deltas(chunks: list[dict]) -> list[dict]:
    return [ch.get("delta") or {} for c in chunks for ch in c.get("choices") or ()
            if isinstance(ch, dict)]


def _usage_finding(card: Card, chunks: list[dict]) -> Finding:
    usage = next((c["usage"] for c in reversed(chunks) if c.get("usage")), None)
    card.usage_in_stream = usage is not None
    if usage:
        return Finding("usage", "ok", f"in streams (prompt {usage.get('prompt_tokens')}, "
                                      f"completion {usage.get('completion_tokens')})")
    if any(c.get("timings") for c in chunks):
        return Finding("usage", "note", "no usage chunk, but llama.cpp `timings` in the stream")
    return Finding("usage", "problem", "none in streams: token counts are estimated and the "
                   "truncation tripwire cannot check", "update the server, or use --no-stream")


def probe_tool_choice(http: Http, card: Card, preset) -> list[Finding]:
    """`tool_choice` naming the tool, on A's prompt again: also shows the prompt cache."""
    body = _canary(card.model, "What is 2 + 3? Use the add tool.")
    body["tool_choice"] = {"type": "function", "function": {"name": "add"}}
    status, answer, _ = http.chat(body)
    if status != 200 or not isinstance(answer, dict):
        card.tool_choice = False
        return [Finding("tool_choice", "note", f"refused ({status}: {shorten(_message(answer), 100)}); "
                        "the harness does not need it")]
    card.tool_choice = bool(_first_message(answer).get("tool_calls"))
    details = (answer.get("usage") or {}).get("prompt_tokens_details") or {}
    cached = details.get("cached_tokens") or (answer.get("timings") or {}).get("cache_n")
    card.cached_tokens = bool(cached)
    return [Finding("tool_choice", "ok" if card.tool_choice else "note",
                    "honoured" if card.tool_choice else "accepted, no call (ignored?)"),
            Finding("cached tokens", "ok" if cached else "note",
                    f"reported ({cached} on a repeated prefix)" if cached else "not reported")]


def probe_reasoning(http: Http, card: Card, preset) -> list[Finding]:
    body = {"model": card.model, "stream": True, "max_tokens": 100, "temperature": 0,
            "messages": [{"role": "user", "content": "What is 17 + 25? Answer with the number."}]}
    status, chunks, _ = http.chat(body)
    if status != 200 or not isinstance(chunks, list):
        return [Finding("reasoning", "note", f"not checked ({status}: {shorten(_message(chunks), 100)})")]
    deltas = _deltas(chunks)
    if any(d.get("reasoning_content") for d in deltas):
        card.reasoning = "reasoning_content"
    elif any(d.get("reasoning") for d in deltas):
        card.reasoning = "reasoning"
    elif "</think>" in "".join(str(d.get("content") or "") for d in deltas):
        card.reasoning = "think tags"
    else:
        card.reasoning = "none seen"
    where = {"think tags": "<think> tags in the content (split out by agent/model/think_tags.py)",
             "none seen": "none seen (not a reasoning model, or it did not think)"}
    return [Finding("reasoning", "ok", where.get(card.reasoning, f"in the `{card.reasoning}` field"))]


def _canary(model: str, question: str) -> dict:
    return {"model": model, "stream": False, "max_tokens": 60, "temperature": 0,
            "tools": [ADD_TOOL], "messages": [{"role": "system", "content": SYSTEM},
                                              {"role": "user", "content": question}]}
