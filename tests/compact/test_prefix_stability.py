"""The prefix report: consecutive requests share their whole prefix, and a break that is
injected on purpose is found and named."""

import json
import os
import random
import subprocess

import pytest

from agent.compact.ladder import Ladder, mask_observations
from agent.model.scripted import ScriptedModel, call
from agent.loop.turn import Agent
from agent.compact.prefix_stability import common_prefix, summary, summary_text
from agent.model.tokens import TokenCounter
from agent.tools import Tool, ToolContext
from agent.compact.window import Window


def echo(args: dict, ctx: ToolContext) -> str:
    return f"echo {args['n']}\n" + "line of output\n" * 30


ECHO = Tool("Echo", "echo a number", {"type": "object", "properties": {"n": {"type": "integer"}},
                                      "required": ["n"]}, echo, True)
OTHER = Tool("Other", "another tool", {"type": "object", "properties": {}}, echo, True)


def agent_with(steps, tools=(ECHO, OTHER), window: int = 100_000) -> Agent:
    ladder = Ladder(Window.of(window), [mask_observations])
    return Agent(ScriptedModel(list(steps)), list(tools), "You are a test agent.",
                 ToolContext(cwd=os.getcwd()), compactor=ladder)


def forget(messages: list[dict], job) -> list[dict]:
    """A compaction strategy that drops the first tool result's text."""
    return messages[:3] + [{**messages[3], "content": "(forgotten)"}] + messages[4:]


def turn(n: int) -> list:
    return [call("Echo", n=n), f"done {n}"]


def test_an_append_only_session_reuses_every_previous_prompt():
    agent = agent_with(turn(1) + turn(2) + turn(3))
    for n in (1, 2, 3):
        agent.run(f"echo {n}")
    checks = agent.compactor.prefix
    assert len(checks) == 5 and all(c.cause == "" and c.broke_at is None for c in checks)
    assert all(c.shared_tokens == c.previous_tokens < c.tokens for c in checks)
    report = summary(checks)
    assert report == {"requests": 6, "reuse": 1.0, "target": 0.97, "breaks": []}
    assert "100.0% of each previous prompt" in summary_text(report)


@pytest.mark.parametrize("inject, cause, at", [
    (lambda a: a.messages.__setitem__(0, {"role": "system", "content": "Date: tomorrow"}),
     "system prompt changed", 0),
    (lambda a: a.schemas.reverse(), "tools reordered", 0),
    (lambda a: a.schemas.pop(), "tools changed", 0),
    (lambda a: a.messages.__setitem__(2, {**a.messages[2], "content": "I said otherwise"}),
     "message 2 changed", 2),  # a new dict: messages are never edited in place
    (lambda a: a.compactor.compact(a.messages, a.schemas, "manual", strategies=[forget]),
     "compaction", 3),
])
def test_an_injected_break_is_found_and_named(inject, cause, at):
    agent = agent_with(turn(1) + turn(2))
    agent.run("echo 1")
    inject(agent)
    agent.run("echo 2")
    breaks = summary(agent.compactor.prefix)["breaks"]
    assert breaks == [{"request": 3, "at": at, "cause": cause}]
    assert f"request 3: broke at message {at}: {cause}" in summary_text(summary(agent.compactor.prefix))


def test_compaction_turns_do_not_count_against_reuse():
    agent = agent_with(turn(1) + turn(2) + turn(3))
    agent.run("echo 1")
    agent.compactor.compact(agent.messages, agent.schemas, "manual", strategies=[forget])
    agent.run("echo 2")
    agent.messages[0] = {"role": "system", "content": "changed"}
    agent.run("echo 3")
    report = summary(agent.compactor.prefix)
    assert [b["cause"] for b in report["breaks"]] == ["compaction", "system prompt changed"]
    checks = [c for c in agent.compactor.prefix if c.cause != "compaction"]
    assert report["reuse"] == pytest.approx(sum(c.shared_tokens for c in checks)
                                            / sum(c.previous_tokens for c in checks), abs=1e-4)
    assert report["reuse"] < 0.97 and "below the 97% target" in summary_text(report)


def test_common_prefix_without_tools_compares_messages_only():
    counter = TokenCounter()
    a = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    check = common_prefix(a, a + [{"role": "assistant", "content": "x"}], counter)
    assert check.broke_at is None and check.cause == ""



def prefix_from_scratch(previous, current, counter):
    """The definition: compare the canonical JSON of each message, count every one."""
    shared = 0
    for old, new in zip(previous, current):
        if json.dumps(old, sort_keys=True) != json.dumps(new, sort_keys=True):
            break
        shared += 1
    count = lambda ms: sum(TokenCounter().message(m) for m in ms)  # noqa: E731
    return shared, count(previous[:shared]), count(previous), count(current)


def test_the_prefix_check_gives_the_answer_from_scratch_across_edits():
    rng = random.Random(17)
    counter = TokenCounter()
    for _ in range(60):
        previous = [{"role": "system", "content": "s"}]
        for _ in range(25):
            current = list(previous)
            roll = rng.random()
            if roll < 0.6:
                current += [{"role": "tool", "content": "w " * rng.randint(0, 30)}]
            elif roll < 0.75 and len(current) > 1:
                i = rng.randrange(0, len(current))
                current[i] = {**current[i], "content": rng.choice(["[masked]", current[i]["content"]])}
            elif roll < 0.9:
                current = current[:rng.randint(1, len(current))]
            else:
                current = [dict(m) for m in current]  # equal, but new dicts
            check = common_prefix(previous, current, counter)
            shared, shared_tokens, previous_tokens, tokens = prefix_from_scratch(
                previous, current, counter)
            assert (check.shared_messages, check.shared_tokens, check.previous_tokens,
                    check.tokens) == (shared, shared_tokens, previous_tokens, tokens)
            assert check.broke_at == (None if shared == len(previous) else shared)
            previous = current

def test_our_layout_meets_the_target_over_http(server, tmp_path):
    """The real pieces (build_session: changing facts, hooks, memory) over the real client: a
    git status that changes between prompts goes to the end of the prompt, not the start."""
    from agent.session.compose import build_session, load_permissions
    from agent.config.config import load_config

    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    home = tmp_path / "home"
    home.mkdir()
    environ = {"HOME": str(home)}
    os.environ["HOME"] = str(home)
    try:
        config = load_config({"base_url": server.base_url, "model": "m",
                              "permission_mode": "bypassPermissions"}, environ, repo)
        session = build_session(config, lambda e: None, None,
                                permissions=load_permissions(config, [], []))
        for n in range(4):
            server.reply(tool_calls=[("Write", {"file_path": str(repo / f"f{n}.txt"), "content": "x\n"})])
            server.reply(f"wrote f{n}")
            session.run(f"write f{n}.txt")  # each prompt finds a new untracked file: git status moved
        report = session.context_report()["prefix_summary"]
    finally:
        os.environ.pop("HOME")
    assert report["requests"] == 8 and report["breaks"] == [] and report["reuse"] == 1.0
    firsts = [json.dumps(r["messages"][:1]) for r in server.requests]
    assert len(set(firsts)) == 1  # the system prompt never changed
