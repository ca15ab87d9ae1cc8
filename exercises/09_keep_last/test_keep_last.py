"""Starter tests of exercise 09: a compaction strategy that keeps the last 4 turns of the model,
chosen by name, that never splits a call from its result, and that the compaction benchmark
can measure."""

import copy
import subprocess
import sys

import pytest

from agent.model.scripted import call
from kit import ROOT, assert_paired, solved, start

PLUGIN = solved(__file__)
KEEP = 4


@pytest.fixture
def long_session(workspace):
    """Two requests: the first with 2 Reads, the second with 6 turns, one of 2 calls at once."""
    for name in "abcdefgh":
        (workspace / f"{name}.txt").write_text(f"the letter {name}\n")
    steps = [call("Read", file_path="a.txt"), call("Read", file_path="b.txt"), "First done.",
             call("Read", file_path="c.txt"),
             [call("Read", file_path="d.txt"), call("Read", file_path="e.txt")],
             call("Read", file_path="f.txt"), call("Read", file_path="g.txt"),
             call("Read", file_path="h.txt"), "Second done."]
    session, _ = start(workspace, steps, PLUGIN, compaction="keep_last")
    session.run("read a and b")
    session.run("now read c to h")
    return session


def test_it_is_chosen_by_name(workspace):
    session, _ = start(workspace, [], PLUGIN, compaction="keep_last")
    assert session.compaction.strategies == [session.strategies["keep_last"]]
    plain, _ = start(workspace, [], PLUGIN)
    assert session.strategies["keep_last"] not in plain.compaction.strategies


def test_it_keeps_the_system_prompt_a_request_and_the_last_turns_whole(long_session):
    agent = long_session.agent
    before = list(agent.messages)
    done = long_session.compaction.compact(agent.messages, agent.schemas, "manual")
    after = agent.messages
    assert done is not None and done.strategies == ("keep_last",)
    assert after[0] is before[0]  # the system prompt, as it was
    assert after[1]["role"] == "user" and "now read c to h" in after[1]["content"]
    assert sum(m["role"] == "assistant" for m in after) == KEEP
    assert after[2:] == before[len(before) - len(after) + 2:]  # the newest messages, unchanged
    assert after[2]["role"] == "assistant" and after[-1] == before[-1]
    assert_paired(after)


def test_it_changes_nothing_it_was_given(long_session):
    agent = long_session.agent
    given = list(agent.messages)
    snapshot = copy.deepcopy(given)
    long_session.compaction.compact(agent.messages, agent.schemas, "manual")
    assert given == snapshot  # the strategy returned new messages; the old dicts are intact


def test_a_short_history_is_left_as_it_is(workspace):
    session, _ = start(workspace, [call("Glob", pattern="*"), "Nothing here."], PLUGIN,
                       compaction="keep_last")
    session.run("look")
    agent = session.agent
    before = copy.deepcopy(agent.messages)
    assert session.compaction.compact(agent.messages, agent.schemas, "manual") is None
    assert agent.messages == before


def test_the_benchmark_measures_it_and_it_keeps_the_session_in_the_window(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "compaction.py"),
                           "--turns", "40", "--windows", "8192", "--plugin", PLUGIN.name,
                           "--strategy", "keep_last"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines() if line.strip()}
    overflows = 3  # the column of overflows: strategy, peak, mean, overflows
    assert int(rows["none"][overflows]) > 0  # the history alone outgrows the window
    assert int(rows["keep_last"][overflows]) == 0
