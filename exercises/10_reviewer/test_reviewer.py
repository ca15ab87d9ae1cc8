"""Starter tests of exercise 10: a subagent type from a plugin, run by the Task tool with its
own prompt and only the tools it names. The scripted model plays the parent and the subagent
in turn: the parent calls Task, the subagent's requests come next, then the parent's again."""

import pytest

from agent.model.scripted import call
from kit import assert_paired, results, solved, start

PLUGIN = solved(__file__)


def task(prompt: str = "Review app.py.") -> object:
    return call("Task", description="review app.py", prompt=prompt, subagent_type="reviewer")


@pytest.fixture
def app(workspace):
    (workspace / "app.py").write_text("def add(a, b):\n    return a - b\n")
    return workspace


def test_a_task_of_the_type_runs_with_its_prompt_and_its_tools(app):
    session, model = start(app, [task(), call("Read", file_path="app.py"),
                                 "app.py:2 subtracts; it should add.", "Found one bug."], PLUGIN)
    end = session.run("review app.py")
    assert end.text == "Found one bug."
    kind = session.subagents.types["reviewer"]
    assert set(kind.tools) == {"Read", "Grep", "Glob"} and kind.description
    child = model.requests[1]  # the subagent's first request
    assert kind.prompt in child[0]["content"] and child[1]["content"] == "Review app.py."
    assert sorted(model.tools[1]) == ["Glob", "Grep", "Read"]
    assert results(session.messages) == ["app.py:2 subtracts; it should add."]
    assert [run.subagent_type for run in session.subagents.runs] == ["reviewer"]
    assert_paired(session.messages)


def test_the_reviewer_cannot_change_anything(app):
    edit = call("Edit", file_path="app.py", old_string="a - b", new_string="a + b")
    steps = [task(), call("Read", file_path="app.py"), edit, "I could not edit it.", "Reported."]
    session, _ = start(app, steps, PLUGIN, permission_mode="bypassPermissions")
    session.run("review app.py")
    assert "return a - b" in (app / "app.py").read_text()
    (answer,) = results(session.messages)
    assert answer.startswith("I could not edit it.")


def test_it_only_reads_so_two_reviews_may_run_side_by_side(app):
    session, _ = start(app, [], PLUGIN)
    assert session.tools["Task"].alongside({"subagent_type": "reviewer"})  # Task asks the type


def test_the_task_tool_tells_the_model_about_the_reviewer(app):
    session, model = start(app, ["Nothing to review."], PLUGIN)
    session.run("hello")
    (task,) = [t for t in session.agent.schemas if t["function"]["name"] == "Task"]
    listed = task["function"]["description"]
    kind = session.subagents.types["reviewer"]
    assert f"- reviewer: {kind.description}" in listed
    assert "Explore" in listed  # the built-in types are still there, before it
    assert listed.index("- Explore") < listed.index("- reviewer")
