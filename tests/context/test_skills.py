"""Skills (agent/context/skills.py): a line each in the Skill tool's description, the body only
once the model loads one, the files beside it readable, allowed-tools granted on loading, and
everything a rule, the trust or the profile says about them; in process and through `agent -p`
against the HTTP test server."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.app.slash import command
from agent.context.skills import find_skills, skill_tool
from agent.permissions.policy import Policy
from agent.permissions.rules import parse
from agent.tools import ToolContext, ToolError
from agent.tools.files import READ
from agent.tools.shell import BASH

BODY = "Step 1: run fill.py. BODY-MARKER"


def skill(root: Path, name: str, description: str = "Fill PDF forms. Use for any .pdf.",
          body: str = BODY, extra: str = "", files: dict[str, str] | None = None) -> Path:
    """A skill folder under `root` (a `skills` folder); returns the folder."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "SKILL.md").write_text(f"---\nname: {name}\ndescription: {description}\n{extra}"
                                     f"---\n{body}\n")
    for file, text in (files or {}).items():
        (folder / file).write_text(text)
    return folder


def agent_p(cwd, home, server, *flags, prompt="fill the form"):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return subprocess.run([sys.executable, "-m", "agent", "-p", prompt, "--base-url", server.base_url,
                           "--output-format", "json", *flags], cwd=cwd,
                          env={**base, "HOME": str(home)}, capture_output=True, text=True, timeout=60)


def tool_names(request: dict) -> list[str]:
    return [t["function"]["name"] for t in request.get("tools", [])]


def skill_description(request: dict) -> str:
    return next(t["function"]["description"] for t in request["tools"]
                if t["function"]["name"] == "Skill")


# In process: the tool, the rules, the policy

def test_the_tool_lists_each_skill_in_a_line_and_a_call_returns_its_body(tmp_path):
    home = tmp_path / "home"
    folder = skill(home / ".claude/skills", "pdf")
    skill(home / ".agent/skills", "xlsx", "Spreadsheets:\n  formulas, charts.", "XLSX-BODY")
    skills = find_skills(None, home, True, tmp_path)
    tool = skill_tool(skills, Policy("default", tmp_path))
    assert tool.read_only and tool.rule_argument == "skill"
    assert "- xlsx: Spreadsheets: formulas, charts.\n- pdf: Fill PDF forms. Use for any .pdf." in \
        tool.description
    assert "MARKER" not in tool.description and "XLSX-BODY" not in tool.description
    shown = tool.run({"skill": "pdf"}, ToolContext(cwd=tmp_path))
    assert shown.splitlines()[0] == \
        f'Skill "pdf" loaded. Base directory for this skill: {folder.resolve()}'
    assert shown.endswith(BODY)
    (folder / "SKILL.md").write_text("---\nname: pdf\ndescription: d\n---\nEdited since.\n")
    assert tool.run({"skill": "pdf"}, ToolContext(cwd=tmp_path)).endswith("Edited since.")
    assert skills.loaded == ["pdf"]


def test_an_unknown_skill_is_an_error_that_names_the_known(tmp_path):
    skill(tmp_path / ".agent/skills", "pdf")
    skill(tmp_path / ".agent/skills", "xlsx")
    tool = skill_tool(find_skills(None, tmp_path, True, tmp_path), Policy("default", tmp_path))
    with pytest.raises(ToolError, match=r"no skill 'pfd'\. The skills are: pdf, xlsx\."):
        tool.run({"skill": "pfd"}, ToolContext(cwd=tmp_path))


@pytest.mark.parametrize("spelled", [
    "allowed-tools: Bash(git log:*), Read\n",
    'allowed-tools: ["Bash(git log:*)", Read]\n',
    "allowed-tools:\n  - Bash(git log:*)\n  - Read\n",
    "allowed-tools: Bash(git log:*) Read\n",  # the Agent Skills spec's spelling: spaces
])
def test_allowed_tools_in_every_spelling(tmp_path, spelled):
    skill(tmp_path / ".agent/skills", "log", extra=spelled)
    skills = find_skills(None, tmp_path, True, tmp_path)
    assert [rule.text for rule in skills.rules["log"]] == ["Bash(git log:*)", "Read"]
    assert skills.problems == []


def test_a_malformed_allowed_tools_rule_skips_that_skill_with_a_line(tmp_path):
    bad = skill(tmp_path / ".agent/skills", "bad", extra="allowed-tools: Bash(git log, Read\n")
    skill(tmp_path / ".agent/skills", "good")
    skills = find_skills(None, tmp_path, True, tmp_path)
    assert list(skills.found) == ["good"]
    assert len(skills.problems) == 1
    assert skills.problems[0].startswith(f"{bad / 'SKILL.md'}: skipped: allowed-tools:")


def test_loading_a_skill_grants_its_allowed_tools_once(tmp_path):
    skill(tmp_path / "home/.agent/skills", "touch", extra="allowed-tools: Bash(touch made.txt)\n")
    policy = Policy("default", tmp_path)
    tool = skill_tool(find_skills(None, tmp_path / "home", True, tmp_path), policy)
    assert policy.decide(BASH, {"command": "touch made.txt"}).outcome == "ask"
    tool.run({"skill": "touch"}, ToolContext(cwd=tmp_path))
    tool.run({"skill": "touch"}, ToolContext(cwd=tmp_path))
    decided = policy.decide(BASH, {"command": "touch made.txt"})
    assert decided.outcome == "allow" and "allowed-tools of skill touch" in decided.reason
    assert len(policy.rules) == 1
    assert policy.decide(BASH, {"command": "touch other.txt"}).outcome == "ask"


def test_the_files_beside_a_skill_are_readable_but_a_deny_rule_still_wins(tmp_path):
    workspace, home = tmp_path / "work", tmp_path / "home"
    workspace.mkdir()
    folder = skill(home / ".claude/skills", "pdf", files={"forms.md": "x", "secret.md": "y"})
    (home / "elsewhere.md").write_text("z")
    skills = find_skills(None, home, True, workspace)
    policy = Policy("default", workspace, skills.read_rules(), home=home)
    assert policy.decide(READ, {"file_path": str(folder / "forms.md")}).outcome == "allow"
    assert policy.decide(READ, {"file_path": str(home / "elsewhere.md")}).outcome == "ask"
    policy.rules.append(parse("deny", "Read(~/.claude/skills/pdf/secret.md)", "test", workspace))
    assert policy.decide(READ, {"file_path": str(folder / "secret.md")}).outcome == "deny"
    assert policy.decide(READ, {"file_path": str(folder / "forms.md")}).outcome == "allow"


# A session: the tool offered or not, /skills

@pytest.fixture
def make_session(tmp_path, server, monkeypatch):
    from agent.config.config import load_config
    from agent.session.compose import build_session

    home, repo = tmp_path / "home", tmp_path / "repo"
    home.mkdir(), repo.mkdir()
    monkeypatch.setenv("HOME", str(home))

    def make():
        config = load_config({"base_url": server.base_url, "model": "m", "sandbox": False,
                              "profile": "default"}, {"HOME": str(home)}, repo)
        return build_session(config, lambda event: None, ask=None)
    return make, home


def test_no_skills_no_skill_tool(make_session):
    make, home = make_session
    session = make()
    assert "Skill" not in session.tools and session.skills.found == {}
    assert command(session, "/skills").startswith("No skills.")
    skill(home / ".agent/skills", "pdf")
    assert "Skill" in make().tools


def test_skills_lists_scope_description_folder_loaded_and_problems(make_session, server,
                                                                   monkeypatch):
    make, home = make_session
    monkeypatch.setenv("COLUMNS", "80")
    long = "Fill PDF forms, " + "and more words that wrap " * 8 + "the end."
    folder = skill(home / ".agent/skills", "pdf", long)
    skill(home / ".agent/skills", "broken", extra="allowed-tools: Bash(\n")
    session = make()
    shown = command(session, "/skills")
    assert shown.splitlines()[1].split()[:2] == ["pdf", "user"]
    assert long in " ".join(shown.split()) and max(map(len, shown.splitlines()[1:3])) <= 80
    assert f"{folder.resolve()}  (not loaded)" in shown
    assert "! " in shown and "broken" in shown and "skipped: allowed-tools" in shown
    server.reply(tool_calls=[("Skill", {"skill": "pdf"})])
    server.reply("done")
    session.run("fill it")
    assert f"{folder.resolve()}  (loaded this session)" in command(session, "/skills")


# Through `agent -p`, against the HTTP test server

@pytest.fixture
def places(tmp_path):
    home, repo = tmp_path / "home", tmp_path / "repo"
    home.mkdir(), repo.mkdir()
    return home, repo


def test_the_body_reaches_the_model_only_when_loaded_and_its_files_are_readable(places, server):
    home, repo = places
    folder = skill(home / ".claude/skills", "pdf", files={"forms.md": "FORMS-MARKER"})
    server.reply(tool_calls=[("Skill", {"skill": "pdf"})])
    server.reply(tool_calls=[("Read", {"file_path": str(folder / "forms.md")})])
    server.reply("Filled.")
    done = agent_p(repo, home, server)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["result"] == "Filled." and result["permission_denials"] == []
    assert result["skills"] == {"loaded": ["pdf"]}
    first, second, third = server.requests
    assert "- pdf: Fill PDF forms. Use for any .pdf." in skill_description(first)
    assert "BODY-MARKER" not in json.dumps(first)
    loaded = second["messages"][-1]
    assert loaded["role"] == "tool" and loaded["content"].endswith(BODY)
    assert f"Base directory for this skill: {folder.resolve()}" in loaded["content"]
    assert "FORMS-MARKER" in third["messages"][-1]["content"]  # outside the workspace, no question
    assert first["tools"] == third["tools"]  # the prefix holds: the description never changes


def test_an_untrusted_projects_skill_is_not_offered(places, server):
    home, repo = places
    skill(repo / ".claude/skills", "deploy", "Deploy to production.")
    server.reply("ok")
    done = agent_p(repo, home, server)
    assert done.returncode == 0, done.stderr
    assert "Skill" not in tool_names(server.requests[-1]) and "not trusted" in done.stderr
    server.reply("ok")
    done = agent_p(repo, home, server, "--trust-project")
    assert done.returncode == 0, done.stderr
    assert "- deploy: Deploy to production." in skill_description(server.requests[-1])


def test_a_deny_rule_refuses_the_skill(places, server):
    home, repo = places
    skill(home / ".agent/skills", "pdf")
    server.reply(tool_calls=[("Skill", {"skill": "pdf"})])
    server.reply("Could not.")
    done = agent_p(repo, home, server, "--disallowedTools", "Skill(pdf)")
    assert done.returncode == 0, done.stderr
    denied = json.loads(done.stdout)["permission_denials"]
    assert [(d["tool_name"], d["tool_input"]) for d in denied] == [("Skill", {"skill": "pdf"})]
    answer = server.requests[1]["messages"][-1]
    assert answer["role"] == "tool" and "Skill(pdf)" in answer["content"]
    assert "BODY-MARKER" not in answer["content"]


def test_the_lean_profile_offers_skill_only_when_tools_names_it(places, server):
    home, repo = places
    skill(home / ".agent/skills", "pdf")
    for flags, expected in ((["--profile", "lean"], ["Read", "Edit", "Write", "Bash", "Grep"]),
                            (["--profile", "lean", "--tools", "Read,Edit,Write,Bash,Grep,Skill"],
                             ["Read", "Edit", "Write", "Bash", "Grep", "Skill"]),
                            (["--profile", "default"], None)):
        server.reply("ok")
        done = agent_p(repo, home, server, *flags)
        assert done.returncode == 0, done.stderr
        names = tool_names(server.requests[-1])
        assert names == expected if expected else "Skill" in names
    assert "- pdf: Fill PDF forms." in skill_description(server.requests[1])  # the list kept
    (home / ".agent/skills/pdf/SKILL.md").unlink()  # no skills: naming Skill is no error
    server.reply("ok")
    done = agent_p(repo, home, server, "--tools", "Read,Skill")
    assert done.returncode == 0, done.stderr
    assert tool_names(server.requests[-1]) == ["Read"]


def test_an_unknown_skill_name_is_a_result_that_lists_the_known(places, server):
    home, repo = places
    skill(home / ".agent/skills", "pdf")
    skill(home / ".agent/skills", "xlsx")
    server.reply(tool_calls=[("Skill", {"skill": "pfd"})])
    server.reply("Sorry.")
    done = agent_p(repo, home, server)
    assert done.returncode == 0, done.stderr
    answer = server.requests[1]["messages"][-1]["content"]
    assert "There is no skill 'pfd'" in answer and "pdf, xlsx" in answer


def test_allowed_tools_let_a_command_run_after_loading_not_before(places, server):
    home, repo = places
    skill(home / ".agent/skills", "maker", extra="allowed-tools: Bash(touch made.txt)\n")
    touch = ("Bash", {"command": "touch made.txt"})
    server.reply(tool_calls=[touch])
    server.reply(tool_calls=[("Skill", {"skill": "maker"})])
    server.reply(tool_calls=[touch])
    server.reply("Made.")
    done = agent_p(repo, home, server, "--no-sandbox")  # the sandbox would allow it anyway
    assert done.returncode == 0, done.stderr
    denied = json.loads(done.stdout)["permission_denials"]
    assert [d["tool_input"] for d in denied] == [{"command": "touch made.txt"}]  # the first
    assert (repo / "made.txt").exists()


def test_a_skipped_skill_is_said_at_start_in_the_repl_and_with_verbose(places, server):
    from terminal import Pty

    home, repo = places
    skill(home / ".agent/skills", "broken", extra="allowed-tools: Bash(\n")
    skill(home / ".agent/skills", "pdf")
    server.reply("ok")
    quiet = agent_p(repo, home, server)
    server.reply("ok")
    verbose = agent_p(repo, home, server, "--verbose")
    assert "broken" not in quiet.stderr and "skipped: allowed-tools" in verbose.stderr
    env = {**os.environ, "HOME": str(home), "OPENAI_BASE_URL": server.base_url, "TERM": "dumb"}
    with Pty([sys.executable, "-m", "agent"], repo, env) as child:
        child.expect("skipped: allowed-tools")
        child.expect("> ")
        child.send("/skills\r")
        child.expect("(not loaded)")
        child.send("/exit\r")
        assert child.close() == 0
