"""Starter tests of exercise 04: Bash runs the programs of an allow-list without a question,
and nothing else. The sessions are in print mode: a call that needs a question is refused."""

import pytest

from agent.model.scripted import call
from kit import results, solved, start

PLUGIN = solved(__file__)


@pytest.fixture
def notes(workspace):
    (workspace / "notes.txt").write_text("keep me\n")
    return workspace / "notes.txt"


def test_listed_programs_run_without_a_question(workspace):
    steps = [call("Bash", command="touch made.txt && mkdir -p out/deep"), "Done."]
    without, _ = start(workspace, list(steps))  # the control: no plugin, so touch would ask
    without.run("make them")
    assert not (workspace / "made.txt").exists()
    session, _ = start(workspace, steps, PLUGIN)
    session.run("make them")
    assert (workspace / "made.txt").exists() and (workspace / "out" / "deep").is_dir()


@pytest.mark.parametrize("command, program", [
    ("rm notes.txt", "rm"),
    ("touch a.txt && rm notes.txt", "rm"),
    ("ls; cat notes.txt", "cat"),
    ("git status", "git"),  # read-only, allowed without the plugin: the list is strict
])
def test_anything_else_is_refused_naming_the_program_and_the_list(workspace, notes, command,
                                                                  program):
    session, _ = start(workspace, [call("Bash", command=command), "Refused."], PLUGIN)
    session.run("do it")
    (refusal,) = results(session.messages)
    assert refusal.startswith("Blocked by a PreToolUse hook:")
    assert f"`{program}`" in refusal and all(name in refusal for name in ("ls", "touch", "mkdir"))
    assert notes.exists() and not (workspace / "a.txt").exists()


def test_a_redirection_is_left_to_the_rules(workspace, notes):
    session, _ = start(workspace, [call("Bash", command="echo gone > notes.txt"), "No."], PLUGIN)
    session.run("empty notes.txt")
    assert notes.read_text() == "keep me\n"  # echo is listed, writing over a file is not


def test_a_deny_rule_still_wins(workspace):
    session, _ = start(workspace, [call("Bash", command="touch secret.txt"), "No."], PLUGIN,
                       deny=("Bash(touch secret.txt)",))
    session.run("touch secret.txt")
    assert not (workspace / "secret.txt").exists()
    assert "Bash(touch secret.txt)" in results(session.messages)[0]


def test_other_tools_are_not_judged(workspace, notes):
    session, _ = start(workspace, [call("Read", file_path="notes.txt"), "Read."], PLUGIN)
    session.run("read notes.txt")
    assert "keep me" in results(session.messages)[0]
