"""Reference solution of exercises/07_reminder: a model layer that adds the project's
REMINDER.md to every request, as sent; the history keeps the messages as they were."""

from pathlib import Path

from agent import Wrapper
from agent.model.reminders import remind


class Reminder(Wrapper):
    def __init__(self, inner, file: Path):
        self.inner, self.file = inner, file

    def complete(self, messages, tools, emit):
        try:
            text = self.file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            text = ""
        if text:  # read at every request: an edit counts from the next one
            last = {**messages[-1], "content": remind(messages[-1].get("content") or "", [text])}
            messages = [*messages[:-1], last]  # new dicts: the history is not touched
        return self.inner.complete(messages, tools, emit)


def register(session) -> None:
    file = Path(session.config.cwd) / "REMINDER.md"
    session.add_model_layer("reminder", lambda inner: Reminder(inner, file))
