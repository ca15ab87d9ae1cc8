"""The doom-loop guard: the same call with the same result is reminded once, then stops the turn."""

import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from agent.loop.repeat_guard import REMINDER, RepeatGuard, TurnReader, _answered_calls, call_key
from agent.model.types import ToolCall
from agent.model.scripted import ScriptedModel, call
from agent.loop.turn import Agent
from agent.tools import ToolContext, default_tools
from invariants import assert_paired


def make_agent(tmp_path: Path, steps: list, max_repeats: int = 3) -> tuple[Agent, list]:
    events: list = []
    agent = Agent(ScriptedModel(steps), default_tools(), "You are a test.",
                  ToolContext(cwd=tmp_path), emit=events.append)
    agent.after_tool.add(RepeatGuard(lambda: agent.messages, max_repeats))
    return agent, events


def results(agent: Agent) -> list[str]:
    return [m["content"] for m in agent.messages if m["role"] == "tool"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "a.py").write_text("x = 1\n")
    return tmp_path


def test_the_second_call_is_reminded_and_the_third_stops_the_turn(repo):
    read = lambda: call("Read", file_path="a.py")  # noqa: E731 (a fresh id each time)
    agent, events = make_agent(repo, [read(), read(), [read(), call("Glob", pattern="*")], "never"])
    end = agent.run("look at a.py")
    assert end.stop_reason == "repeated_call" and end.n_turns == 3
    assert 'Read({"file_path": "a.py"}) 3 times' in end.text and "--max-repeats" in end.text
    first, second, third, glob = results(agent)
    assert "x = 1" in first and REMINDER not in first
    assert second.startswith(first) and second.endswith(REMINDER)
    assert third.startswith(first) and third.endswith(end.text)
    assert glob == "Not run: the turn was stopped (repeated_call)."
    assert_paired(agent.messages)
    assert events[-1] is end


@pytest.mark.parametrize("first, again", [
    ('{"file_path": "a.py", "limit": 5}', '{"limit":5,"file_path":"a.py"}'),  # key order, spaces
    ('{"file_path": "a.py"', '{"file_path": "a.py"'),  # not JSON: the same text
])
def test_the_same_call_is_the_same_name_and_canonical_arguments(repo, first, again):
    agent, _ = make_agent(repo, [ToolCall("c1", "Read", first), ToolCall("c2", "Read", again), "ok"])
    agent.run("go")
    assert results(agent)[1].endswith(REMINDER)


def test_other_arguments_are_another_call(repo):
    agent, _ = make_agent(repo, [call("Read", file_path="a.py"),
                                 call("Read", file_path="a.py", limit=1), "ok"])
    agent.run("go")
    assert not any(REMINDER in r for r in results(agent))


def test_a_call_whose_result_changed_is_not_a_repeat(repo):
    # Read, edit, Read again: the edit-and-check cycle of a coding agent, not a doom loop.
    steps = []
    for n in range(4):
        steps += [call("Read", file_path="a.py"),
                  call("Write", file_path="a.py", content=f"x = {n + 2}\n")]
    agent, _ = make_agent(repo, steps + ["done"])
    end = agent.run("edit it four times")
    assert end.stop_reason == "end_turn"
    assert not any(REMINDER in r for r in results(agent))


def test_counts_start_again_at_each_user_prompt(repo):
    read = lambda: call("Read", file_path="a.py")  # noqa: E731
    agent, _ = make_agent(repo, [read(), read(), "first answer", read(), "second answer"])
    assert agent.run("one").stop_reason == "end_turn"
    assert agent.run("two").stop_reason == "end_turn"
    assert [REMINDER in r for r in results(agent)] == [False, True, False]
    assert_paired(agent.messages)


def test_identical_calls_in_one_reply_count_too(repo):
    read = lambda: call("Read", file_path="a.py")  # noqa: E731
    agent, _ = make_agent(repo, [[read(), read(), read()], "never"])
    end = agent.run("go")
    assert end.stop_reason == "repeated_call"
    assert [REMINDER in r for r in results(agent)] == [False, True, False]
    assert_paired(agent.messages)


def test_ids_reused_across_replies_are_counted_by_position(repo):
    # Some servers number calls per reply ("call_0" every time): results are found by position.
    read = ToolCall("call_0", "Read", '{"file_path": "a.py"}')
    write = ToolCall("call_0", "Write", '{"file_path": "a.py", "content": "x = 2\\n"}')
    agent, _ = make_agent(repo, [read, write, read, read, "done"])
    assert agent.run("go").stop_reason == "end_turn"  # only the last two reads are the same
    assert [REMINDER in r for r in results(agent)] == [False, False, False, True]


def test_zero_never_stops_but_still_reminds(repo):
    read = lambda: call("Read", file_path="a.py")  # noqa: E731
    agent, _ = make_agent(repo, [read() for _ in range(5)] + ["gave up"], max_repeats=0)
    assert agent.run("go").stop_reason == "end_turn"
    assert [REMINDER in r for r in results(agent)] == [False] + [True] * 4


def test_a_count_of_one_would_stop_every_call_and_is_refused():
    with pytest.raises(ValueError):
        RepeatGuard(lambda: [], 1)



def _reply(rng: random.Random) -> list[dict]:
    """An assistant message with 0-3 calls, then results for some of them (maybe not all: a
    reply whose results are still coming), sometimes an odd message in between."""
    calls = [{"id": f"c{rng.randint(0, 3)}", "type": "function", "function": {
        "name": rng.choice(["Read", "Bash"]),
        "arguments": rng.choice(['{"a": 1}', '{"a":1}', '{"a": 2}', '{"a"'])}}
        for _ in range(rng.randint(0, 3))]
    out = [{"role": "assistant", "content": "", **({"tool_calls": calls} if calls else {})}]
    for _ in range(rng.randint(0, len(calls))):
        out.append({"role": "tool", "tool_call_id": "c0", "content": rng.choice(["x", "y"])}
                   if rng.random() < 0.9 else {"role": "assistant", "content": "odd"})
    return out


def _edit(history: list[dict], rng: random.Random) -> None:
    """What can happen to a history besides appending, each making new dicts: a result
    masked (compaction), a summary and the recent tail, a rewind, /clear."""
    kind = rng.choice(["mask", "summary", "rewind", "clear"])
    tools = [i for i, m in enumerate(history) if m["role"] == "tool"]
    if kind == "mask" and tools:
        i = rng.choice(tools)
        history[i] = {**history[i], "content": "[masked]"}
    elif kind == "summary":
        history[:] = [history[0], {"role": "user", "content": "summary"}] + history[
            -rng.randint(0, len(history) - 1):]
    elif kind == "rewind":
        history[:] = history[:rng.randint(1, len(history))]
    else:
        history[:] = history[:1]


def test_the_turn_read_as_it_grows_gives_the_answer_of_a_reading_from_scratch():
    rng = random.Random(17)
    for _ in range(300):
        reader, history = TurnReader(), [{"role": "system", "content": "s"}]
        for _ in range(30):
            roll = rng.random()
            if roll < 0.7:
                history += _reply(rng)
            elif roll < 0.8:
                history.append({"role": "user", "content": "more"})
            else:
                _edit(history, rng)
            expected = Counter((call_key(c["function"]["name"], c["function"]["arguments"]),
                                content) for c, content in _answered_calls(history))
            got = Counter((key, content) for key, contents in reader.read(history).items()
                          for content in contents)
            assert got == expected

# The CLI: the stop reason reaches the user, and the exit code is 1.

AGENT = [sys.executable, "-m", "agent"]


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run(AGENT + args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("output_format", ["text", "json", "stream-json"])
def test_print_mode_shows_the_repeated_call_and_exits_1(server, repo, output_format):
    for _ in range(5):
        server.reply(tool_calls=[("Read", {"file_path": "a.py"})])
    done = run_cli(["-p", "loop", "--base-url", server.base_url,
                    "--output-format", output_format], repo)
    assert done.returncode == 1, done.stderr
    assert len(server.requests) == 3  # stopped after the third identical call
    assert_paired(server.requests[-1]["messages"])
    if output_format == "text":
        assert done.stderr.startswith("agent: repeated_call: Stopped: the model made the call Read")
    else:
        result = json.loads(done.stdout.splitlines()[-1])
        assert result["subtype"] == "error_during_execution" and result["is_error"]
        assert result["stop_reason"] == "repeated_call" and "3 times" in result["result"]


def test_max_repeats_flag(server, repo):
    for _ in range(3):
        server.reply(tool_calls=[("Read", {"file_path": "a.py"})])
    server.reply(text="fine")
    done = run_cli(["-p", "loop", "--base-url", server.base_url, "--max-repeats", "0"], repo)
    assert done.returncode == 0 and done.stdout.strip() == "fine", done.stderr
    assert run_cli(["-p", "x", "--max-repeats", "1"], repo).returncode == 2
