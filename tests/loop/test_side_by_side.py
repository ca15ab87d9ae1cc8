"""Calls that only read, next to each other in a reply, run side by side: the results are
appended in the order of the calls, judging stays in order on the loop's thread, and the
pairing holds when one of them fails and when the user interrupts."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from agent.events import ToolEnd, ToolFinished
from agent.loop.seams import StopTurn, Verdict
from agent.loop.side_by_side import groups
from agent.loop.turn import Agent
from agent.model.scripted import ScriptedModel, call
from agent.tools import Tool, ToolContext, ToolError
from invariants import assert_paired

SCHEMA = {"type": "object", "properties": {"s": {"type": "number"}, "text": {"type": "string"}}}


class Clock:
    """When each tool started and ended, and on which thread."""

    def __init__(self):
        self.spans: dict[str, tuple[float, float, str]] = {}

    def slow(self, name: str):
        def run(args: dict, ctx: ToolContext) -> str:
            start = time.monotonic()
            time.sleep(args.get("s", 0.3))
            if args.get("text") == "raise":
                raise RuntimeError("a bug in the tool")
            if args.get("text") == "refuse":
                raise ToolError("no such file")
            if args.get("text") == "interrupt":
                raise KeyboardInterrupt
            self.spans[args.get("text", name)] = (start, time.monotonic(), threading.current_thread().name)
            return f"{name} read {args.get('text')}"
        return run


def make(tmp_path: Path, steps: list, authorize=None):
    clock, events = Clock(), []
    tools = [Tool("Look", "reads", SCHEMA, clock.slow("Look"), True, alongside=True),
             Tool("Peek", "reads", SCHEMA, clock.slow("Peek"), True, alongside=True),
             Tool("Poke", "changes", SCHEMA, clock.slow("Poke"), False)]
    agent = Agent(ScriptedModel(steps), tools, "system", ToolContext(cwd=tmp_path),
                  emit=events.append, **({"authorize": authorize} if authorize else {}))
    return agent, clock, events


def results(agent: Agent) -> list[str]:
    return [m["content"] for m in agent.messages if m["role"] == "tool"]


def test_reads_run_at_once_and_their_results_keep_the_order_of_the_calls(tmp_path):
    reply = [call("Look", s=0.6, text="a"), call("Peek", s=0.2, text="b"),
             call("Look", s=0.4, text="c"), call("Peek", s=0.05, text="d")]
    agent, clock, events = make(tmp_path, [reply, "done"])
    start = time.monotonic()
    end = agent.run("read four files")
    took = time.monotonic() - start
    assert end.stop_reason == "end_turn"
    assert results(agent) == ["Look read a", "Peek read b", "Look read c", "Peek read d"]
    assert took < 1.0, f"one after another is 1.25 s; side by side took {took:.2f} s"
    starts = [span[0] for span in clock.spans.values()]
    assert max(starts) - min(starts) < 0.3  # all had started before the shortest ended
    finished = [e.call.arguments for e in events if isinstance(e, ToolFinished)]
    assert [json.loads(a)["text"] for a in finished] == ["d", "b", "c", "a"]  # as each ended
    ends = [e.call.id for e in events if isinstance(e, ToolEnd)]
    assert ends == [c.id for c in reply]  # appended in order
    assert_paired(agent.messages)


def test_a_call_that_changes_things_splits_the_groups_and_runs_alone(tmp_path):
    reply = [call("Look", s=0.2, text="a"), call("Look", s=0.2, text="b"),
             call("Poke", s=0.1, text="w"), call("Look", s=0.1, text="c")]
    agent, clock, _ = make(tmp_path, [reply, "done"])
    agent.run("go")
    assert [len(g) for g in groups(tuple(reply), agent.tools)] == [2, 1, 1]
    a, b, w, c = (clock.spans[k] for k in "abwc")
    assert w[0] >= max(a[1], b[1])  # the change starts after both reads ended
    assert c[0] >= w[1]  # and the read after it waits for it
    assert w[2] == threading.current_thread().name  # a call alone runs on the loop's thread
    assert results(agent) == ["Look read a", "Look read b", "Poke read w", "Look read c"]


@pytest.mark.parametrize("failure, expected", [
    ("raise", "Error: Look failed unexpectedly (RuntimeError: a bug in the tool)."),
    ("refuse", "Error: no such file"),
])
def test_one_failing_call_is_its_own_error_and_the_others_keep_their_results(tmp_path, failure, expected):
    reply = [call("Look", s=0.1, text="a"), call("Look", s=0.05, text=failure),
             call("Peek", s=0.2, text="c")]
    agent, _, events = make(tmp_path, [reply, "done"])
    assert agent.run("go").stop_reason == "end_turn"
    assert results(agent) == ["Look read a", expected, "Peek read c"]
    assert [e.is_error for e in events if isinstance(e, ToolEnd)] == [False, True, False]
    assert_paired(agent.messages)


def test_unknown_tools_and_bad_arguments_in_a_group_become_results_in_place(tmp_path):
    from agent.model.types import ToolCall
    reply = [call("Look", s=0.1, text="a"), call("Nope", text="x"),
             ToolCall("bad", "Peek", "{not json"), call("Look", s=0.1, text="d")]
    agent, _, _ = make(tmp_path, [reply, "done"])
    agent.run("go")
    got = results(agent)
    assert got[0] == "Look read a" and got[3] == "Look read d"
    assert "no tool named 'Nope'" in got[1] and got[2].startswith("Error: the arguments for Peek")


def test_judging_happens_in_order_on_the_loops_thread_before_any_runs(tmp_path):
    seen = []

    def authorize(tool, args, c):
        seen.append((args["text"], threading.current_thread().name, time.monotonic()))
        if args["text"] == "b":
            return Verdict(False, args, "Permission denied: b is secret")
        return Verdict(True, args)
    reply = [call("Look", s=0.2, text=t) for t in "abc"]
    agent, clock, _ = make(tmp_path, [reply, "done"], authorize)
    agent.run("go")
    assert [s[0] for s in seen] == ["a", "b", "c"]
    assert {s[1] for s in seen} == {threading.current_thread().name}
    assert max(s[2] for s in seen) <= min(span[0] for span in clock.spans.values())
    assert results(agent) == ["Look read a", "Permission denied: b is secret", "Look read c"]


def test_a_stop_while_judging_runs_what_was_judged_and_answers_the_rest(tmp_path):
    def authorize(tool, args, c):
        if args["text"] == "b":
            raise StopTurn("hook_stopped", "budget exhausted")
        return Verdict(True, args)
    reply = [call("Look", s=0.1, text=t) for t in "abc"]
    agent, clock, _ = make(tmp_path, [reply, "unused"], authorize)
    end = agent.run("go")
    assert end.stop_reason == "hook_stopped"
    got = results(agent)
    assert got[0] == "Look read a" and "budget exhausted" in got[1]
    assert got[2] == "Not run: the turn was stopped (hook_stopped)." and "c" not in clock.spans
    assert_paired(agent.messages)


def test_an_interrupt_inside_one_call_answers_every_call_of_the_reply(tmp_path):
    reply = [call("Look", s=0.3, text="a"), call("Look", s=0.05, text="interrupt"),
             call("Poke", s=0.1, text="w")]
    agent, clock, _ = make(tmp_path, [reply, "after"])
    end = agent.run("go")
    assert end.stop_reason == "interrupted" and "w" not in clock.spans
    assert all(r == "Interrupted by the user before this finished." for r in results(agent))
    assert len(results(agent)) == 3
    assert_paired(agent.messages)
    assert agent.ctx.stopping.is_set()
    assert agent.run("again").stop_reason == "end_turn"  # the history is valid for the next turn


def test_ctrl_c_while_the_group_runs_answers_every_call_and_says_stop(tmp_path):
    reply = [call("Look", s=1.5, text="a"), call("Peek", s=1.5, text="b")]
    agent, clock, _ = make(tmp_path, [reply, "after"])
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    start = time.monotonic()
    end = agent.run("go")
    assert time.monotonic() - start < 1.2  # it did not wait for the reads
    assert end.stop_reason == "interrupted"
    assert results(agent) == ["Interrupted by the user before this finished."] * 2
    assert_paired(agent.messages)
    assert agent.ctx.stopping.is_set()
    assert agent.run("again").stop_reason == "end_turn"


def test_print_mode_reads_side_by_side_over_http_and_shows_each_as_it_ends(tmp_path, home, server):
    for name in "abc":
        (tmp_path / f"{name}.txt").write_text(f"content of {name}\n")
    server.reply(tool_calls=[("Read", {"file_path": "a.txt"}), ("Grep", {"pattern": "content"}),
                             ("Read", {"file_path": "c.txt"})])
    server.reply("three read")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    done = subprocess.run([sys.executable, "-m", "agent", "-p", "read them", "--base-url",
                           server.base_url, "--verbose"], cwd=tmp_path,
                          env={**base, "HOME": str(home)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    sent = [m for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert "content of a" in sent[0]["content"] and "content of c" in sent[2]["content"]
    assert "a.txt" in sent[1]["content"] and "c.txt" in sent[1]["content"]
    assert done.stderr.count("✓ ") == 3  # each shown as it finished
    assert "⎿ Read: " in done.stderr and "⎿ Grep: " in done.stderr  # results named, in order
