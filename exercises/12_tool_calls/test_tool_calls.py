"""Starter tests of exercise 12: a /tool-calls slash command that counts the calls per tool
in the session's history, and /recap, which sends the model a prompt built from them. Typed
as the REPL does (its `dispatch`), and given to the real print mode of a resumed session."""

import json
import os
import subprocess
import sys

import pytest

from agent.app.slash import Console, dispatch
from agent.model.scripted import call
from kit import solved, start

PLUGIN = solved(__file__)


@pytest.fixture
def worked(workspace):
    """A session of two prompts: two Reads in one reply, a Bash call a rule refuses, a Grep."""
    (workspace / "a.txt").write_text("alpha\n")
    (workspace / "b.txt").write_text("beta\n")
    steps = [[call("Read", file_path="a.txt"), call("Read", file_path="b.txt")],
             call("Bash", command="rm -rf build"), "Done.",
             call("Grep", pattern="alpha"), "Found."]
    session, model = start(workspace, steps, PLUGIN, deny=("Bash(rm:*)",))
    session.run("read a.txt and b.txt, then clean up")
    session.run("where is alpha?")
    return session, model


def test_the_counts_cover_every_turn_and_the_refused_calls(worked):
    session, model = worked
    console = Console(session)
    assert dispatch(console, "/tool-calls", "").text == (
        "Tool calls in this session: 4\n  Read: 2\n  Bash: 1, 1 refused\n  Grep: 1")
    assert dispatch(console, "/tool-calls", "Bash").text == "Bash: 1, 1 refused"
    assert dispatch(console, "/tool-calls", "Read").text == "Read: 2"
    assert dispatch(console, "/tool-calls", "Edit").text == "No calls of Edit yet in this session."
    assert len(model.requests) == 5  # the commands sent nothing to the model


def test_before_any_call_and_in_the_help(workspace):
    session, model = start(workspace, ["Hello."], PLUGIN)
    console = Console(session)
    assert dispatch(console, "/tool-calls", "").text == "No tool calls yet in this session."
    session.run("hi")  # a turn with no tool call changes nothing
    assert dispatch(console, "/tool-calls", "").text == "No tool calls yet in this session."
    shown = dispatch(console, "/help", "").text
    assert "/tool-calls [tool]" in shown and "(plugin)" in shown.split("/tool-calls")[1]
    assert "/recap" in shown and "(plugin, sends a prompt)" in shown.split("/recap")[1]


def test_recap_sends_a_prompt_or_refuses(worked, workspace):
    session, model = worked
    model.scripted.steps.append("A recap.")
    action = dispatch(Console(session), "/recap", "")
    assert action.turn is not None and len(model.requests) == 5  # sent only when the turn runs
    assert action.turn().text == "A recap."
    assert model.requests[-1][-1]["content"].startswith(
        "Recap what you did in this session in three short bullet points. The tool calls so "
        "far: Read: 2; Bash: 1, 1 refused; Grep: 1.")
    fresh, model = start(workspace, [], PLUGIN)
    refused = dispatch(Console(fresh), "/recap", "")
    assert (refused.text, refused.turn) == ("Nothing to recap: no tool calls yet.", None)
    assert model.requests == []


def test_print_mode_counts_the_history_of_a_resumed_session(workspace, home, tmp_path):
    """`agent -c -p "/tool-calls"`: the calls were made by an earlier process, so only the
    history holds them."""
    (workspace / "notes.txt").write_text("one two\n")
    script = tmp_path / "script.json"
    script.write_text(json.dumps([{"call": "Read", "args": {"file_path": "notes.txt"}},
                                  {"call": "Glob", "args": {"pattern": "*.txt"}}, "Read it."]))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    env["HOME"] = str(home)

    def agent(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "agent", "--plugin", PLUGIN.module.__file__,
                               "--no-sandbox", "--model", f"scripted:{script}", *args],
                              cwd=workspace, env=env, capture_output=True, text=True, timeout=60)
    done = agent("-p", "read notes.txt")
    assert (done.returncode, done.stdout) == (0, "Read it.\n"), done.stderr
    done = agent("-c", "-p", "/tool-calls")
    assert (done.returncode, done.stdout) == (
        0, "Tool calls in this session: 2\n  Glob: 1\n  Read: 1\n"), done.stderr
    result = json.loads(agent("-c", "-p", "/tool-calls Read", "--output-format", "json").stdout)
    assert (result["result"], result["num_turns"]) == ("Read: 1", 0)
