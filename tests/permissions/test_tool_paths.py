"""Any tool's paths are judged by the rules: Read rules for a tool that only reads, Edit rules
for one that changes things, unless the tool declares otherwise. And `explain` answers as the
real check does, for every tool of a session, built-in or added later."""

import os
from pathlib import Path

import pytest

from agent.model.types import ToolCall
from agent.permissions.explain import explain
from agent.permissions.gate import Gate, suggest_rule
from agent.permissions.policy import Policy
from agent.permissions.rules import parse
from agent.tools import Tool


def tool(name: str, read_only: bool, params: dict, required=(), **declared) -> Tool:
    schema = {"type": "object", "properties": {p: {"type": t} for p, t in params.items()},
              "required": list(required)}
    return Tool(name=name, description="", parameters=schema, run=lambda a, c: "ran",
                read_only=read_only, **declared)


WORDCOUNT = tool("WordCount", True, {"file_path": "string"}, ["file_path"])
SHRED = tool("Shred", False, {"path": "string"}, ["path"])
OUTLINE = tool("Outline", True, {"path": "string", "depth": "integer"})  # path optional: cwd
DIFF = tool("Diff", True, {"file_path": "string", "notebook_path": "string"}, ["file_path"])
COPY = tool("Copy", False, {"source": "string", "target": "string"}, ["source", "target"],
            path_parameters=("source", "target"))
PEEK = tool("Peek", False, {"file_path": "string"}, ["file_path"], path_rules="Read")
CLOCK = tool("Clock", True, {"zone": "string"})
TOKENS = tool("Tokens", True, {"path": "string"}, ["path"], path_parameters=())


@pytest.fixture
def work(tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "work" / "keep").mkdir(parents=True)
    (tmp_path / "work" / ".git").mkdir()
    (tmp_path / "elsewhere").mkdir()
    return tmp_path.resolve() / "work"


def decide(work: Path, t: Tool, args: dict, mode="default", allow=(), ask=(), deny=()) -> str:
    rules = [parse(kind, text, "test", work) for kind, texts in
             (("allow", allow), ("ask", ask), ("deny", deny)) for text in texts]
    return Policy(mode, work, rules, home=work.parent / "home").decide(t, args).outcome


F = lambda p: {"file_path": p}  # noqa: E731
P = lambda p: {"path": p}  # noqa: E731

TABLE = [
    # a read-only plugin tool is held to Read rules, whatever its name
    (WORDCOUNT, F("notes.txt"), {}, "allow"),
    (WORDCOUNT, F(".env"), {"deny": ["Read(./.env)"]}, "deny"),
    (WORDCOUNT, F("./sub/../.env"), {"deny": ["Read(./.env)"]}, "deny"),
    (WORDCOUNT, F("secret.txt"), {"deny": ["Read(./secret.txt)"], "mode": "bypassPermissions"}, "deny"),
    (WORDCOUNT, F("a.env"), {"deny": ["Read(*.env)"]}, "deny"),
    (WORDCOUNT, F("keep/a.txt"), {"deny": ["Read"]}, "deny"),
    (WORDCOUNT, F("keep/a.txt"), {"ask": ["Read(./keep/**)"]}, "ask"),
    (WORDCOUNT, F(".env"), {"deny": ["Edit(./.env)"]}, "allow"),  # an Edit rule is not about reading
    (WORDCOUNT, F(".env"), {"deny": ["WordCount"]}, "deny"),  # its own name still counts
    (WORDCOUNT, F("../elsewhere/x"), {}, "ask"),
    (WORDCOUNT, F("../elsewhere/x"), {"allow": ["Read(/{parent}/elsewhere/**)"]}, "allow"),
    (WORDCOUNT, F("~/notes"), {}, "ask"),
    (WORDCOUNT, F("x"), {"mode": "plan"}, "allow"),
    # a plugin tool that changes files is held to Edit rules and to the modes as Edit is
    (SHRED, P("a.txt"), {}, "ask"),
    (SHRED, P("a.txt"), {"mode": "acceptEdits"}, "allow"),
    (SHRED, P("../elsewhere/a"), {"mode": "acceptEdits"}, "ask"),
    (SHRED, P(".git/config"), {"mode": "acceptEdits"}, "ask"),
    (SHRED, P(".git/config"), {"mode": "acceptEdits", "allow": ["Edit"]}, "ask"),  # protected
    (SHRED, P("keep/x"), {"mode": "acceptEdits", "deny": ["Edit(./keep/**)"]}, "deny"),
    (SHRED, P("keep/x"), {"mode": "bypassPermissions", "deny": ["Edit(./keep/**)"]}, "deny"),
    (SHRED, P("a.txt"), {"mode": "plan"}, "deny"),
    (SHRED, P("a.txt"), {"allow": ["Edit(./*.txt)"]}, "allow"),
    (SHRED, P("a.txt"), {"deny": ["Read(./a.txt)"]}, "ask"),  # a Read rule is not about changing
    # an optional path that is left out is the working directory
    (OUTLINE, {}, {"deny": ["Read(/{work})"]}, "deny"),
    (OUTLINE, {"depth": 2}, {}, "allow"),
    (OUTLINE, P("../elsewhere"), {}, "ask"),
    # every path argument counts: one denied path is enough, an allow must cover them all
    (DIFF, {"file_path": "a.txt", "notebook_path": ".env"}, {"deny": ["Read(./.env)"]}, "deny"),
    (DIFF, {"file_path": ".env", "notebook_path": "a.txt"}, {"deny": ["Read(./.env)"]}, "deny"),
    (COPY, {"source": "keep/a", "target": "b"}, {"mode": "acceptEdits", "deny": ["Edit(./keep/**)"]}, "deny"),
    (COPY, {"source": "b", "target": "keep/a"}, {"mode": "acceptEdits", "deny": ["Edit(./keep/**)"]}, "deny"),
    (COPY, {"source": "a", "target": "../elsewhere/a"}, {"mode": "acceptEdits"}, "ask"),
    (COPY, {"source": "a", "target": "../elsewhere/a"}, {"allow": ["Edit(./a)"]}, "ask"),
    (COPY, {"source": "a", "target": "b"}, {"allow": ["Edit(./a)", "Edit(./b)"]}, "allow"),
    # what a tool declares wins
    (PEEK, F("a.txt"), {}, "ask"),  # it changes things: no free pass, though Read rules judge it
    (PEEK, F(".env"), {"deny": ["Read(./.env)"]}, "deny"),
    (PEEK, F(".env"), {"deny": ["Edit(./.env)"], "mode": "acceptEdits"}, "ask"),
    (TOKENS, P(".env"), {"deny": ["Read(./.env)"]}, "allow"),  # it said it takes no path
    (CLOCK, {"zone": "UTC"}, {"deny": ["Read"]}, "allow"),  # no path: no path rule applies
]


@pytest.mark.parametrize("t, args, settings, expected", TABLE,
                         ids=[f"{i}-{t.name}" for i, (t, *_) in enumerate(TABLE)])
def test_a_tools_paths_are_judged_by_its_rules(work, t, args, settings, expected):
    settings = {k: [r.format(parent=work.parent, work=work) for r in v] if isinstance(v, list) else v
                for k, v in settings.items()}
    assert decide(work, t, args, **settings) == expected


def test_always_allow_writes_the_rule_of_the_tools_family(work):
    policy = Policy("default", work, home=work.parent / "home")
    assert suggest_rule(WORDCOUNT, F("keep/a.txt"), policy) == "Read(/keep/a.txt)"
    assert suggest_rule(SHRED, P("a.txt"), policy) == "Edit(/a.txt)"
    assert suggest_rule(CLOCK, {"zone": "UTC"}, policy) == "Clock"


@pytest.mark.parametrize("text, expected", [
    ("WordCount(secret.txt)", "deny"), ("WordCount(notes.txt)", "allow"),
    ("WordCount(../elsewhere/x)", "ask"), ("Shred(a.txt)", "ask"), ("Shred(keep/a)", "deny"),
    ("Copy(keep/a)", "deny"), ("Clock(UTC)", "allow"), ("Outline", "allow"),
    ("Read(secret.txt)", "deny"), ("Grep(.)", "allow"), ("Bash(rm -rf keep)", "deny"), ("Bash(rm -rf other)", "ask"),
    ("Bash(cat secret.txt)", "deny"), ("Write(keep/b)", "deny"), ("TodoWrite", "allow"),
    ("Nope(x)", "ask"),
])
def test_explain_answers_as_the_real_check_for_every_tool(home, repo, server, text, expected):
    """A real session with tools added after it was built: explain's answer and what the
    loop's authorize does with the same call agree, in print mode (an ask is a refusal)."""
    from agent.config.config import load_config
    from agent.session.compose import build_session, load_permissions

    (repo / ".agent").mkdir()
    (repo / ".agent" / "settings.json").write_text(
        '{"permissions": {"deny": ["Read(./secret.txt)", "Edit(./keep/**)"]}}')
    config = load_config({"base_url": server.base_url, "model": "m", "sandbox": False},
                         {"HOME": os.environ["HOME"]}, repo)
    session = build_session(config, lambda e: None, None, permissions=load_permissions(config, [], []))
    for t in (WORDCOUNT, SHRED, OUTLINE, COPY, CLOCK):
        session.agent.add_tool(t)
    answer = explain(session.policy, text, session.tools)
    assert answer.splitlines()[0].endswith(f": {expected}"), answer
    name = text.split("(")[0]
    if name not in session.tools:
        return
    from agent.permissions.explain import call_from_text
    t, args = call_from_text(text, session.tools)
    verdict = session.agent.authorize(t, args, ToolCall("c1", name, "{}"))
    assert verdict.allowed == (expected == "allow")
    assert Gate(session.policy)(t, args).allowed == verdict.allowed


TASK = tool("Task", True, {"description": "string", "prompt": "string", "subagent_type": "string"},
            rule_argument="subagent_type")
SKILL = tool("Skill", True, {"skill": "string"}, ["skill"], rule_argument="skill")
T = lambda name: {"description": "d", "prompt": "p", "subagent_type": name}  # noqa: E731

NAMED = [
    (TASK, T("Explore"), {}, "allow"),  # it changes nothing itself: its subagent's calls are judged
    (TASK, T("Explore"), {"deny": ["Task(Explore)"]}, "deny"),
    (TASK, T("Explore"), {"deny": ["Agent(Explore)"]}, "deny"),  # Claude Code's newer name
    (TASK, T("general-purpose"), {"deny": ["Task(Explore)"]}, "allow"),
    (TASK, T("Explorer"), {"deny": ["Task(Explore)"]}, "allow"),  # names match whole
    (TASK, T("reviewer-py"), {"deny": ["Task(reviewer-*)"]}, "deny"),
    (TASK, T("anything"), {"deny": ["Task"]}, "deny"),
    (TASK, T("Explore"), {"ask": ["Task(Explore)"]}, "ask"),
    (TASK, T("Explore"), {"deny": ["Read(./**)"]}, "allow"),  # path rules are about paths
    (SKILL, {"skill": "pdf"}, {"deny": ["Skill(pdf)"]}, "deny"),
    (SKILL, {"skill": "pdf-forms"}, {"deny": ["Skill(pdf)"]}, "allow"),
    (SKILL, {"skill": "commit"}, {"deny": ["Skill(*)"]}, "deny"),
    (SKILL, {"skill": "commit"}, {"mode": "plan"}, "allow"),
]


@pytest.mark.parametrize("t, args, rules, expected", NAMED,
                         ids=lambda v: v.name if isinstance(v, Tool) else None)
def test_a_rule_can_name_the_argument_a_tool_declares(work, t, args, rules, expected):
    assert decide(work, t, args, **rules) == expected
