"""TodoWrite: the schema's checks, the event and the checklist, permissions in every mode,
and the reminder that restates a stale list, over real HTTP against the test server."""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agent.events import TodosChanged
from agent.model.scripted import ScriptedModel, call
from agent.model.types import ToolCall
from agent.loop.turn import Agent
from agent.app.render import Terminal, call_line, to_json
from agent.tools import ToolContext, ToolError
from agent.tools.todo import (REMINDER_MARK, SAVED, STALE_AFTER, Todo, Todos, todo_write,
                              todos_text)
from invariants import assert_paired

PLAN = [{"content": "Read the code", "status": "completed", "activeForm": "Reading the code"},
        {"content": "Fix the bug", "status": "in_progress", "activeForm": "Fixing the bug"},
        {"content": "Run the tests", "status": "pending", "activeForm": "Running the tests"}]


def build(repo, server, ask=None, mode="default", emit=None):
    from agent.session.compose import build_session, load_permissions
    from agent.config.config import load_config
    config = load_config({"base_url": server.base_url, "model": "m", "permission_mode": mode},
                         {"HOME": os.environ["HOME"]}, repo)
    return build_session(config, emit or (lambda e: None), ask,
                         permissions=load_permissions(config, [], []))


def write(todos, events=None):
    tool = todo_write(Todos(lambda: [], (events if events is not None else []).append))
    return tool.run({"todos": todos}, ToolContext(cwd=Path(".")))


@pytest.mark.parametrize("todos, error", [
    ("Fix the bug", "todos must be an array"),
    (["Fix the bug"], "item 1 must be an object"),
    ([{"status": "pending", "activeForm": "Fixing"}], "item 1 has no content"),
    ([PLAN[0], {"content": "Fix", "status": "pending"}], "item 2 has no activeForm"),
    ([{"content": " ", "status": "pending", "activeForm": ""}], "item 1 has no content and no activeForm"),
    ([{"content": "Fix", "status": "done", "activeForm": "Fixing"}],
     "item 1 ('Fix') has status 'done'; use one of: pending, in_progress, completed"),
    ([{"content": "Fix", "status": "in-progress", "activeForm": "Fixing"}],
     "item 1 ('Fix') has status 'in-progress'"),
])
def test_a_bad_list_is_refused_with_what_to_fix(todos, error):
    events = []
    with pytest.raises(ToolError, match="^" + re.escape(error)):
        write(todos, events)
    assert events == []  # nothing saved, nothing shown


@pytest.mark.parametrize("todos, note", [
    (PLAN, None),
    ([], None),  # an empty list clears it
    ([{**PLAN[1]}, {**PLAN[2], "status": "in_progress"}], "2 items are in_progress"),
])
def test_a_good_list_is_saved_and_more_than_one_in_progress_is_a_warning(todos, note):
    events = []
    result = write(todos, events)
    assert result.startswith(SAVED)
    assert (note in result) if note else result == SAVED
    (event,) = events
    assert [t.status for t in event.todos] == [t["status"] for t in todos]


def test_the_event_carries_the_list_and_the_checklist_shows_it():
    events = []
    write(PLAN, events)
    (event,) = events
    assert event == TodosChanged((Todo("Read the code", "completed", "Reading the code"),
                                  Todo("Fix the bug", "in_progress", "Fixing the bug"),
                                  Todo("Run the tests", "pending", "Running the tests")))
    assert todos_text(event.todos) == "☑ Read the code\n◐ Fixing the bug\n☐ Run the tests"
    assert todos_text(()) == "No todos yet."
    out = io.StringIO()
    Terminal(out, color=False)(event)
    assert out.getvalue() == "  ☑ Read the code\n  ◐ Fixing the bug\n  ☐ Run the tests\n"
    assert call_line(call("TodoWrite", todos=PLAN)) == "TodoWrite(3 items)"
    assert json.loads(json.dumps(to_json(event))) == {"type": "todos", "todos": [
        {"content": "Read the code", "status": "completed", "active_form": "Reading the code"},
        {"content": "Fix the bug", "status": "in_progress", "active_form": "Fixing the bug"},
        {"content": "Run the tests", "status": "pending", "active_form": "Running the tests"}]}


@pytest.mark.parametrize("mode", ["default", "plan", "acceptEdits"])
def test_todo_write_never_asks(home, repo, server, mode):
    asked = []
    server.reply(tool_calls=[("TodoWrite", {"todos": PLAN})])
    server.reply("planned")
    session = build(repo, server, ask=lambda *a: asked.append(a), mode=mode)
    assert session.run("plan it").stop_reason == "end_turn"
    assert asked == []
    assert [m["content"] for m in server.requests[-1]["messages"] if m["role"] == "tool"] == [SAVED]
    assert todos_text(session.todos.items) == "☑ Read the code\n◐ Fixing the bug\n☐ Run the tests"


def test_todo_write_runs_in_print_mode_and_stream_json_carries_the_list(home, repo, server):
    server.reply(tool_calls=[("TodoWrite", {"todos": PLAN})])
    server.reply("planned")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    done = subprocess.run([sys.executable, "-m", "agent", "-p", "plan it", "--base-url",
                           server.base_url, "--output-format", "stream-json"], cwd=repo,
                          env={**env, "HOME": str(home)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    (todos,) = [line for line in lines if line.get("subtype") == "todos"]
    assert todos["type"] == "system"
    assert [t["content"] for t in todos["todos"]] == [t["content"] for t in PLAN]
    (result,) = [block for line in lines if line["type"] == "user"
                 for block in line["message"]["content"]]
    assert result["content"] == SAVED and not result["is_error"]


def reminders(messages: list[dict]) -> list[int]:
    return [i for i, m in enumerate(messages) if REMINDER_MARK in str(m.get("content"))]


def test_a_stale_list_is_restated_after_n_model_calls_and_not_before(home, repo, server):
    server.reply(tool_calls=[("TodoWrite", {"todos": PLAN})])
    for i in range(STALE_AFTER + 1):  # each a different call: the doom-loop guard stays out
        server.reply(tool_calls=[("Glob", {"pattern": f"*.{i}"})])
    server.reply("done")
    session = build(repo, server)
    session.run("fix the bug")
    # request k+1 carries the result of model call k; call 1 was the TodoWrite
    for request in server.requests[:STALE_AFTER + 1]:
        assert reminders(request["messages"]) == []
    messages = server.requests[STALE_AFTER + 1]["messages"]
    (i,) = reminders(messages)
    assert i == len(messages) - 1 and messages[i]["role"] == "tool"  # joined the result
    assert messages[i]["content"].startswith("No files found\n\n<system-reminder>")
    assert "2. [in_progress] Fix the bug" in messages[i]["content"]
    assert len(reminders(server.requests[-1]["messages"])) == 1  # once, not on every call after
    assert_paired(session.agent.messages)
    for request in server.requests:
        assert_paired(request["messages"])


def test_the_reminder_joins_the_next_prompt_and_stops_when_all_is_done():
    steps = [call("TodoWrite", todos=PLAN), "working", "still working", "more",
             [call("TodoWrite", todos=[{**t, "status": "completed"} for t in PLAN])], "done", "ok"]
    model = ScriptedModel(steps)
    todos = Todos(lambda: agent.messages, lambda e: None, stale_after=3)
    agent = Agent(model, [todo_write(todos)], "system", ToolContext(cwd=Path(".")))
    agent.after_tool.add(todos)
    agent.on_prompt.add(todos.note)
    for prompt in ("plan", "go on", "go on"):
        agent.run(prompt)
    assert reminders(model.requests[-1]) == []  # two model calls since the TodoWrite
    agent.run("and now?")
    (i,) = reminders(model.requests[-1])
    assert model.requests[-1][i]["role"] == "user" and model.requests[-1][i]["content"].startswith("and now?")
    agent.run("finish")  # the model ticks everything off
    agent.run("anything else?")
    assert reminders(model.requests[-1]) == [i]  # all completed: nothing to restate
    assert_paired(agent.messages)


def test_restore_takes_the_list_from_the_last_todo_write_in_the_history():
    events = []
    todos = Todos(lambda: [], events.append)
    first = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "a", "type": "function", "function": {"name": "TodoWrite",
                                                     "arguments": json.dumps({"todos": PLAN})}}]}
    broken = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "b", "type": "function", "function": {"name": "TodoWrite", "arguments": "{"}}]}
    todos.restore([first, broken])
    assert [t.content for t in todos.items] == [t["content"] for t in PLAN]
    todos.restore([])
    assert todos.items == () and [len(e.todos) for e in events] == [3, 0]


def test_with_no_unfinished_list_the_history_is_not_read():
    reads = []
    todos = Todos(lambda: reads.append(1) or [], lambda e: None)
    assert todos.reminder() is None and todos.note("next") is None
    todos.items = (Todo("Run the tests", "completed", "Running the tests"),)
    assert todos(ToolCall("c1", "Read", "{}"), "result") == "result"
    assert reads == []
