"""Starter tests of exercise 13: a `review` permission mode, where the model reads and runs
pytest and changes nothing. The sessions are in print mode: a call that needs a question is
refused."""

import json
import subprocess

import pytest

from agent.model.scripted import call
from kit import results, solved, start

PLUGIN = solved(__file__)


@pytest.fixture
def project(workspace, home):
    """A git repository with notes.txt and a passing test, and allow rules in the user's
    settings that would let edits and `touch` run."""
    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    (workspace / "notes.txt").write_text("keep me\n")
    (workspace / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    (home / ".agent").mkdir()
    (home / ".agent" / "settings.json").write_text(json.dumps(
        {"permissions": {"allow": ["Edit", "Bash(touch:*)"]}}))
    return workspace


def refused(result: str) -> bool:
    return result.startswith("Permission denied")


def test_reads_and_pytest_run(project):
    steps = [call("Read", file_path="notes.txt"), call("Grep", pattern="keep"),
             call("Bash", command="git status && ls"), call("Bash", command="pytest -q"),
             call("Bash", command="python -m pytest -q"), "All read."]
    without, _ = start(project, list(steps))  # the control: default mode asks about pytest
    without.run("review")
    assert [refused(r) for r in results(without.messages)] == [False, False, False, True, True]
    session, _ = start(project, steps, PLUGIN, permission_mode="review")
    session.run("review")
    read, grep, status, tests, module = results(session.messages)
    assert "keep me" in read and "notes.txt" in grep
    assert not any(refused(r) for r in (status, tests, module)), (status, tests, module)


@pytest.mark.parametrize("step, name", [
    (call("Edit", file_path="notes.txt", old_string="keep", new_string="lose"), "Edit"),
    (call("Write", file_path="new.txt", content="x\n"), "Write"),
    (call("Bash", command="touch made.txt"), "Bash"),
])
def test_changes_are_refused_even_when_a_rule_allows_them(project, step, name):
    allowed, _ = start(project, [call("Read", file_path="notes.txt"), step, "Done."])
    allowed.run("change it")  # the control: the allow rules let it run in default mode
    assert not refused(results(allowed.messages)[1])
    (project / "notes.txt").write_text("keep me\n")
    for made in ("new.txt", "made.txt"):
        (project / made).unlink(missing_ok=True)
    session, _ = start(project, [call("Read", file_path="notes.txt"), step, "I described it."],
                       PLUGIN, permission_mode="review")
    end = session.run("change it")
    assert end.stop_reason == "end_turn" and end.text == "I described it."
    refusal = results(session.messages)[1]
    assert refusal.startswith(f"Permission denied: {name}(") and "needs approval" not in refusal
    assert "review" in refusal and "read" in refusal.lower() and "pytest" in refusal
    assert (project / "notes.txt").read_text() == "keep me\n"
    assert not (project / "new.txt").exists() and not (project / "made.txt").exists()


@pytest.mark.parametrize("command", ["pytest -q && rm notes.txt", "pytest -q > out.txt",
                                     "ls; touch made.txt"])
def test_every_piece_is_judged_and_the_mode_refuses_outright(project, command):
    session, _ = start(project, [call("Bash", command=command), "No."], PLUGIN,
                       permission_mode="review")
    session.run("go")
    (refusal,) = results(session.messages)
    assert refusal.startswith("Permission denied: Bash(") and "needs approval" not in refusal
    assert "review" in refusal
    assert (project / "notes.txt").exists()
    assert not (project / "out.txt").exists() and not (project / "made.txt").exists()


def test_a_mode_registered_but_not_chosen_changes_nothing(project):
    session, _ = start(project, [call("Bash", command="pytest -q"), "No."], PLUGIN)
    session.run("test")
    assert session.policy.mode == "default"
    assert results(session.messages)[0].startswith("Permission denied: Bash(pytest -q) needs approval")
    assert session.policy.modes["review"].description  # /mode lists it with this line
