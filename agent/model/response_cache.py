"""Response caches: model layers that answer a request without the server, opt-in.

    Meter ─► ExactCache ─► SemanticCache ─► ... ─► OpenAICompatible
              │ hit: the recorded reply          │ hit: the reply to a question that
              │ (same request, byte for byte)    │ means the same (no tools involved)

Each layer is a `Model` wrapping the next, so they stack in any order and each counts its
own hits, misses and skips.

`ExactCache` keys a reply by a hash of the whole request: the model, every message, the tool
schemas and the options sent (max_tokens, temperature). The same request gets the same
reply, with the same tool-call ids, so the next request is the same too: a recorded session
replays deterministically, with no server (`--record FILE`, then `--replay FILE`; in replay
a request that is not in the recording is an error that says so). The store is one JSON
line per reply, appended as it comes; a line that is not a reply it can play is skipped
and counted. Each line also has a portable key, the hash of the conversation alone (no
system prompt, <system-reminder> blocks, model name or options, and the working directory
written $CWD): a replay that finds no exact match tries it, so a recording made on one machine replays on another, another day,
in another folder (the recordings shipped in docs/examples/recordings/), as long as the
conversation itself (the prompt, the tools, what each tool returned) is the same.

`SemanticCache` answers a question that is close enough in meaning to one answered before:
the last user message is embedded with the endpoint's `/v1/embeddings`, and a stored
question whose cosine similarity is at least the threshold (0.92) gives its reply. Only for
tool-free prompts: a conversation with no tool traffic yet whose reply called no tool, under
the same system prompt and model. The risks, which is why it is opt-in:
- similar is not the same: "delete the tests" and "describe the tests" can score 0.9;
- the answer may be stale: the files it talks about changed since;
- the `<system-reminder>` facts (date, git status) are left out of the comparison.
Simplified: the semantic store is searched linearly (fine for thousands of entries);
entries never expire; the portable key ignores the memory files too, so a replay under other
memory files than the recording's still matches.
Not covered: a shared cache server (Redis, GPTCache), per-entry time to live.
Claude Code counterpart: none (its caching is the API's prompt cache).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from pathlib import Path

from agent.model.types import (Emit, Model, ModelError, ReasoningDelta, Reply, TextDelta, Timing,
                               ToolCall, Usage, Wrapper)
from agent.model.reminders import without_reminders

THRESHOLD = 0.92


class Layer(Wrapper):
    """What the cache layers share: pass-through to the model inside, and counters."""

    kind = "cache"

    def __init__(self, inner: Model, path: Path):
        self.inner, self.path = inner, path
        self.hits = self.misses = self.skipped = 0
        self.damaged = 0  # lines _load skipped: torn, foreign, or not a reply it can replay

    def counts(self) -> dict:
        return {"hits": self.hits, "misses": self.misses, "skipped": self.skipped}

    def _append(self, entry: dict) -> None:
        """One line more. A store that cannot be written (a full disk, a folder in the way)
        ends the turn with a ModelError that says so: a recording asked for is never lost
        silently. A torn last line is skipped when the store is read again."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as out:
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError as err:
            raise ModelError(f"could not write the {self.kind} store {self.path}: "
                             f"{err.strerror or err}") from None

    def _load(self) -> list[dict]:
        """The store's lines; a torn or foreign line is skipped (a crash mid-write, a file
        edited by hand), and counted in `damaged`."""
        if not self.path.is_file():  # not there yet; or /dev/zero, a FIFO: nothing to read
            return []
        entries = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                entry = None
            if isinstance(entry, dict) and well_formed(entry.get("reply")) and all(
                    isinstance(entry.get(k, ""), str) for k in ("key", "portable", "cwd")):
                entries.append(entry)
            elif line.strip():
                self.damaged += 1
        return entries


class ExactCache(Layer):
    """The same request, the same reply (see the module docstring)."""

    kind = "exact"

    def __init__(self, inner: Model, path: Path, replay: bool = False, cwd: Path | None = None):
        super().__init__(inner, path)
        self.replay = replay
        # the folder written $CWD in the portable key; not /, which would be every slash
        self.cwd = str(cwd) if cwd and Path(cwd).parent != Path(cwd) else ""
        entries = self._load()
        self.store = {entry["key"]: entry["reply"] for entry in entries if "key" in entry}
        self.portable = {entry["portable"]: entry for entry in entries
                         if "portable" in entry} if replay else {}

    def key(self, messages: list[dict], tools: list[dict], portable: bool = False) -> str:
        """The request's hash; `portable`: without what differs between machines and days
        (the system prompt, with the folder, the date and the memory files, and every
        <system-reminder>), so that a recording shipped with the docs replays anywhere."""
        request = {"model": self.name, "messages": messages, "tools": tools,
                   "options": getattr(self.inner, "extra_body", {})}
        if portable:  # the conversation alone, whichever model and options replay it
            request = {"tools": tools, "messages": [
                {**m, "content": without_reminders(m["content"])}
                if isinstance(m.get("content"), str) else m
                for m in messages if m["role"] != "system"]}
        text = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        if portable and self.cwd:  # a path the tools printed, in whatever folder it ran
            text = swap(text, json.dumps(self.cwd)[1:-1], "$CWD")
        return hashlib.sha256(text.encode()).hexdigest()

    def complete(self, messages: list[dict], tools: list[dict], emit: Emit) -> Reply:
        key = self.key(messages, tools)
        stored = self.store.get(key)
        if stored is None and self.portable:  # a recording made elsewhere, another day
            stored = moved(self.portable.get(self.key(messages, tools, True)), self.cwd)
        if stored is not None:
            self.hits += 1
            return replayed(stored, emit, self.kind)
        self.misses += 1
        if self.replay:
            raise ModelError(f"Replay: request {self.hits + self.misses} is not in the recording "
                             f"{self.path}; the session went another way than when it was "
                             "recorded (a file changed, or another model, flag or prompt?)"
                             + (f"; {self.damaged} damaged line(s) of it skipped"
                                if self.damaged else "") + ".")
        reply = self.inner.complete(messages, tools, emit)
        self.store[key] = to_dict(reply)
        self._append({"key": key, "portable": self.key(messages, tools, True), "cwd": self.cwd,
                      "reply": self.store[key]})
        return reply


def moved(entry: dict | None, cwd: str) -> dict | None:
    """A recorded reply, the folder of the recording in its text and its calls' arguments
    moved to `cwd`: a call that named /tmp/x/app.py where it was recorded names app.py in
    the folder of the replay."""
    if entry is None or not entry.get("cwd") or not cwd or entry["cwd"] == cwd:
        return None if entry is None else entry["reply"]
    was, now = json.dumps(entry["cwd"])[1:-1], json.dumps(cwd)[1:-1]
    calls = [{**c, "arguments": swap(c["arguments"], was, now)} for c in entry["reply"]["tool_calls"]]
    text = entry["reply"].get("text") or ""
    return {**entry["reply"], "text": swap(text, entry["cwd"], cwd), "tool_calls": calls}


def swap(text: str, was: str, now: str) -> str:
    """`was` (a folder) replaced by `now` where it is the whole folder: /tmp/x/a.py and /tmp/x
    move, /tmp/x2 does not."""
    return re.sub(re.escape(was) + r"(?![\w.-])", lambda _: now, text)


def well_formed(reply: object) -> bool:
    """A stored reply that replayed() can read; anything else is a damaged line."""
    if not isinstance(reply, dict):
        return False
    calls, usage = reply.get("tool_calls"), reply.get("usage")
    return (isinstance(calls, list) and all(
                isinstance(c, dict) and all(isinstance(c.get(k), str) for k in ("id", "name", "arguments"))
                for c in calls)
            and all(isinstance(reply.get(k) or "", str) for k in ("text", "reasoning", "finish_reason"))
            and (usage is None or isinstance(usage, list) and len(usage) <= 3
                 and all(type(n) is int for n in usage)))


class SemanticCache(Layer):
    """A question close in meaning to one answered before gets that answer."""

    kind = "semantic"

    def __init__(self, inner: Model, path: Path, embed: Callable[[str], list[float]],
                 threshold: float = THRESHOLD):
        super().__init__(inner, path)
        self.embed, self.threshold = embed, threshold
        self.entries = [e for e in self._load() if isinstance(e.get("vector"), list)]
        self.last_similarity: float | None = None

    def complete(self, messages: list[dict], tools: list[dict], emit: Emit) -> Reply:
        question = tool_free_question(messages)
        if question is None:
            self.skipped += 1
            return self.inner.complete(messages, tools, emit)
        context, vector = self.context_key(messages), self.embed(question)
        scored = [(cosine(vector, e["vector"]), e) for e in self.entries if e["context"] == context]
        best, entry = max(scored, key=lambda pair: pair[0], default=(0.0, None))
        self.last_similarity = best if entry else None
        if entry is not None and best >= self.threshold:
            self.hits += 1
            return replayed(entry["reply"], emit, self.kind)
        self.misses += 1
        reply = self.inner.complete(messages, tools, emit)
        if not reply.tool_calls and reply.text.strip():
            entry = {"context": context, "question": question, "vector": vector,
                     "reply": to_dict(reply)}
            self.entries.append(entry)
            self._append(entry)
        return reply

    def context_key(self, messages: list[dict]) -> str:
        """What must be equal for a stored answer to count: the model and the system prompt."""
        system = messages[0].get("content", "") if messages and messages[0]["role"] == "system" else ""
        return hashlib.sha256(f"{self.name}\n{system}".encode()).hexdigest()[:16]


def tool_free_question(messages: list[dict]) -> str | None:
    """The last user message's text, when no tool has been called yet in the conversation;
    None otherwise (then the answer depends on files and commands, not just the words)."""
    if not messages or messages[-1]["role"] != "user":
        return None
    if any(m["role"] == "tool" or m.get("tool_calls") for m in messages):
        return None
    content = messages[-1].get("content")
    text = content if isinstance(content, str) else json.dumps(content)
    return without_reminders(text).strip() or None


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def to_dict(reply: Reply) -> dict:
    """A reply as stored: what the next request depends on, and the usage."""
    usage = reply.usage
    return {"text": reply.text, "reasoning": reply.reasoning, "finish_reason": reply.finish_reason,
            "tool_calls": [{"id": c.id, "name": c.name, "arguments": c.arguments}
                           for c in reply.tool_calls],
            "usage": None if usage is None else [usage.prompt_tokens, usage.completion_tokens,
                                                 usage.cached_tokens]}


def replayed(stored: dict, emit: Emit, served_by: str) -> Reply:
    """The stored reply, shown as if it streamed (one delta), marked as served by the cache."""
    if stored.get("reasoning"):
        emit(ReasoningDelta(stored["reasoning"]))
    if stored.get("text"):
        emit(TextDelta(stored["text"]))
    calls = tuple(ToolCall(c["id"], c["name"], c["arguments"]) for c in stored["tool_calls"])
    usage = Usage(*stored["usage"]) if stored.get("usage") else None
    return Reply(stored.get("text", ""), calls, stored.get("finish_reason"), usage,
                 stored.get("reasoning", ""), Timing(served_by=served_by))


def layers(model: object) -> list[Layer]:
    """The cache layers in a chain of wrapped models, outermost first (for reports)."""
    found = []
    while model is not None:
        if isinstance(model, Layer):
            found.append(model)
        model = vars(model).get("inner") if hasattr(model, "__dict__") else None
    return found


def endpoint_embedder(base_url: str, api_key: str, model: str) -> Callable[[str], list[float]]:
    """Embeddings from the endpoint's /v1/embeddings (Ollama, vLLM, llama.cpp with
    --embeddings, OpenAI), through the openai client."""
    client = None

    def embed(text: str) -> list[float]:
        nonlocal client
        import openai

        if client is None:
            client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=1)
        try:
            return list(client.embeddings.create(model=model, input=text).data[0].embedding)
        except openai.APIError as err:
            raise ModelError(f"The semantic cache could not get embeddings from {base_url} for "
                             f"model {model!r}: {err}. Set AGENT_EMBEDDING_MODEL to a model the "
                             "server embeds with (llama.cpp needs --embeddings), or drop "
                             "`semantic` from --cache.") from None
    return embed
