"""Starter tests of exercise 08: a model layer that reads tool calls a model wrote in its text
as `<call name="Read">{"file_path": "a.txt"}</call>`, and tells the model that format."""

import json

import pytest

from agent.model.scripted import call
from kit import assert_paired, results, solved, start

PLUGIN = solved(__file__)


@pytest.fixture
def files(workspace):
    (workspace / "a.txt").write_text("alpha\n")
    (workspace / "b.txt").write_text("beta\n")
    return workspace


def calls(messages: list[dict]) -> list[tuple[str, dict]]:
    return [(c["function"]["name"], json.loads(c["function"]["arguments"]))
            for m in messages for c in m.get("tool_calls") or []]


def test_a_tag_becomes_a_call_that_runs(files):
    session, _ = start(files, ['Let me look.\n<call name="Read">{"file_path": "a.txt"}</call>',
                               "It says alpha."], PLUGIN, model_layers="call_tags")
    end = session.run("what is in a.txt?")
    assert end.text == "It says alpha."
    assert calls(session.messages) == [("Read", {"file_path": "a.txt"})]
    assert session.messages[2]["content"] == "Let me look."  # the text, without the tag
    assert "alpha" in results(session.messages)[0]
    assert_paired(session.messages)


def test_several_tags_are_several_calls_in_order_each_with_its_own_id(files):
    both = ('<call name="Read">{"file_path": "a.txt"}</call>\n'
            '<call name="Read">{"file_path": "b.txt"}</call>')
    session, _ = start(files, [both, '<call name="Glob">{"pattern": "*.txt"}</call>', "Done."],
                       PLUGIN, model_layers="call_tags")
    session.run("read both")
    assert calls(session.messages) == [("Read", {"file_path": "a.txt"}),
                                       ("Read", {"file_path": "b.txt"}),
                                       ("Glob", {"pattern": "*.txt"})]
    ids = [c["id"] for m in session.messages for c in m.get("tool_calls") or []]
    assert len(set(ids)) == 3  # a result is paired with its call by id, across replies too
    assert "alpha" in results(session.messages)[0] and "beta" in results(session.messages)[1]
    assert_paired(session.messages)


def test_broken_arguments_reach_the_loop_which_tells_the_model(files):
    session, _ = start(files, ['<call name="Read">{"file_path": "a.txt"</call>', "Oops."],
                       PLUGIN, model_layers="call_tags")
    session.run("read a.txt")
    (error,) = results(session.messages)
    assert error.startswith("Error: the arguments for Read are not valid JSON")
    assert_paired(session.messages)


def test_text_that_is_no_call_of_ours_is_left_alone(files):
    unknown = 'Try <call name="Teleport">{"to": "mars"}</call> some day.'
    session, _ = start(files, [unknown, "Just text.", call("Read", file_path="b.txt"), "Beta."],
                       PLUGIN, model_layers="call_tags")
    assert session.run("one").text == unknown
    assert session.run("two").text == "Just text."
    session.run("three")  # a native call passes through as it came
    assert calls(session.messages) == [("Read", {"file_path": "b.txt"})]


def test_the_model_is_told_the_format_and_the_history_is_not_changed(files):
    session, model = start(files, ["Hello."], PLUGIN, model_layers="call_tags")
    session.run("hi")
    sent_system = model.requests[0][0]["content"]
    assert '<call name="' in sent_system and sent_system.startswith(session.messages[0]["content"])
    assert "<call" not in session.messages[0]["content"]
