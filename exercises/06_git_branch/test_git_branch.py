"""Starter tests of exercise 06: an on_prompt fact, the current git branch, told with the first
prompt and again only when it changed."""

import subprocess

import pytest

from agent.model.reminders import OPEN, own_words
from kit import solved, start

PLUGIN = solved(__file__)


def git(cwd, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd,
                   check=True, capture_output=True)


@pytest.fixture
def repo(workspace):
    (workspace / "app.py").write_text("print('hi')\n")
    git(workspace, "init", "-q", "-b", "main")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-qm", "first")
    return workspace


def sent(model) -> str:
    """The last prompt, as the model got it."""
    return model.requests[-1][-1]["content"]


def test_the_branch_goes_with_the_first_prompt_only(repo):
    session, model = start(repo, ["One.", "Two."], PLUGIN)
    session.run("first")
    assert own_words(sent(model)) == "first" and OPEN in sent(model) and "main" in sent(model)
    assert session.messages[1]["content"] == sent(model)  # a fact is stored with the prompt
    session.run("second")
    assert sent(model) == "second"  # nothing changed: nothing said


def test_a_new_branch_is_told_with_the_next_prompt(repo):
    session, model = start(repo, ["One.", "Two.", "Three."], PLUGIN)
    session.run("first")
    git(repo, "checkout", "-q", "-b", "feature/login")
    session.run("second")
    assert own_words(sent(model)) == "second" and "feature/login" in sent(model)
    session.run("third")
    assert "feature/login" not in sent(model)


def test_after_clear_the_new_conversation_is_told_again(repo):
    session, model = start(repo, ["One.", "Two."], PLUGIN)
    session.run("first")
    session.clear()
    session.run("again")
    assert own_words(sent(model)) == "again" and "main" in sent(model)


def test_a_detached_head_is_said_to_be_detached(repo):
    git(repo, "checkout", "-q", "--detach")
    session, model = start(repo, ["One."], PLUGIN)
    session.run("first")
    assert "detached" in sent(model).lower()


def test_outside_a_repository_nothing_is_said(workspace):
    session, model = start(workspace, ["One."], PLUGIN)
    assert session.run("first").stop_reason == "end_turn"
    assert "branch" not in sent(model).lower()
