"""Starter tests of exercise 01: a WordCount tool the model calls, judged like Read."""

import json

from agent.model.scripted import call
from kit import results, solved, start

PLUGIN = solved(__file__)


def test_the_count_is_right_and_the_tool_is_offered_after_the_builtins(workspace):
    (workspace / "poem.txt").write_text("The quick brown fox\njumps over\n\nthe lazy dog")
    session, model = start(workspace, [call("WordCount", file_path="poem.txt"), "Nine."], PLUGIN)
    end = session.run("how many words are in poem.txt?")
    assert end.text == "Nine."
    assert model.tools[0][-1] == "WordCount" and "Read" in model.tools[0]
    assert results(session.messages) == ["9 words, 4 lines"]  # the last line has no newline


def test_it_runs_without_a_question_inside_the_workspace(workspace):
    # print mode: a call that would need a question is refused, so this one must not need one
    (workspace / "src").mkdir()
    (workspace / "src" / "notes.md").write_text("one two three\n")
    session, _ = start(workspace, [call("WordCount", file_path="src/notes.md"), "Three."], PLUGIN)
    session.run("count the words of src/notes.md")
    assert results(session.messages) == ["3 words, 1 lines"]


def test_a_read_deny_rule_refuses_it_and_the_secret_stays_out(workspace):
    (workspace / "secret.txt").write_text("hunter2 is the password\n")
    session, _ = start(workspace, [call("WordCount", file_path="secret.txt"), "I may not."],
                       PLUGIN, deny=("Read(./secret.txt)",))
    session.run("count the words of secret.txt")
    (refusal,) = results(session.messages)
    assert refusal.startswith("Permission denied: WordCount(secret.txt)")
    assert "Read(./secret.txt)" in refusal
    assert "hunter2" not in json.dumps(session.messages)


def test_a_file_outside_the_workspace_is_not_read_without_asking(workspace):
    (workspace.parent / "outside.txt").write_text("far away words\n")
    session, _ = start(workspace, [call("WordCount", file_path="../outside.txt"), "No."], PLUGIN)
    session.run("count the words of ../outside.txt")
    (refusal,) = results(session.messages)
    assert "words," not in refusal and "WordCount" in refusal


def test_a_missing_file_is_an_error_and_the_schema_requires_the_path(workspace):
    session, _ = start(workspace, [call("WordCount", file_path="nope.txt"), call("WordCount"),
                                   "Sorry."], PLUGIN)
    assert session.run("count the words of nope.txt").stop_reason == "end_turn"
    missing, no_path = results(session.messages)
    assert missing.startswith("Error:") and "nope.txt" in missing
    assert no_path.startswith("Error: bad arguments for WordCount: missing file_path")
