"""TodoWrite: the model's own checklist for a task of several steps, and its reminder.

    model ─► TodoWrite(todos=[{content, status, activeForm}, ...]) ─► Todos.items (the session's)
                                                                   ─► TodosChanged ─► ☐ ◐ ☑
    ... N model calls without a TodoWrite, items unfinished ...
    a tool result or the next prompt + <system-reminder>the list, restated</system-reminder>

Each call sends the whole list (Claude Code's contract): there is no "add" or "tick", so the
list the model last sent is the list. A bad item (a status that is not pending, in_progress
or completed, a missing content or activeForm) refuses the whole call with a message naming
the item. More than one item in progress is saved with a warning rather than refused: the
list is still true, and a refusal for a matter of style costs a small model a round trip.
The tool changes no file, so it is read-only for permissions: it never asks, in any mode.

`Todos` holds the list (one per session, built with the tool by `todo_write(todos)`) and is
also the reminder: on the loop's after_tool seam and, through `note`, on on_prompt. Both
read the history to count the model calls since the last TodoWrite or the last reminder, so
there is no counter to reset: /clear, a rewind or a compaction simply change the count.
The reminder is appended to a result or to the next prompt, never a message of its own and
never an earlier message (the prompt prefix holds). `todos_text` is the checklist the REPL
shows, for the TodosChanged event and for /todos.
Simplified: no per-item ids or priorities (older Claude Code versions had them; ignored).
Not covered: todos kept on disk (`restore` rebuilds the list from the last TodoWrite in a
history: a rewind of the conversation uses it, and so can a resumed session).
Claude Code counterpart: the TodoWrite tool and its todo reminders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent.model.types import BadArguments, Emit, ToolCall, parse_arguments
from agent.tools import Tool, ToolContext, ToolError
from agent.model.reminders import remind

STATUSES = ("pending", "in_progress", "completed")
GLYPHS = {"pending": "☐", "in_progress": "◐", "completed": "☑"}
STALE_AFTER = 10  # model calls without a TodoWrite before the list is restated
REMINDER_MARK = "The todo list has not been updated for"

DESCRIPTION = """\
Keep a checklist for a task of three steps or more: plan the steps, then mark each one \
in_progress when you start it and completed as soon as it is done. Send the whole list \
every time (it replaces the previous one). Keep exactly one item in_progress while you work. \
Each item: content (imperative: "Run the tests"), status (pending, in_progress or \
completed) and activeForm (present continuous: "Running the tests"). Skip it for a \
single simple step."""

SAVED = ("The todo list is saved. Keep it up to date as you work: mark an item completed as "
         "soon as it is done, and go on with the next one.")


@dataclass(frozen=True)
class Todo:
    """One item of the list, as the model sent it."""

    content: str
    status: str
    """pending, in_progress or completed."""
    active_form: str
    """The same step in the present continuous ("Running the tests"), shown while it runs."""


@dataclass(frozen=True)
class TodosChanged:
    """The model saved its todo list (TodoWrite): the whole list, in order."""

    todos: tuple[Todo, ...]


def parse(todos: object) -> tuple[Todo, ...]:
    """The `todos` argument as items; ToolError naming the first bad item."""
    if not isinstance(todos, list):
        raise ToolError("todos must be an array of items, each {content, status, activeForm}.")
    items = []
    for i, item in enumerate(todos, start=1):
        if not isinstance(item, dict):
            raise ToolError(f"item {i} must be an object {{content, status, activeForm}}, got {item!r}.")
        missing = [k for k in ("content", "status", "activeForm")
                   if not isinstance(item.get(k), str) or not item[k].strip()]
        if missing:
            raise ToolError(f"item {i} has no {' and no '.join(missing)} (each is a non-empty "
                            f"string). Send the whole list again with every field.")
        if item["status"] not in STATUSES:
            raise ToolError(f"item {i} ({item['content']!r}) has status {item['status']!r}; "
                            f"use one of: {', '.join(STATUSES)}.")
        items.append(Todo(item["content"].strip(), item["status"], item["activeForm"].strip()))
    return tuple(items)


def todo_line(todo: Todo) -> str:
    """`☐ Run the tests`, `◐ Running the tests` (in progress: its activeForm), `☑ Read the code`."""
    return f"{GLYPHS[todo.status]} {todo.active_form if todo.status == 'in_progress' else todo.content}"


def todos_text(todos: tuple[Todo, ...]) -> str:
    """The checklist, one line per item: what /todos shows (the REPL renders TodosChanged
    events the same way, agent.app.render)."""
    return "\n".join(map(todo_line, todos)) or "No todos yet."


def for_model(todos: tuple[Todo, ...]) -> str:
    """The list as the model reads it in a reminder."""
    return "\n".join(f"{i}. [{t.status}] {t.content}" for i, t in enumerate(todos, start=1))


class Todos:
    """The session's list, and the reminder that restates it when it has gone stale.
    `history` returns the agent's messages; `emit` reports TodosChanged."""

    def __init__(self, history: Callable[[], list[dict]], emit: Emit,
                 stale_after: int = STALE_AFTER):
        self.history, self.emit, self.stale_after = history, emit, stale_after
        self.items: tuple[Todo, ...] = ()

    def write(self, args: dict, ctx: ToolContext) -> str:
        """The tool's function: check the items, keep them, report them."""
        self.items = parse(args.get("todos"))
        self.emit(TodosChanged(self.items))
        n_active = sum(t.status == "in_progress" for t in self.items)
        if n_active > 1:
            return (f"{SAVED}\nNote: {n_active} items are in_progress; keep exactly one in "
                    "progress at a time, and mark the others pending or completed.")
        return SAVED

    def unfinished(self) -> bool:
        return any(t.status != "completed" for t in self.items)

    def n_stale(self) -> int:
        """Model calls (assistant messages) since the last TodoWrite call or reminder."""
        n = 0
        for message in reversed(self.history()):
            if any(c["function"]["name"] == "TodoWrite" for c in message.get("tool_calls") or []):
                break
            if message["role"] in ("tool", "user") and REMINDER_MARK in str(message.get("content")):
                break
            n += message["role"] == "assistant"
        return n

    def reminder(self) -> str | None:
        """The restated list when it is due, or None. With no unfinished list nothing is
        read; with one, the history is read back only to the last TodoWrite or reminder,
        which a due reminder puts back within `stale_after` model calls."""
        if not self.unfinished():
            return None
        n = self.n_stale()
        if n < self.stale_after:
            return None
        return (f"{REMINDER_MARK} {n} model calls. It still reads:\n{for_model(self.items)}\n"
                "If it is out of date, update it with TodoWrite; if the task changed, ignore "
                "this. Do not mention this reminder to the user.")

    def __call__(self, call: ToolCall, result: str, is_error: bool = False) -> str:
        """A guard: the reminder joins the call's one result (mid-turn)."""
        text = self.reminder()
        return remind(result, [text])

    def note(self, prompt: str) -> str | None:
        """A note: the reminder joins the next prompt (between turns)."""
        return self.reminder()

    def restore(self, messages: list[dict]) -> None:
        """The list as the last valid TodoWrite in `messages` left it (after a rewind of the
        conversation, or on resume); empty when there is none."""
        items: tuple[Todo, ...] = ()
        for message in messages:
            for c in message.get("tool_calls") or []:
                if c["function"]["name"] == "TodoWrite":
                    try:
                        items = parse(parse_arguments(c["function"]["arguments"]).get("todos"))
                    except (ToolError, BadArguments):
                        pass
        if items != self.items:
            self.items = items
            self.emit(TodosChanged(items))


def todo_write(todos: Todos) -> Tool:
    """The TodoWrite tool, bound to the session's list."""
    item = {"type": "object", "properties": {
        "content": {"type": "string", "description": "The step, in the imperative."},
        "status": {"type": "string", "enum": list(STATUSES)},
        "activeForm": {"type": "string", "description": "The step in the present continuous."}},
        "required": ["content", "status", "activeForm"]}
    return Tool("TodoWrite", DESCRIPTION, {
        "type": "object", "properties": {"todos": {"type": "array", "items": item,
                                                   "description": "The whole updated list."}},
        "required": ["todos"]}, todos.write, read_only=True)
