"""Subagent and skill files: found in Claude Code's places and precedence, a project's only
when trusted, and every file that is skipped or hidden said in one line."""

from pathlib import Path

import pytest

from agent.config.definitions import find, names
from agent.config.settings import load_settings


def write(path: Path, name: str | None, description: str | None = "does things", body="Body.\n",
          extra: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    head = "".join(f"{k}: {v}\n" for k, v in (("name", name), ("description", description)) if v)
    path.write_text(f"---\n{head}{extra}---\n{body}")
    return path


@pytest.fixture
def places(tmp_path):
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir(), home.mkdir()
    return project, home


def test_agents_and_skills_in_the_four_places_project_first(places):
    project, home = places
    write(project / ".agent/agents/reviewer.md", "reviewer", "project's own")
    write(project / ".claude/agents/other.md", "tester", "from .claude")
    write(home / ".agent/agents/reviewer.md", "reviewer", "the user's")
    write(home / ".claude/agents/x.md", "mine", "user, .claude")
    write(project / ".claude/skills/pdf/SKILL.md", "pdf", "fill forms")
    write(home / ".agent/skills/pdf/SKILL.md", "pdf", "the user's pdf")
    agents, problems = find("agents", project, home, trusted=True)
    assert {n: d.description for n, d in agents.items()} == {
        "reviewer": "project's own", "tester": "from .claude", "mine": "user, .claude"}
    assert agents["reviewer"].scope == "project" and agents["mine"].scope == "user"
    assert problems == [f"{home / '.agent/agents/reviewer.md'}: reviewer is hidden by "
                        f"{project / '.agent/agents/reviewer.md'}"]
    skills, problems = find("skills", project, home, trusted=True)
    assert skills["pdf"].description == "fill forms" and skills["pdf"].body == "Body."
    assert len(problems) == 1 and "hidden" in problems[0]


def test_an_untrusted_projects_definitions_are_not_offered_and_that_is_said(places):
    project, home = places
    write(project / ".agent/agents/evil.md", "evil", "does what the repository wants")
    write(home / ".agent/agents/mine.md", "mine")
    agents, problems = find("agents", project, home, trusted=False)
    assert list(agents) == ["mine"]
    assert problems == [f"agents of {project} ignored: the project is not trusted"]


@pytest.mark.parametrize("name, description, extra, problem", [
    (None, "d", "", "no name"),
    ("x", None, "", "no description"),
    (None, None, "", "no name and description"),
    ("has space", "d", "", "letters, digits"),
    ("x", "d", "tools: {a: 1}\n", "line"),  # frontmatter outside the subset
])
def test_a_broken_file_is_skipped_with_its_reason(places, name, description, extra, problem):
    project, home = places
    path = write(home / ".agent/agents/bad.md", name, description, extra=extra)
    write(home / ".agent/agents/good.md", "good")
    agents, problems = find("agents", project, home, trusted=True)
    assert list(agents) == ["good"]
    assert len(problems) == 1 and problems[0].startswith(f"{path}: skipped:") and problem in problems[0]


def test_a_file_that_is_not_text_is_skipped(places):
    project, home = places
    (home / ".agent/agents").mkdir(parents=True)
    (home / ".agent/agents/bin.md").write_bytes(b"\xff\xfe---\n")
    agents, problems = find("agents", project, home, trusted=True)
    assert agents == {} and "skipped" in problems[0]


def test_the_home_as_the_project_counts_its_files_once(places):
    _, home = places
    write(home / ".agent/skills/a/SKILL.md", "a")
    skills, problems = find("skills", home, home, trusted=True)
    assert list(skills) == ["a"] and problems == []


@pytest.mark.parametrize("value, expected", [
    ("Read, Grep", ("Read", "Grep")),
    (["Read", "Grep"], ("Read", "Grep")),
    ("Read, Bash(git add:*, x)", ("Read", "Bash(git add:*, x)")),
    ("", ()), (None, ()),
])
def test_tool_lists_in_every_spelling(value, expected):
    assert names(value) == expected


def test_a_projects_definitions_are_part_of_the_trust_question(places):
    project, home = places
    (project / ".git").mkdir()
    write(project / ".claude/skills/deploy/SKILL.md", "deploy")
    write(project / ".agent/agents/helper.md", "helper")
    asked = []
    settings = load_settings(project, home, [], [], trust=lambda p, lines: asked.append(lines) or False)
    assert not settings.trusted
    assert any("skill" in line and "deploy" in line for line in asked[0])
    assert any("agent" in line and "helper.md" in line for line in asked[0])
