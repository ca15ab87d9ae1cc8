"""Starter tests of exercise 07: a model layer, chosen by name, that adds the project's
REMINDER.md to every request as it is sent, and never to the history. The model here echoes
the last message it got, so a test sees what reached it."""

import json

import pytest

from agent import Reply
from agent.model.reminders import OPEN, own_words
from agent.model.scripted import call
from kit import results, solved, start

PLUGIN = solved(__file__)
RULE = "Run the tests before you say that something works."


def echo(messages: list[dict]) -> Reply:
    return Reply(text=f"you said: {messages[-1]['content']}", finish_reason="stop")


@pytest.fixture
def project(workspace):
    (workspace / "REMINDER.md").write_text(f"{RULE}\n")
    return workspace


def test_the_request_carries_the_reminder_and_the_history_does_not(project):
    session, model = start(project, [echo], PLUGIN, model_layers="reminder")
    end = session.run("fix the bug")
    sent = model.requests[0][-1]["content"]
    assert own_words(sent) == "fix the bug" and f"{OPEN}{RULE}" in sent  # its own reminder block
    assert RULE in end.text  # what the model got is what it echoed
    assert own_words(session.messages[1]["content"]) == "fix the bug"
    assert RULE not in json.dumps(session.messages[:-1])
    stored = session.transcript.path.read_text()
    assert stored.count(RULE) == 1  # only in the echoed answer: no message was stored with it


def test_every_request_has_it_once_even_after_a_tool_result(project):
    (project / "a.txt").write_text("alpha\n")
    session, model = start(project, [call("Read", file_path="a.txt"), echo, echo], PLUGIN,
                           model_layers="reminder")
    session.run("read a.txt")
    session.run("and now?")
    assert len(model.requests) == 3
    for request in model.requests:
        assert RULE in request[-1]["content"]  # the last message, whatever its role
        assert json.dumps(request).count(RULE) == 1 + sum(  # never piled up on earlier ones
            RULE in str(m.get("content")) for m in request[:-1] if m["role"] == "assistant")
    assert model.requests[1][-1]["role"] == "tool"
    assert RULE not in results(session.messages)[0]


def test_the_file_is_read_at_each_request(project):
    session, model = start(project, ["One.", "Two.", "Three."], PLUGIN, model_layers="reminder")
    session.run("first")
    (project / "REMINDER.md").write_text("Answer in French.\n")
    session.run("second")
    assert "Answer in French." in model.requests[1][-1]["content"]
    assert RULE not in model.requests[1][-1]["content"]
    (project / "REMINDER.md").unlink()
    session.run("third")
    assert model.requests[2][-1]["content"] == "third"  # no file: the request as it was


def test_registered_but_not_chosen_it_stays_out(project):
    session, model = start(project, [echo], PLUGIN)
    session.run("fix the bug")
    assert RULE not in model.requests[0][-1]["content"]
    assert "reminder" in session.model_layers  # registered under its name all the same
