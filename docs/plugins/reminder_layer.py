"""A plugin: a model layer that reminds the model of one rule in every request.

    agent --plugin docs/plugins/reminder_layer.py --model-layers reminder

A model layer wraps the model (`agent.Wrapper`): it gets each request before the layers
under it and may change what is sent, or the reply. This one adds a reminder to the last
message of each request, as sent; the history keeps the message as it was, so the reminder
is never stored and the prompt prefix does not change. It sits under the meter, which
counts the tokens it adds.
"""

from agent import Wrapper
from agent.model.reminders import remind

RULE = "Answer in English, and run the tests before you say that something works."


class Reminder(Wrapper):
    def __init__(self, inner, text: str = RULE):
        self.inner, self.text = inner, text

    def complete(self, messages, tools, emit):
        last = {**messages[-1], "content": remind(messages[-1].get("content") or "", [self.text])}
        return self.inner.complete([*messages[:-1], last], tools, emit)


def register(session) -> None:
    session.add_model_layer("reminder", Reminder)
