"""The holes an adversarial review found in the rules, by family, with cases of our own: paths
spelt so the check missed them, protected names in another case, deny rules dodged by
spelling, searches of a parent folder, "always" turning `*` into a wildcard. The rules alone
(no sandbox) must refuse or ask; with a sandbox, what the reading cannot see must still ask
while a Bash deny rule exists."""

import os
from pathlib import Path

import pytest

from agent.permissions.gate import suggest_rule
from agent.permissions.policy import Policy
from agent.permissions.rules import matches_command, parse
from agent.permissions.sandbox import Sandbox, bubblewrap
from agent.tools import ToolContext
from agent.tools.files import EDIT, READ, WRITE
from agent.tools.search import GLOB, GREP
from agent.tools.shell import BASH

C = lambda command: {"command": command}  # noqa: E731
F = lambda path: {"file_path": path}  # noqa: E731


@pytest.fixture
def work(tmp_path):
    (tmp_path / "home" / ".ssh").mkdir(parents=True)
    (tmp_path / "work" / "src").mkdir(parents=True)
    return tmp_path.resolve() / "work"


def policy(work: Path, mode="default", allow=(), ask=(), deny=(), sandbox=False) -> Policy:
    rules = [parse(kind, text, "test", work) for kind, texts in
             (("allow", allow), ("ask", ask), ("deny", deny)) for text in texts]
    p = Policy(mode, work, rules, home=work.parent / "home")
    if sandbox:
        p.sandbox = Sandbox(p)
    return p


PATHS = [  # (tool, args, settings): none of these may be allowed
    (WRITE, F("~root/.bashrc"), {"mode": "acceptEdits"}),
    (EDIT, F("~root/.profile"), {"mode": "acceptEdits", "allow": ["Edit(./**)"]}),
    (READ, F("~root/.ssh/id_rsa"), {}),
    (READ, F("~sys/../etc/shadow"), {}),
    (GREP, {"pattern": "x", "path": "~root"}, {}),
    (GLOB, {"pattern": "*", "path": "~root"}, {"mode": "plan"}),
    (GLOB, {"pattern": "/etc/*"}, {"mode": "plan"}),
    (GLOB, {"pattern": "../*"}, {}),
    (GLOB, {"pattern": "../../home/*/.ssh/*"}, {}),
    (WRITE, F(".GIT/hooks/pre-commit"), {"mode": "acceptEdits"}),
    (WRITE, F(".Git/config"), {"mode": "acceptEdits", "allow": ["Edit"]}),
    (EDIT, F(".AGENT/settings.local.json"), {"mode": "acceptEdits"}),
    (WRITE, F(".Claude/settings.json"), {"mode": "acceptEdits", "allow": ["Edit(./**)"]}),
    (WRITE, F(".env"), {"mode": "acceptEdits"}),
    (EDIT, F("src/.env"), {"mode": "acceptEdits"}),
    (WRITE, F(".ENV"), {"mode": "acceptEdits", "allow": ["Write", "Edit"]}),
    (WRITE, F(".git/config"), {"mode": "acceptEdits", "allow": ["Edit(.git*)"]}),
    (WRITE, F(".git/config"), {"mode": "acceptEdits", "allow": ["Edit(./.gi?/**)"]}),
    (WRITE, F(".env"), {"mode": "acceptEdits", "allow": ["Edit(.env*)"]}),
    (READ, F("notes\x00.txt"), {"mode": "bypassPermissions"}),
    (WRITE, F("src/a.py\x00/../../x"), {"mode": "bypassPermissions"}),
    (BASH, C("cat a\x00b"), {"mode": "bypassPermissions"}),
]


@pytest.mark.parametrize("tool, args, settings", PATHS, ids=[f"{i}-{t.name}" for i, (t, *_) in enumerate(PATHS)])
def test_paths_spelt_to_slip_through_are_judged_as_bash_resolves_them(work, tool, args, settings):
    decision = policy(work, **settings).decide(tool, args)
    assert decision.outcome != "allow", decision.reason


def test_a_nul_byte_is_a_clear_refusal_and_not_a_crash(work):
    decision = policy(work, mode="bypassPermissions").decide(READ, F("a\x00b"))
    assert decision.outcome == "deny" and "NUL byte" in decision.reason
    from agent.tools import ToolError
    with pytest.raises(ToolError, match="NUL byte"):
        READ.run(F("a\x00b"), ToolContext(cwd=work))


def test_a_rule_that_names_a_protected_file_still_opens_it(work):
    assert policy(work, mode="acceptEdits", allow=["Edit(./.git/config)"]).decide(
        WRITE, F(".git/config")).outcome == "allow"
    assert policy(work, mode="acceptEdits", allow=["Edit(/.env)"]).decide(
        WRITE, F(".env")).outcome == "allow"
    assert policy(work, mode="acceptEdits").decide(WRITE, F("env.txt")).outcome == "allow"


DODGES = [  # (command, the deny rule it must not dodge)
    ("/bin/rm keep.txt", "Bash(rm:*)"),
    ("/usr/bin/rm -f keep.txt", "Bash(rm:*)"),
    ("./rm keep.txt", "Bash(rm:*)"),
    ("\\rm keep.txt", "Bash(rm:*)"),
    ("'r'm keep.txt", "Bash(rm:*)"),
    ("r\"\"m keep.txt", "Bash(rm:*)"),
    ("command rm keep.txt", "Bash(rm:*)"),
    ("$'\\x72m' keep.txt", "Bash(rm:*)"),
    ("r$()m keep.txt", "Bash(rm:*)"),
    ('"$(which rm)" keep.txt', "Bash(rm:*)"),
    ("$(echo rm) keep.txt", "Bash(rm:*)"),
    ("x=rm; $x keep.txt", "Bash(rm:*)"),
    ("git --no-pager push", "Bash(git push:*)"),
    ("git -c push.default=current push", "Bash(git push:*)"),
    ("git -C . push origin main", "Bash(git push:*)"),
    ("git --git-dir=.git --work-tree=. push", "Bash(git push:*)"),
    ("git -P -c a=b --no-optional-locks push --force", "Bash(git push:*)"),
    ("/usr/bin/git --no-pager push", "Bash(git push:*)"),
    ("env git push", "Bash(git push:*)"),
    ("timeout 9 /bin/rm keep.txt", "Bash(rm:*)"),
    ("ls && /bin/rm keep.txt", "Bash(rm:*)"),
]


@pytest.mark.parametrize("sandbox", [False, True], ids=["rules alone", "with a sandbox"])
@pytest.mark.parametrize("command, rule", DODGES)
def test_deny_rules_see_through_paths_quoting_and_git_options(work, command, rule, sandbox):
    if sandbox and bubblewrap()[0] is None:
        pytest.skip(f"no sandbox here: {bubblewrap()[1]}")
    for mode in ("default", "acceptEdits", "bypassPermissions") if not sandbox else ("default",):
        decision = policy(work, mode=mode, deny=[rule], sandbox=sandbox).decide(BASH, C(command))
        assert decision.outcome != "allow", (mode, decision.reason)


def test_git_options_do_not_widen_an_allow_rule(work):
    p = policy(work, allow=["Bash(git diff:*)"])
    assert p.decide(BASH, C("git diff HEAD")).outcome == "allow"
    assert p.decide(BASH, C("git -c core.pager=sh diff")).outcome == "ask"
    assert p.decide(BASH, C("git --exec-path=/tmp diff")).outcome == "ask"


@pytest.mark.parametrize("command, other", [
    ("rm -f *.pyc", "rm -f keep.txt x.pyc"), ("chmod 644 *", "chmod 644 secret"),
    ("ls *.md", "ls *.md; rm x"), ("cp a* b", "cp anything b"),
])
def test_always_writes_a_rule_for_that_command_only(work, command, other):
    p = policy(work)
    text = suggest_rule(BASH, C(command), p)
    rule = parse("allow", text, "remembered", work)
    assert matches_command(rule, " ".join(command.split()))
    assert not matches_command(rule, other), text
    p.rules.append(rule)
    assert p.decide(BASH, C(other)).outcome != "allow"


@pytest.fixture
def tree(work):
    (work / ".env").write_text("API_SECRET=hunter2\n")
    (work / "src" / ".env").write_text("API_SECRET=nested\n")
    (work / "src" / "app.py").write_text("SECRET = load('API_SECRET')\n")
    (work / "notes.txt").write_text("the SECRET is in .env\n")
    (work.parent / "home" / ".ssh" / "id_rsa").write_text("SECRET KEY MATERIAL\n")
    return work


@pytest.mark.parametrize("engine", ["rg", "python"])
def test_grep_and_glob_leave_out_what_a_read_deny_rule_covers(tree, engine):
    if engine == "rg" and not os.path.exists("/usr/bin/rg") and not os.popen("command -v rg").read():
        pytest.skip("ripgrep (rg) is not installed")
    p = policy(tree, deny=["Read(.env)", "Read(~/.ssh/**)"])
    env = None if engine == "rg" else {"PATH": "/nonexistent"}
    ctx = ToolContext(cwd=tree, env=env, readable=lambda path: not p.read_denied(path))
    for args in ({"pattern": "SECRET"}, {"pattern": "SECRET", "path": "."},
                 {"pattern": "SECRET", "output_mode": "content", "-n": True, "-C": 1},
                 {"pattern": "SECRET", "output_mode": "count"},
                 {"pattern": "SECRET", "path": str(tree.parent / "home")}):
        found = GREP.run(args, ctx)
        assert "hunter2" not in found and "nested" not in found and "KEY MATERIAL" not in found
        assert ".env:" not in found and "id_rsa" not in found, (args, found)
    content = GREP.run({"pattern": "SECRET", "output_mode": "content"}, ctx)
    assert content.splitlines() == ["notes.txt:1:the SECRET is in .env",
                                    "src/app.py:1:SECRET = load('API_SECRET')"]
    listed = GLOB.run({"pattern": "**/*", "path": "."}, ctx).splitlines()
    assert sorted(listed) == ["notes.txt", "src/app.py"]
    hidden = GLOB.run({"pattern": "**/*", "path": str(tree.parent / "home")}, ctx)
    assert "id_rsa" not in hidden
