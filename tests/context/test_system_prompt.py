"""The system prompt: environment, memory files from the repository root down, and stability."""

import subprocess

from agent.context.system_prompt import memory_files, system_prompt
from agent.context.memory_files import CAP as MEMORY_CAP


def git_repo(path):
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def test_memory_files_from_root_down_to_cwd(tmp_path):
    repo = git_repo(tmp_path / "repo")
    sub = repo / "pkg" / "mod"
    sub.mkdir(parents=True)
    (repo / "AGENT.md").write_text("root rules")
    (repo / "CLAUDE.md").write_text("claude rules")
    (repo / "pkg" / "AGENTS.md").write_text("pkg rules")
    (sub / "AGENT.md").write_text("mod rules")
    (tmp_path / "AGENT.md").write_text("above the repo: not loaded")
    found = memory_files(sub.resolve(), home=tmp_path / "home")
    assert [f.path.relative_to(repo.resolve()).as_posix() for f in found] == [
        "AGENT.md", "CLAUDE.md", "pkg/AGENTS.md", "pkg/mod/AGENT.md"]
    prompt = system_prompt(sub, home=tmp_path / "home")
    assert prompt.index("root rules") < prompt.index("pkg rules") < prompt.index("mod rules")
    assert "above the repo" not in prompt
    assert str((repo / "pkg" / "AGENTS.md").resolve()) in prompt


def test_outside_a_repository_only_cwd_is_searched(tmp_path):
    (tmp_path / "AGENT.md").write_text("parent")
    child = tmp_path / "child"
    child.mkdir()
    (child / "AGENTS.md").write_text("child")
    assert [f.path.name for f in memory_files(child.resolve(), tmp_path)] == ["AGENTS.md"]
    assert "not a git repository" in system_prompt(child, tmp_path)


def test_big_memory_file_is_cut_with_a_note(tmp_path):
    (tmp_path / "AGENT.md").write_text("x" * (MEMORY_CAP + 500))
    prompt = system_prompt(tmp_path, tmp_path / "home")
    assert "[... cut: AGENT.md is" in prompt
    assert "x" * (MEMORY_CAP + 1) not in prompt


def test_git_facts_and_no_clock(tmp_path):
    repo = git_repo(tmp_path)
    (repo / "new.py").write_text("print(1)\n")
    prompt = system_prompt(repo)
    assert "Git status at session start:" in prompt and "?? new.py" in prompt
    assert f"Working directory: {repo.resolve()}" in prompt
    # byte-identical when nothing changed: nothing in it depends on the clock
    assert system_prompt(repo) == prompt


def test_changing_facts_are_appended_to_prompts_not_written_into_the_past(tmp_path):
    import datetime

    from agent.context.system_prompt import ChangingFacts
    from agent.model.scripted import ScriptedModel
    from agent.loop.turn import Agent
    from agent.tools import ToolContext
    repo = git_repo(tmp_path)
    today = [datetime.date(2026, 11, 22)]
    facts = ChangingFacts(repo, today=lambda: today[0])
    model = ScriptedModel(["one", "two", "three", "four", "five", "six"])
    agent = Agent(model, [], system_prompt(repo), ToolContext(cwd=repo))
    agent.on_prompt.add(facts)
    agent.run("first")
    agent.run("second")
    (repo / "new.py").write_text("x = 1\n")
    agent.run("third")
    today[0] = datetime.date(2026, 11, 23)
    agent.run("fourth")
    (repo / "new.py").unlink()
    (repo / "other.py").write_text("y = 2\n")
    agent.run("fifth")
    (repo / "other.py").unlink()
    agent.run("sixth")
    users = [m["content"] for m in agent.messages if m["role"] == "user"]
    assert users[0] == "first\n\n<system-reminder>Today's date is 2026-11-22.</system-reminder>"
    assert users[1] == "second"  # nothing changed: nothing added
    assert users[2] == ("third\n\n<system-reminder>The git status changed since it was last "
                        "shown (+ new, - gone):\n+ ?? new.py</system-reminder>")
    assert users[3] == "fourth\n\n<system-reminder>Today's date is 2026-11-23.</system-reminder>"
    assert users[4] == ("fifth\n\n<system-reminder>The git status changed since it was last "
                        "shown (+ new, - gone):\n+ ?? other.py\n- ?? new.py</system-reminder>")
    assert users[5] == ("sixth\n\n<system-reminder>The git status changed since it was last "
                        "shown: clean.</system-reminder>")
    for before, after in zip(model.requests, model.requests[1:]):
        assert after[:len(before)] == before  # the facts never rewrote an earlier message
