"""`#` notes: appended to a memory file as bullets, and told to the model without touching
the system prompt."""

import pytest

from agent.context.memory_notes import NewNotes, add_note, note_file
from agent.app.slash import Console, dispatch


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
    from agent.session.compose import build_session
    from agent.config.config import load_config
    monkeypatch.setenv("HOME", str(tmp_path))
    repo = tmp_path / "repo"
    repo.mkdir()
    config = load_config({"base_url": server.base_url, "model": "m"}, {}, repo)
    session = build_session(config, lambda event: None, ask=None)
    notes = NewNotes()
    session.agent.on_prompt.add(notes)
    system = session.agent.messages[0]["content"]
    notes.add(repo / "AGENT.md", "the tests need redis")
    for _ in range(3):
        server.reply("ok")
    session.run("first")
    session.run("second")
    dispatch(Console(session, notes=notes), "/clear", "")
    session.run("third")
    told = [r["messages"][-1]["content"] for r in server.requests]
    assert f"- the tests need redis (in {repo / 'AGENT.md'})" in told[0]
    assert "redis" not in told[1] and "redis" in told[2]
    assert all(r["messages"][0]["content"] == system for r in server.requests)
    assert (repo / "AGENT.md").read_text() == "- the tests need redis\n"


def test_the_project_folder_is_named_as_claude_code_names_it(tmp_path):
    from agent.context.memory_notes import memory_path
    from agent.config.paths import project_folder
    home = tmp_path / "home"
    folder = project_folder(tmp_path / "work" / "repo", home)
    assert folder.parent == home / ".agent" / "projects"
    assert folder.name == str(tmp_path / "work" / "repo").replace("/", "-")
    assert folder.name.startswith("-") and "/" not in folder.name
    assert memory_path(tmp_path / "work" / "repo", home) == folder / "MEMORY.md"


def test_the_first_200_lines_of_memory_are_shown(tmp_path):
    from agent.context.memory_notes import memory_section
    path = tmp_path / "MEMORY.md"
    assert memory_section(path).endswith("It is empty so far.") and str(path) in memory_section(path)
    path.write_text("".join(f"fact {n}\n" for n in range(1, 251)))
    shown = memory_section(path)
    assert "\nfact 1\n" in shown and shown.count("\nfact ") == 200 and "fact 201" not in shown
    assert shown.endswith("fact 200\n[... 50 more lines not shown: shorten the file]")


def test_the_model_may_keep_its_memory_and_nothing_beside_it(tmp_path, server, monkeypatch):
    from agent.session.compose import build_session
    from agent.config.config import load_config
    from agent.context.memory_notes import memory_path
    monkeypatch.setenv("HOME", str(tmp_path))
    repo = tmp_path / "repo"
    repo.mkdir()
    own = memory_path(repo, tmp_path)
    own.parent.mkdir(parents=True)
    own.write_text("- the build needs make 4\n")
    config = load_config({"base_url": server.base_url, "model": "m"}, {}, repo)
    session = build_session(config, lambda event: None, ask=None)  # print mode: nobody to ask
    system = session.agent.messages[0]["content"]
    assert f"# Your memory for this project\n{own} holds" in system
    assert system.rstrip().endswith("- the build needs make 4")
    server.reply(tool_calls=[("Read", {"file_path": str(own)}),
                             ("Edit", {"file_path": str(own), "old_string": "make 4",
                                       "new_string": "make 4.3"}),
                             ("Write", {"file_path": str(own.parent / "other.md"), "content": "x"})])
    server.reply("kept")
    session.run("remember the make version")
    results = [m["content"] for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert "the build needs make 4" in results[0] and not results[1].startswith("Permission")
    assert results[2].startswith("Permission denied: Write(") and "needs approval" in results[2]
    assert own.read_text() == "- the build needs make 4.3\n"
    assert not (own.parent / "other.md").exists()
    from agent.app.slash import command
    assert f"the system prompt):\n  {own}" in command(session, "/memory")
