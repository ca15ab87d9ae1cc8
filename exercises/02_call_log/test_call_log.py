"""Starter tests of exercise 02: a PostToolUse hook that logs every tool call to a CSV file."""

import csv
import json

from agent.model.scripted import call
from kit import results, solved, start

PLUGIN = solved(__file__)


def rows(session) -> list[list[str]]:
    with (session.folder / "tool-calls.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_one_row_per_call_with_its_arguments_and_whether_it_failed(workspace):
    (workspace / "notes.txt").write_text("hello\n")
    session, _ = start(workspace, [call("Read", file_path="notes.txt"),
                                   call("Read", file_path="missing.txt"), "Done."], PLUGIN)
    session.run("read notes.txt and missing.txt")
    header, *logged = rows(session)
    assert header == ["tool", "arguments", "failed"]
    assert [(row[0], json.loads(row[1]), row[2]) for row in logged] == [
        ("Read", {"file_path": "notes.txt"}, "no"),
        ("Read", {"file_path": "missing.txt"}, "yes")]


def test_every_tool_is_logged_and_the_results_are_left_alone(workspace):
    session, _ = start(workspace, [[call("Bash", command="echo hi"), call("Glob", pattern="*.py")],
                                   "Done."], PLUGIN)
    session.run("look around")
    assert [row[0] for row in rows(session)[1:]] == ["Bash", "Glob"]
    assert results(session.messages)[0].strip() == "hi"  # the hook adds nothing to the result


def test_arguments_with_commas_quotes_and_newlines_survive(workspace):
    pattern = 'a, "b"\nc'
    session, _ = start(workspace, [call("Grep", pattern=pattern), "None."], PLUGIN)
    session.run("search")
    (row,) = rows(session)[1:]
    assert len(row) == 3 and json.loads(row[1]) == {"pattern": pattern}


def test_the_header_is_written_once_and_later_prompts_append(workspace):
    session, _ = start(workspace, [call("Glob", pattern="*"), "One.",
                                   call("Glob", pattern="*.md"), "Two."], PLUGIN)
    session.run("first")
    session.run("second")
    header, *logged = rows(session)
    assert header == ["tool", "arguments", "failed"]
    assert [json.loads(row[1]) for row in logged] == [{"pattern": "*"}, {"pattern": "*.md"}]


def test_a_refused_call_counts_as_failed(workspace):
    (workspace / "secret.txt").write_text("hunter2\n")
    session, _ = start(workspace, [call("Read", file_path="secret.txt"), "No."], PLUGIN,
                       deny=("Read(./secret.txt)",))
    session.run("read secret.txt")
    (row,) = rows(session)[1:]
    assert (row[0], json.loads(row[1]), row[2]) == ("Read", {"file_path": "secret.txt"}, "yes")
