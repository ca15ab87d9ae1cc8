"""`#` notes: appended to a memory file as bullets, and told to the model without touching
the system prompt."""

import pytest

from agent.notes import NewNotes, add_note, note_file
from agent.slash import Console, dispatch


@pytest.mark.parametrize("before, after", [
    (None, "- use tabs\n"),
    ("", "- use tabs\n"),
    ("# Rules\n", "# Rules\n- use tabs\n"),
    ("# Rules\n- one", "# Rules\n- one\n- use tabs\n"),
])
def test_a_note_is_a_bullet_on_its_own_line(tmp_path, before, after):
    path = tmp_path / "deep" / "AGENT.md"
    if before is not None:
        path.parent.mkdir()
        path.write_text(before)
    add_note(path, "  use\ntabs ")
    assert path.read_text() == after


def test_the_note_goes_to_the_file_that_exists(tmp_path):
    assert note_file(tmp_path) == tmp_path / "AGENT.md"
    (tmp_path / "CLAUDE.md").write_text("x")
    assert note_file(tmp_path) == tmp_path / "CLAUDE.md"
    (tmp_path / "AGENTS.md").write_text("x")
    assert note_file(tmp_path) == tmp_path / "AGENTS.md"


def test_the_model_is_told_once_and_again_after_clear(tmp_path, server, monkeypatch):
    from agent.build import build_agent
    from agent.config import load_config
    monkeypatch.setenv("HOME", str(tmp_path))
    repo = tmp_path / "repo"
    repo.mkdir()
    config = load_config({"base_url": server.base_url, "model": "m"}, {}, repo)
    agent = build_agent(config, lambda event: None, ask=None)
    notes = NewNotes()
    agent.notes.append(notes)
    system = agent.messages[0]["content"]
    notes.add(repo / "AGENT.md", "the tests need redis")
    for _ in range(3):
        server.reply("ok")
    agent.run("first")
    agent.run("second")
    dispatch(Console(agent, notes=notes), "/clear", "")
    agent.run("third")
    told = [r["messages"][-1]["content"] for r in server.requests]
    assert f"- the tests need redis (in {repo / 'AGENT.md'})" in told[0]
    assert "redis" not in told[1] and "redis" in told[2]
    assert all(r["messages"][0]["content"] == system for r in server.requests)
    assert (repo / "AGENT.md").read_text() == "- the tests need redis\n"
