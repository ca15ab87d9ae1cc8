"""Compaction: a long session kept inside a small context window, the cheapest step first.

    a. ResultBudget (a guard, on every tool result): past the budget, the result is saved to a
       file and the history keeps a preview and the file's path.
    b. mask_observations: old tool results become one-line placeholders, the newest
       `keep_results` stay whole.
    c. summarize: the transcript is saved, the model writes a structured summary (or, with
       no model or no usable reply, a listing: agent/compact/summary.py), and the history becomes
       the system prompt, the summary and the most recent turns. The summary (with its note
       and the user's latest request) takes at most a quarter of the history space, the
       recent turns another quarter: half the space is free after it.
    d. Ladder.overflowed: the server said the prompt is too long: summarize, keeping less,
       and the loop retries once.

The `Ladder` runs before every request (the loop's compactor, agent/loop/seams.py). While the prompt fits under the window's
limit it does nothing, so the history stays append-only and the server's prefix cache keeps
hitting. Past the limit it runs its strategies in order until the prompt is under the
window's target (half the history space): one batch of rewrites, then many turns of room,
rather than a little every turn, because every rewrite of an earlier message breaks the
prefix cache. `Ladder.prefix` records, per request, what the previous request shared.

A strategy is a function `(messages, job) -> messages`: it returns a new list (it never
changes the dicts it was given) and must keep every tool call with its result. Adding one is
writing that function and putting it in a Ladder's list (see docs/15-compaction.md).
Memory files live in the system prompt, which every strategy keeps; the ones loaded later
(subfolders) are handed back through `job.memory` after a summary.
Claude Code counterpart: tool-result limits, microcompact, autocompact, /compact, PreCompact.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agent.events import Compacted
from agent.model.types import Model, ModelError, Reply, ToolCall
from agent.compact.summary import (NOTE, REQUEST, SUMMARY_PROMPT, append_user, latest_request,
                                   listing, looks_like_summary)
from agent.model.tokens import TokenCounter, server_prompt_tokens
from agent.tools.capping import cap
from agent.compact.prefix_stability import PrefixCheck, common_prefix
from agent.compact.window import Window

MASKED = "[Old tool result cleared to save context"
MEMORY_MARK = "\n\n<memory-file "  # memory appended to a tool result survives its masking

@dataclass
class Job:
    """What a strategy needs: the window, a counter, and where it should get to."""

    window: Window
    count: Callable[[list[dict]], int]
    """Tokens of a request with these messages (tool schemas included)."""
    target: int
    counter: TokenCounter
    keep_results: int = 3
    model: Model | None = None
    """The model that writes summaries; None writes a plain listing instead."""
    save_dir: Path | None = None
    focus: str = ""
    memory: Callable[[], str] = lambda: ""
    tail_budget: int = 0
    """The most tokens of recent turns a summary keeps as they are (0: summarize them all)."""
    summary_budget: int = 0
    """The most tokens the compaction message may carry: its note, the summary and the quoted
    request (memory files aside). 0: no bound but the listing's 8,000 characters."""
    tools: list[dict] = field(default_factory=list)
    """The tool schemas, sent with the summary request too: the server's cached prefix then
    serves the history, and only the request for a summary is new."""
    notes: list[str] = field(default_factory=list)
    transcript: Path | None = None


Strategy = Callable[[list[dict], Job], list[dict]]


def mask_observations(messages: list[dict], job: Job) -> list[dict]:
    """Replace the oldest tool results by a placeholder until the prompt is under the target;
    the newest `job.keep_results` results stay whole."""
    results = [i for i, m in enumerate(messages) if m.get("role") == "tool"]
    old = [i for i in results[:max(0, len(results) - job.keep_results)]
           if not str(messages[i].get("content", "")).startswith(MASKED)]
    calls = {c["id"]: c["function"] for m in messages for c in m.get("tool_calls") or ()}
    out = list(messages)
    total = job.count(out)
    for i in old:
        if total <= job.target:
            break
        out[i] = masked(messages[i], calls.get(messages[i].get("tool_call_id")), job.counter)
        total += job.counter.message(out[i]) - job.counter.message(messages[i])
    return out


def masked(message: dict, function: dict | None, counter: TokenCounter) -> dict:
    content = str(message.get("content", ""))
    name = (function or {}).get("name", "a tool")
    args = (function or {}).get("arguments", "")
    what = f"{name}({args[:200]}{'...' if len(args) > 200 else ''})"
    memory = content[content.index(MEMORY_MARK):] if MEMORY_MARK in content else ""
    return {**message, "content": f"{MASKED}: {what} returned {counter.message(message):,} "
                                  f"tokens. Call it again if you need it.]{memory}"}


def summarize(messages: list[dict], job: Job) -> list[dict]:
    """The system prompt, then a summary of the older messages, then the recent turns."""
    counts = [job.counter.message(m) for m in messages]
    cut = tail_start(messages, counts, job.tail_budget)
    if cut is None or not any(m.get("role") == "assistant" for m in messages[1:cut]):
        return messages  # only the user's own words: a summary of them would lose them
    head, tail = messages[1:cut], messages[cut:]
    try:
        job.transcript = save_transcript(messages, job.save_dir)
    except OSError as err:  # a read-only or full home: summarize anyway, and say so
        job.notes.append(f"the transcript could not be saved first ({err.strerror or err})")
    note = (f"{NOTE}: {len(head)} earlier messages were replaced by the summary below"
            + (f"; the full transcript is saved in {job.transcript}" if job.transcript else "")
            + ".]")
    budget = max(200, job.summary_budget - job.counter.count_text(note)) if job.summary_budget else 0
    request = ""
    if tail and tail[0].get("role") == "user":  # moved in whole: one user message, not two in a row
        request, tail = str(tail[0].get("content") or ""), tail[1:]
    elif not any(m.get("role") == "user" for m in tail):  # the request would be summarized away
        request = fit(lambda n: cap(latest_request(head), n), 4000, budget // 2, job.counter)
        budget -= job.counter.count_text(request)
    text = write_summary(messages[0], head, job, max(100, budget) if job.summary_budget else 0)
    memory = job.memory()
    content = (f"{note}\n\n<summary>\n{text}\n</summary>" + (f"\n\n{memory}" if memory else "")
               + (f"\n\n{REQUEST}{request}" if request else ""))
    return [messages[0], {"role": "user", "content": content}] + tail


def fit(make: Callable[[int], str], limit: int, tokens: int, counter: TokenCounter) -> str:
    """`make(limit)`, a text of at most `limit` characters, with the limit lowered until the
    text is at most `tokens` tokens (no bound when `tokens` is 0 or less)."""
    text = make(limit)
    for _ in range(8):
        n = counter.count_text(text)
        if tokens <= 0 or n <= tokens or limit < 100:
            break
        limit = int(limit * tokens / n * 0.9)
        text = make(limit)
    return text


STRATEGIES: dict[str, Strategy] = {"mask_observations": mask_observations, "summarize": summarize}
"""The built-in strategies by name: what --compaction and the `compaction` setting choose from
(the default runs both, in this order). A plugin adds its own (docs/18-plugins.md)."""


def tail_start(messages: list[dict], counts: list[int], budget: int) -> int | None:
    """The earliest index where the recent turns fit in `budget` tokens and no call is parted
    from its result (the cut falls before a user or assistant message, or at the end). None
    when there is nothing before it to summarize."""
    best, total = len(messages), 0
    for i in range(len(messages) - 1, 1, -1):
        total += counts[i]
        if total > budget:
            break
        if messages[i].get("role") in ("user", "assistant"):
            best = i
    return best if best >= 2 else None


def write_summary(system: dict, head: list[dict], job: Job, tokens: int = 0) -> str:
    """The model's summary of `head`, or a plain listing when there is no model or it failed;
    at most `tokens` tokens (0: no bound but the listing's 8,000 characters)."""
    if job.model is None:
        return fit(lambda n: listing(head, n), 8000, tokens, job.counter)
    prompt = SUMMARY_PROMPT + (f"\n\nFocus the summary on: {job.focus}" if job.focus else "")
    if tokens:
        prompt += f"\n\nKeep it under {tokens * 2 // 3:,} words."
    request = fit_for_summary(system, head, job)
    try:
        reply: Reply = job.model.complete(append_user([system, *request], prompt), job.tools,
                                          lambda e: None)
    except ModelError as e:
        job.notes.append(f"the model could not write the summary ({e}); a listing was kept instead")
        return fit(lambda n: listing(head, n), 8000, tokens, job.counter)
    if not looks_like_summary(reply):
        job.notes.append("the model did not write a summary (no headings, or a tool call); "
                         "a listing was kept instead")
        return fit(lambda n: listing(head, n), 8000, tokens, job.counter)
    text = reply.text.strip()
    where = f"the full transcript is in {job.transcript}" if job.transcript else "they are gone"
    return fit(lambda n: cap(text, n, where), len(text), tokens, job.counter)


def fit_for_summary(system: dict, head: list[dict], job: Job) -> list[dict]:
    """`head`, shortened until a summary request fits the window: tool results masked first,
    then the oldest turns dropped (the first user message, the goal, is kept)."""
    room = job.window.limit - 1000  # the summary prompt and some slack
    if job.count([system, *head]) <= room:
        return head
    head = mask_observations(head, Job(job.window, job.count, 0, job.counter, keep_results=0))
    total = job.count([system, *head])
    keep = 1 if head and head[0].get("role") == "user" else 0  # the first request: the goal
    while total > room and len(head) > keep + 1:
        total -= job.counter.message(head.pop(keep))
        while len(head) > keep and head[keep].get("role") == "tool":  # no result without its call
            total -= job.counter.message(head.pop(keep))
    return head


def save_transcript(messages: list[dict], folder: Path | None) -> Path | None:
    """Write the whole history as JSON lines before it is rewritten; the path, or None."""
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"transcript-{time.strftime('%Y%m%d-%H%M%S')}-{len(messages)}.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for m in messages:
            f.write(json.dumps(m, ensure_ascii=False) + "\n")
    return path


class ResultBudget:
    """On the loop's after_tool seam: a tool result over `budget` tokens goes to a file in `folder`, and
    the history keeps a preview and the path. Same result, same file (named by its hash).
    When the file cannot be written, the preview stays and says why there is no file."""

    def __init__(self, budget: int, folder: Path, counter: TokenCounter | None = None):
        self.budget, self.folder = budget, folder
        self.counter = counter or TokenCounter()
        self.error: str | None = None
        """Why results could not be saved (the first failure); they are then cut inline."""

    def __call__(self, call: ToolCall, result: str, is_error: bool = False) -> str:
        if len(result) <= self.budget:  # nearly always more characters than tokens: no count
            return result
        n = self.counter.count_text(result)
        if n <= self.budget:
            return result
        digest = hashlib.sha1(result.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        path = self.folder / f"{call.name}-{digest}.txt"
        head = f"[This result is {n:,} tokens, over the budget of {self.budget:,} for one result."
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_text(result, encoding="utf-8", errors="surrogatepass")
        except OSError as err:  # a full disk, a read-only home: the work goes on, capped inline
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)  # no half-written file that looks whole
            self.error = self.error or f"{self.folder} could not be written ({err.strerror or err})"
            return (f"{head} It could not be saved to a file ({err.strerror or err}: "
                    f"{self.folder}), so only its start and end are kept. For the middle, call "
                    f"again on a narrower part (Read's offset and limit, `| sed -n '100,200p'` "
                    f"in Bash).]\n\n" + cap(result, self.budget * 2))
        return (f"{head} The whole of it ({result.count(chr(10)) + 1:,} lines) is saved in "
                f"{path}: Read it with offset and limit, or Grep it. A preview:]\n\n"
                + cap(result, self.budget * 2))


class Ladder:
    """The compaction ladder: the loop's `compactor` (agent.loop.seams.Compactor)."""

    def __init__(self, window: Window, strategies: list[Strategy] | None = None,
                 model: Model | None = None, save_dir: Path | None = None,
                 counter: TokenCounter | None = None, emit: Callable[[object], None] = lambda e: None,
                 memory: Callable[[], str] = lambda: "", keep_results: int = 3):
        self.window = window
        self.strategies = [mask_observations, summarize] if strategies is None else strategies
        self.model, self.save_dir, self.emit, self.memory = model, save_dir, emit, memory
        self.counter = counter or TokenCounter()
        self.keep_results = keep_results
        self.pre_compact: list[Callable[[str, str], None]] = []
        """Called with (trigger "auto" or "manual", focus) before any rewrite: the PreCompact hook."""
        self.correction = 1.0
        self.prefix: list[PrefixCheck] = []
        self.compactions: list[Compacted] = []
        self._previous: list[dict] = []
        self._previous_tools: list[dict] = []
        self._compacted = False  # since the last request: its prefix break is on purpose
        self._sent = 0

    def count(self, messages: list[dict], tools: list[dict]) -> int:
        """Our estimate of the server's count: our tokens times the last measured correction."""
        return round(self.counter.messages(messages, tools) * self.correction)

    def before_request(self, messages: list[dict], tools: list[dict]) -> None:
        if self.count(messages, tools) > self.window.limit:
            self.compact(messages, tools, "auto")
        if self._previous:
            self.prefix.append(common_prefix(self._previous, messages, self.counter,
                                             self._previous_tools, tools, self._compacted))
        self._previous, self._previous_tools = list(messages), list(tools)
        self._sent, self._compacted = self.counter.messages(messages, tools), False

    def after_reply(self, reply: Reply) -> None:
        """Reconcile with the server's count. Kept within 0.9-2: a server that reports less
        than we count must not make us compact later than our own count says."""
        if reply.usage and reply.usage.prompt_tokens > 0 and self._sent:
            self.correction = min(2.0, max(0.9, server_prompt_tokens(reply.usage) / self._sent))

    def overflowed(self, messages: list[dict], tools: list[dict]) -> bool:
        """The server refused the prompt as too long, so its context is smaller than we were
        told: shrink our window to what was refused, and summarize, keeping a quarter of the
        history as it is. True when the history got shorter (the loop then retries once)."""
        before = self.count(messages, tools)
        if before < self.window.size:
            self.window = Window.of(before, self.window.reply_reserve)
        fixed = self.count(messages[:1], tools)
        done = self.compact(messages, tools, "auto", strategies=[summarize],
                            tail_budget=(before - fixed) // 4)
        return done is not None and done.tokens_after < before

    def compact(self, messages: list[dict], tools: list[dict], trigger: str, focus: str = "",
                strategies: list[Strategy] | None = None,
                tail_budget: int | None = None) -> Compacted | None:
        """Run the strategies in order until the prompt fits; rewrite `messages` in place.
        A summary keeps `tail_budget` tokens of recent turns (default: half the target's
        history space; /compact passes 0), and its compaction message carries at most the
        other half: after it, at least half of the history space is free."""
        strategies = self.strategies if strategies is None else strategies
        if not strategies:
            return None  # no compaction: nothing to announce to PreCompact hooks either
        for hook in self.pre_compact:
            hook(trigger, focus)
        fixed = self.count(messages[:1], tools)
        target = self.window.target(fixed)
        if tail_budget is None:
            tail_budget = (target - fixed) // 2
        job = Job(self.window, lambda ms: self.count(ms, tools), target, self.counter,
                  self.keep_results, self.model, self.save_dir, focus, self.memory,
                  tail_budget, summary_budget=(target - fixed) // 2, tools=list(tools))
        before, n_before, used = self.count(messages, tools), len(messages), []
        for strategy in strategies:
            new = strategy(messages, job)
            if new != messages:
                messages[:] = new
                used.append(getattr(strategy, "__name__", type(strategy).__name__))
            if trigger == "auto" and self.count(messages, tools) <= target:
                break  # a strategy that gets only part of the way leaves the rest to the next
        if not used:
            return None
        self._compacted = True
        after = self.count(messages, tools)
        if after > self.window.limit:
            job.notes.append(f"still {after:,} tokens, over the limit of {self.window.limit:,}")
        event = Compacted(trigger, tuple(used), before, after, n_before, len(messages),
                          str(job.transcript) if job.transcript else None, "; ".join(job.notes))
        self.compactions.append(event)
        self.emit(event)
        return event
