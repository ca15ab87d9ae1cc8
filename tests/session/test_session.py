"""The Session: the composition root names each part it built, and those names are the parts
the loop really uses; what a caller does with several parts at once works end to end."""

import os

from agent.compact.ladder import Ladder
from agent.context.memory_files import SubfolderMemory
from agent.loop.repeat_guard import RepeatGuard
from agent.model.client import OpenAICompatible
from agent.model.meter import Meter
from agent.model.types import Wrapper
from agent.permissions.policy import Policy
from agent.session.checkpoints import Checkpoints
from agent.session.transcript import Transcript
from agent.tools.todo import Todos

PLAN = [{"content": "Fix it", "status": "in_progress", "activeForm": "Fixing it"}]


def build(repo, server, mode="bypassPermissions"):
    from agent.config.config import load_config
    from agent.session.compose import build_session, load_permissions
    config = load_config({"base_url": server.base_url, "model": "m", "permission_mode": mode},
                         {"HOME": os.environ["HOME"]}, repo)
    return build_session(config, lambda e: None, None, session_id="s1",
                         permissions=load_permissions(config, [], []))


def test_each_named_part_is_the_one_wired_into_the_loop(home, repo, server):
    session = build(repo, server)
    agent = session.agent
    assert isinstance(session.meter, Meter) and agent.model is session.meter is session.model
    assert isinstance(session.client, OpenAICompatible)
    inner = session.meter
    while isinstance(inner, Wrapper):
        inner = inner.inner
    assert inner is session.client  # the client under every layer
    assert isinstance(session.policy, Policy) and session.gate.policy is session.policy
    assert agent.authorize.policy is session.policy and agent.authorize.hooks is session.hooks
    assert isinstance(session.compaction, Ladder) and agent.compactor is session.compaction
    assert isinstance(session.transcript, Transcript) and session.transcript in list(agent.on_message)
    assert isinstance(session.checkpoints, Checkpoints) and session.checkpoints in list(agent.on_prompt)
    assert isinstance(session.todos, Todos) and session.todos in list(agent.after_tool)
    assert isinstance(session.memory, SubfolderMemory) and session.memory in list(agent.after_tool)
    assert any(isinstance(f, RepeatGuard) for f in agent.after_tool)
    assert session.id == "s1" and session.folder == home / ".agent" / "sessions" / "s1"
    assert session.tools is agent.tools and session.messages is agent.messages


def test_clear_forgets_the_files_read_and_the_todo_list(home, repo, server):
    (repo / "a.py").write_text("x = 1\n")
    session = build(repo, server)
    server.reply(tool_calls=[("Read", {"file_path": "a.py"})])
    server.reply(tool_calls=[("TodoWrite", {"todos": PLAN})])
    server.reply("read it")
    session.run("read a.py")
    assert session.todos.items and session.agent.ctx.read_files
    old_id = session.id
    session.clear()
    assert session.todos.items == ()
    assert not session.agent.ctx.read_files and session.id != old_id
    server.reply(tool_calls=[("Edit", {"file_path": "a.py", "old_string": "1", "new_string": "2"})])
    server.reply("done")
    session.run("change it")
    edit_result = server.requests[-1]["messages"][-1]["content"]
    assert "has not been read in this session" in edit_result
    assert (repo / "a.py").read_text() == "x = 1\n"


def test_the_reports_of_print_mode_come_from_the_parts(home, repo, server):
    session = build(repo, server)
    server.reply("hello", usage={"prompt_tokens": 120, "completion_tokens": 5})
    session.run("hi")
    cost = session.cost_report()
    assert cost["calls"] == 1 and cost["prompt_tokens"] == 120 and cost["caches"] == []
    context = session.context_report()
    assert context["window"] == session.compaction.window.size and context["compactions"] == []
    assert context["window_source"] == session.window_source()
