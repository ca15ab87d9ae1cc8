"""Showing events: on a terminal for people, as JSON lines for programs.

The loop reports events (agent.events) and never prints. This module is one of the places
that does: `Terminal` shows the answer as it arrives, a line at a time with its Markdown
rendered (agent/app/markdown.py; the model's thinking streams dimmed); on a live terminal
the line still coming shows raw while it fits in one row, and is drawn over, rendered, when
its newline arrives (`_echo`), so a slow model is never silent. It writes one line per
tool call, and the todo list as a checklist when the model saves it. Colour only on a
terminal, and not with NO_COLOR set or TERM=dumb (`wants_color`). Nothing is cut mid-word:
an error result (a refusal and its "To allow it" hint) is shown whole (`error_lines`), and
a long call or result line is cut at a sentence end or a word, with " …" (`shorten`).
`WaitLine` says how long a request has gone unanswered; `to_json` turns an event into the
dict that `--output-format stream-json` prints.
Claude Code counterpart: its terminal UI, and the stream-json output format.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import threading
import time
import unicodedata
from dataclasses import asdict
from typing import TextIO

from agent.events import (AssistantMessage, Compacted, Fallback, HookMessage, HookOutput,
                          PromptFiled, ReasoningDelta, Retry, TextDelta, TodosChanged, ToolEnd,
                          ToolFinished, ToolStart, TurnEnd, Waiting)
from agent.app.markdown import Markdown
from agent.session.subagent_parts import SubagentStep
from agent.model.types import BadArguments, ToolCall, parse_arguments
from agent.tools.todo import todo_line

DIM, RED, BOLD, RESET = "\033[2m", "\033[31m", "\033[1m", "\033[0m"

JSON_TYPES = {TextDelta: "text_delta", ReasoningDelta: "reasoning_delta",
              AssistantMessage: "assistant", ToolStart: "tool_start", ToolEnd: "tool_result",
              ToolFinished: "tool_finished", SubagentStep: "subagent_step",
              Retry: "retry", Fallback: "fallback", Compacted: "compacted",
              PromptFiled: "prompt_filed", HookMessage: "hook_message",
              HookOutput: "hook_output", TodosChanged: "todos", TurnEnd: "turn_end"}


def to_json(event: object) -> dict:
    """One event as a JSON-ready dict with a `type` field."""
    return {"type": JSON_TYPES.get(type(event), type(event).__name__), **asdict(event)}


def _one_column(char: str) -> bool:
    """A printable character one column wide (not a tab, a wide CJK form or a combining mark)."""
    return (char.isprintable() and not unicodedata.combining(char)
            and unicodedata.east_asian_width(char) not in ("W", "F"))


def wants_color(out: TextIO) -> bool:
    """Colour for a terminal, unless NO_COLOR is set (no-color.org) or TERM is dumb."""
    return out.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def shorten(text: str, limit: int) -> str:
    """`text` on one line, whole when it fits in `limit` characters; else cut at the last
    sentence end or word boundary before it, with " …" to say so (mid-word only for a word
    longer than half the limit: a long path)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = limit - 2  # for " …"
    ends = [m.end() for m in re.finditer(r"[.!?;:,](?= )", text[:room + 1])]
    cut = next((end for end in reversed(ends) if end > room * 2 // 3), 0)
    cut = cut or text.rfind(" ", 0, room + 1)
    return text[:cut if cut > room // 2 else room].rstrip() + " …"


def first_sentence(text: str) -> str:
    """The first sentence of `text`, whole: up to the first `.`, `!` or `?` before a space
    that does not end an abbreviation (e.g., i.e., etc.); all of it when there is none."""
    text = " ".join(text.split())
    for m in re.finditer(r"[.!?](?= |$)", text):
        if not re.search(r"\b(e\.g|i\.e|etc|vs|cf)\.$", text[:m.end()], re.IGNORECASE):
            return text[:m.end()]
    return text


def call_line(call: ToolCall) -> str:
    """`Bash(ls -la)`: the tool and its most telling argument."""
    try:
        args = parse_arguments(call.arguments)
    except BadArguments:
        args = {}
    key = next((k for k in ("command", "file_path", "pattern") if k in args), None)
    detail = str(args[key]) if key else call.arguments
    if isinstance(args.get("todos"), list):  # TodoWrite: the checklist follows, not its JSON
        detail = f"{len(args['todos'])} items"
    detail = " ".join(detail.split())
    return f"{call.name}({shorten(detail, 100)})"


def result_line(content: str) -> str:
    """The first line of a tool result, and the last one when there are more (a test run's
    verdict is usually at the end)."""
    lines = [line for line in content.strip().splitlines() if line.strip()] or ["(empty)"]
    if len(lines) == 1:
        return shorten(lines[0], 100)
    return f"{shorten(lines[0], 60)} … {shorten(lines[-1], 60)}  ({len(lines)} lines)"


def error_lines(content: str, most: int = 6) -> str:
    """An error result (a refusal, a tool's error) is written for the model to act on, and
    says what to do: its lines whole (the terminal wraps them), up to `most`."""
    lines = [line.strip() for line in content.strip().splitlines() if line.strip()] or ["(empty)"]
    if len(lines) > most:
        lines = lines[:most - 1] + [f"… ({len(lines) - most + 1} more lines)"]
    return "\n    ".join(lines)


def filed_line(event: PromptFiled) -> str:
    """`the prompt is 250,000 tokens, over the 1,600 this window allows: saved in PATH, ...`"""
    return (f"the prompt is {event.tokens:,} tokens, over the {event.limit:,} this window allows: "
            f"saved in {event.path}, and the model reads it from there")


def compacted_line(event: Compacted) -> str:
    """`(context compacted: 5,600 -> 2,400 tokens by mask_observations; ...)`"""
    text = (f"  (context compacted: {event.tokens_before:,} -> {event.tokens_after:,} tokens by "
            f"{' and '.join(event.strategies)}")
    if event.transcript:
        text += f"; transcript saved in {event.transcript}"
    return text + (f"; {event.note})" if event.note else ")")


class WaitLine:
    """While a request is out and nothing has come back: how long, so silence is never total.

    On a terminal (`live`) one line is redrawn each second from `after` seconds on, and erased
    when the next event comes; elsewhere (a log, print mode's stderr with --verbose) a plain
    line at `after` seconds, then every `every`. Feed it every event: `Waiting` starts the
    clock, anything else stops it."""

    def __init__(self, out: TextIO, live: bool, after: float = 2.0, every: float = 10.0,
                 color: bool = True):
        self.out, self.live, self.after, self.every = out, live, after, every
        self.dim, self.reset = (DIM, RESET) if color else ("", "")
        self._lock = threading.Lock()
        self._stopped: threading.Event | None = None
        self._drawn = False

    def __call__(self, event: object) -> None:
        self.stop()
        if isinstance(event, Waiting):
            self._stopped = stopped = threading.Event()
            threading.Thread(target=self._tick, args=(event, stopped), daemon=True).start()

    def _tick(self, event: Waiting, stopped: threading.Event) -> None:
        start, wait = time.monotonic(), self.after
        while not stopped.wait(wait):
            seconds = time.monotonic() - start
            with self._lock:
                if stopped.is_set():  # stop() came between the wait and the lock
                    return
                if self.live:
                    self.out.write(f"\r{self.dim}waiting for {event.model}... {seconds:.0f} s"
                                   f"{self.reset}\033[K")
                    self._drawn = True
                else:
                    self.out.write(f"agent: waiting for {event.model} at {event.base_url}: "
                                   f"{seconds:.0f} s, no reply yet\n")
                self.out.flush()
            wait = 1.0 if self.live else self.every

    def stop(self) -> None:
        if self._stopped is None:
            return
        self._stopped.set()  # the ticker writes nothing once it sees this, under the lock
        with self._lock:
            if self._drawn:
                self.out.write("\r\033[K")
                self.out.flush()
                self._drawn = False
        self._stopped = None


class Terminal:
    """Renders events for a person watching a terminal."""

    def __init__(self, out: TextIO = sys.stdout, color: bool | None = None, verbose: bool = False):
        self.out, self.verbose = out, verbose  # verbose: hooks' own output too
        self.color = wants_color(out) if color is None else color
        self.mid_line = False  # streamed thinking that has not ended with a newline yet
        self.thinking = False  # the last streamed text was the model's thinking
        self.last_started: str | None = None  # the call whose line is just above
        self.markdown = Markdown(self.color)  # the answer: a partial line waits in it
        self.live = out.isatty() and os.environ.get("TERM") != "dumb"  # \r and erase work
        self.echoed = ""  # the partial line shown raw, to be drawn over when it is whole
        self.waiting = WaitLine(out, live=out.isatty(), after=1.0 if out.isatty() else 2.0,
                                color=self.color)

    def paint(self, code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if self.color else text

    def end_text(self) -> None:
        """The end of the model's message: its last line, if it had no newline, is shown."""
        self._unshow()
        tail = self.markdown.end()
        if tail:
            self.out.write(("\n" if self.mid_line else "") + tail + "\n")
            self.mid_line = False
            self.out.flush()

    def _echo(self) -> None:
        """Show the line still coming, raw, as far as it fits in one row of the terminal:
        past that, or at a character whose width is not one column, it waits for its newline
        (a wrapped row could not be drawn over safely)."""
        pending = self.markdown.pending
        if not self.live or not pending.startswith(self.echoed) or len(pending) == len(self.echoed):
            return
        if len(pending) >= shutil.get_terminal_size().columns - 1 or not all(
                map(_one_column, pending[len(self.echoed):])):
            return
        if self.thinking and self.mid_line:
            self.out.write("\n")  # the answer starts on a line of its own
            self.thinking = self.mid_line = False
        self.out.write(pending[len(self.echoed):])
        self.out.flush()
        self.echoed = pending

    def _unshow(self) -> None:
        """Take the raw partial line off the screen, before its rendered form is written."""
        if self.echoed:
            self.out.write("\r\033[K")
            self.echoed = ""

    def line(self, text: str) -> None:
        self.end_text()
        if self.mid_line:
            self.out.write("\n")
            self.mid_line = False
        self.out.write(text + "\n")
        self.out.flush()

    def __call__(self, event: object) -> None:
        if isinstance(event, Waiting) and (self.mid_line or self.echoed):  # it would overwrite
            self.waiting.stop()
        else:
            self.waiting(event)  # a request went out: how long it waits, until the next event
        if isinstance(event, ReasoningDelta):
            self.end_text()
            self.thinking = True
            self.out.write(self.paint(DIM, event.text))
            self.out.flush()
            self.mid_line = not event.text.endswith("\n")
        elif isinstance(event, TextDelta):
            shown = self.markdown.feed(event.text)
            if shown:
                self._unshow()
                if self.thinking and self.mid_line:
                    self.out.write("\n")  # the answer starts on a line of its own
                self.thinking = self.mid_line = False
                self.out.write(shown)
                self.out.flush()
            self._echo()
        elif isinstance(event, AssistantMessage):
            self.end_text()
        elif isinstance(event, ToolStart):
            self.line(self.paint(BOLD, "● " + call_line(event.call)))
            self.last_started = event.call.id
        elif isinstance(event, ToolFinished):  # side by side: as each ends, in any order
            mark = "✗" if event.is_error else "✓"
            self.line(self.paint(DIM, f"  {mark} {call_line(event.call)} {event.seconds:.2f}s"))
            self.last_started = ""  # the results that follow are each named
        elif isinstance(event, SubagentStep):  # a subagent's call, under the parent's Task line
            self.line(self.paint(DIM, f"  ↳ {event.subagent_type}: {call_line(event.event.call)}"))
            self.last_started = ""
        elif isinstance(event, ToolEnd):
            content = event.message["content"]
            text = "  ⎿ " + (error_lines(content) if event.is_error else result_line(content))
            if self.last_started not in (None, event.call.id):  # its call is not just above
                text = f"  ⎿ {event.call.name}: " + text[4:]
            self.line(self.paint(RED if event.is_error else DIM, text))
        elif isinstance(event, Retry):
            self.line(self.paint(DIM, f"  (retry {event.attempt} in {event.delay:.1f}s: {event.error})"))
        elif isinstance(event, Fallback):
            self.line(f"  {event.model} failed ({event.error}); "
                      f"switching to the fallback model {event.fallback}")
        elif isinstance(event, HookMessage):
            self.line(self.paint(DIM, f"  ({event.event} hook: {event.text})"))
        elif isinstance(event, HookOutput) and self.verbose:
            self.line(self.paint(DIM, f"  ({event.event} hook said: {event.text})"))
        elif isinstance(event, Compacted):
            self.line(self.paint(DIM, compacted_line(event)))
        elif isinstance(event, PromptFiled):
            self.line(self.paint(DIM, f"  ({filed_line(event)})"))
        elif isinstance(event, TodosChanged):
            styles = {"in_progress": BOLD, "completed": DIM}  # pending: plain
            for todo in event.todos:
                line = "  " + todo_line(todo)
                self.line(self.paint(styles[todo.status], line) if todo.status in styles else line)
            if not event.todos:
                self.line(self.paint(DIM, "  (the todo list is now empty)"))
        elif isinstance(event, TurnEnd):
            self.end_text()
            if self.mid_line:
                self.line("")
            if event.stop_reason == "error":
                self.line(self.paint(RED, f"Error: {event.text}"))
            elif event.stop_reason == "max_turns":
                self.line(self.paint(RED, f"Stopped after {event.n_turns} model calls (--max-turns)."))
            elif event.stop_reason == "max_tokens":
                self.line(self.paint(RED, "The answer was cut off at the server's output limit "
                                          "(it went on twice and was cut again)."))
            elif event.stop_reason == "interrupted":
                self.line(self.paint(DIM, "Interrupted."))
            elif event.stop_reason != "end_turn":  # e.g. repeated_call from a guard
                self.line(self.paint(RED, f"Stopped ({event.stop_reason}): {event.text}"))
