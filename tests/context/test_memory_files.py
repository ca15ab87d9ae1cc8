"""Memory files on real folder trees: the user's folder, .local variants, @imports and caps."""

import os
import subprocess

import pytest

from agent.context.system_prompt import memory_files, system_prompt
from agent.context.memory_files import MAX_HOPS, imports


@pytest.fixture
def tree(tmp_path):
    home, repo = tmp_path / "home", tmp_path / "repo"
    (home / ".agent").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return home, repo.resolve()


def names(files, base):
    return [f.path.relative_to(base).as_posix() for f in files]


def test_user_folder_first_then_root_down_with_local_variants(tree, tmp_path):
    home, repo = tree
    (home / ".agent" / "AGENT.md").write_text("user rules")
    (repo / "CLAUDE.md").write_text("project rules")
    (repo / "CLAUDE.local.md").write_text("my private notes")
    files = memory_files(repo, home)
    assert names(files, tmp_path.resolve()) == ["home/.agent/AGENT.md", "repo/CLAUDE.md",
                                                "repo/CLAUDE.local.md"]
    prompt = system_prompt(repo, home)
    assert prompt.index("user rules") < prompt.index("project rules") < prompt.index("my private")


def test_imports_are_relative_to_the_importing_file_and_read_once(tree):
    home, repo = tree
    (repo / "docs").mkdir()
    (repo / "AGENT.md").write_text("See @docs/style.md and @docs/style.md again, and @~/me.md.\n")
    (repo / "docs" / "style.md").write_text("Use tabs. Also @../shared.md\n")
    (repo / "shared.md").write_text("shared rules")
    (home / "me.md").write_text("about me")
    files = memory_files(repo, home)
    assert [f.path.name for f in files] == ["AGENT.md", "style.md", "shared.md", "me.md"]
    assert files[1].imported_from == repo / "AGENT.md"
    assert files[2].imported_from == repo / "docs" / "style.md"
    assert f"imported by {repo / 'AGENT.md'}" in system_prompt(repo, home)


def test_imports_stop_after_four_hops(tree):
    home, repo = tree
    (repo / "AGENT.md").write_text("@f1.md")
    for i in range(1, 8):
        (repo / f"f{i}.md").write_text(f"level {i} @f{i + 1}.md")
    loaded = [f.path.name for f in memory_files(repo, home)]
    assert loaded == ["AGENT.md"] + [f"f{i}.md" for i in range(1, MAX_HOPS + 1)]


def test_an_import_cycle_ends(tree):
    home, repo = tree
    (repo / "AGENT.md").write_text("@a.md")
    (repo / "a.md").write_text("@AGENT.md @a.md")
    assert [f.path.name for f in memory_files(repo, home)] == ["AGENT.md", "a.md"]


@pytest.mark.parametrize("text, expected", [
    ("read @notes.md please", ["notes.md"]),
    ("`@inline.md` is code, @real.md is not", ["real.md"]),
    ("```\n@fenced.md\n```\n@after.md", ["after.md"]),
    ("mail me at me@example.com", []),
    ("@~/global.md and @../up.md", ["~/global.md", "../up.md"]),
    ("a decorator @property is not a file", []),
])
def test_import_syntax(text, expected):
    assert imports(text) == expected


def test_a_missing_import_is_ignored(tree):
    home, repo = tree
    (repo / "AGENT.md").write_text("@nowhere.md")
    assert [f.path.name for f in memory_files(repo, home)] == ["AGENT.md"]


# Subfolders: loaded with the first tool call that touches them.

def subfolder_guard(repo, home):
    from agent.context.memory_files import SubfolderMemory
    return SubfolderMemory(repo, home, memory_files(repo, home))


def test_a_subfolder_loads_with_the_first_call_that_touches_it(tree):
    from agent.model.scripted import call
    home, repo = tree
    (repo / "AGENT.md").write_text("root rules")
    (repo / "sub" / "deep").mkdir(parents=True)
    (repo / "sub" / "AGENT.md").write_text("sub rules @notes.md")
    (repo / "sub" / "notes.md").write_text("imported sub notes")
    (repo / "sub" / "deep" / "CLAUDE.local.md").write_text("deep rules")
    (repo / "sub" / "deep" / "x.py").write_text("x = 1\n")
    guard = subfolder_guard(repo, home)
    out = guard(call("Read", file_path="sub/deep/x.py"), "the file")
    assert out.startswith("the file\n\n<memory-file ")
    assert out.index("sub rules") < out.index("imported sub notes") < out.index("deep rules")
    assert "root rules" not in out  # already in the system prompt
    assert f'imported-by="{repo / "sub" / "AGENT.md"}"' in out
    assert guard(call("Read", file_path=str(repo / "sub" / "x.py")), "again") == "again"
    assert guard(call("Grep", pattern="x", path="sub/deep"), "grep") == "grep"
    assert "deep rules" in guard.text() and "sub rules" in guard.text()
    guard.forget()  # /clear: the blocks left with the history
    assert "sub rules" in guard(call("Glob", pattern="*.py", path="sub"), "glob")


def test_calls_that_touch_no_subfolder_load_nothing(tree, tmp_path):
    from agent.model.types import ToolCall
    from agent.model.scripted import call
    home, repo = tree
    (repo / "sub").mkdir()
    (repo / "sub" / "AGENT.md").write_text("sub rules")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "AGENT.md").write_text("outside rules")
    guard = subfolder_guard(repo, home)
    for c in (call("Read", file_path="top.py"), call("Bash", command="cat sub/AGENT.md"),
              call("Read", file_path=str(tmp_path / "elsewhere" / "a.py")),
              call("Read", file_path="../elsewhere/a.py"), ToolCall("c", "Read", "{bad json")):
        assert guard(c, "r") == "r"


def test_the_agent_appends_subfolder_memory_to_the_tool_result(tree):
    from agent.model.scripted import ScriptedModel, call
    from agent.loop.turn import Agent
    from agent.tools import ToolContext, default_tools
    home, repo = tree
    (repo / "pkg").mkdir()
    (repo / "pkg" / "AGENTS.md").write_text("pkg: run tests with make check")
    (repo / "pkg" / "mod.py").write_text("def f():\n    return 1\n")
    model = ScriptedModel([call("Read", file_path="pkg/mod.py"), "read it"])
    agent = Agent(model, default_tools(), "sys", ToolContext(cwd=repo))
    agent.after_tool.add(subfolder_guard(repo, home))
    agent.run("look at pkg/mod.py")
    result = model.requests[1][-1]
    assert result["role"] == "tool" and "return 1" in result["content"]
    assert "pkg: run tests with make check" in result["content"]


def test_an_untrusted_projects_memory_is_read_only_inside_it(tmp_path):
    """A committed AGENT.md that is a symlink to a secret, or that imports one, puts nothing
    in the prompt until the project is trusted; the user's own files are read as before."""
    from agent.context.memory_files import discover, load
    home, repo = tmp_path / "home", tmp_path / "repo"
    (home / ".agent").mkdir(parents=True)
    (home / ".config").mkdir()
    (home / ".config" / "hosts.yml").write_text("oauth_token: gho_SECRET")
    (home / ".agent" / "AGENT.md").write_text("Mine. @~/.config/hosts.yml")
    (repo / "sub").mkdir(parents=True)
    (repo / "AGENT.md").write_text("Project rules. @~/.config/hosts.yml @notes.md @../outside.md")
    (repo / "notes.md").write_text("Notes inside.")
    (tmp_path / "outside.md").write_text("OUTSIDE TEXT")
    (repo / "CLAUDE.md").symlink_to(home / ".config" / "hosts.yml")
    paths = discover(repo, repo, home)
    files = load(paths, home, confine=repo)
    text = "\n".join(f.text for f in files)
    mine = [f for f in files if f.path == (home / ".agent" / "AGENT.md").resolve()]
    assert mine and "Notes inside." in text and "Project rules." in text
    assert "OUTSIDE TEXT" not in text
    # the user's own import is read once, by the user's file; the project's import and
    # symlink to the same secret are refused, never read through the project
    secret = [f for f in files if f.path == (home / ".config" / "hosts.yml").resolve()]
    assert len(secret) == 1 and secret[0].imported_from == mine[0].path
    home_only = load(discover(repo, repo, home)[1:], home, confine=repo)  # without the user's file
    assert "gho_SECRET" not in "\n".join(f.text for f in home_only)
    assert sum("not read: it is outside the project" in f.text for f in home_only) >= 2
    trusted = load(discover(repo, repo, home)[1:], home)  # trusted: as before
    assert "gho_SECRET" in "\n".join(f.text for f in trusted) and "OUTSIDE TEXT" in "\n".join(
        f.text for f in trusted)


def test_locked_folders_and_unreadable_memory_files_never_stop_a_session():
    """As an unprivileged user: an AGENT.md the user may not read, an import into a folder it
    may not enter, and a call that touches that folder load what they can and go on."""
    from agent.context.memory_files import SubfolderMemory
    from agent.model.scripted import call
    from unprivileged import as_nobody

    def run(folder):
        home, repo = folder / "home", folder / "repo"
        (home / ".agent").mkdir(parents=True)
        (repo / "locked").mkdir(parents=True)
        (repo / "sub").mkdir()
        (repo / "AGENT.md").write_text("root rules @locked/more.md\n")
        (repo / "locked" / "more.md").write_text("more rules\n")
        (repo / "sub" / "AGENT.md").write_text("sub rules\n")
        os.chmod(repo / "sub" / "AGENT.md", 0)
        os.chmod(repo / "locked", 0)
        files = memory_files(repo, home)
        guard = SubfolderMemory(repo, home, files)
        return ([f.text for f in files], guard(call("Read", file_path="locked/x.py"), "r"),
                guard(call("Read", file_path="sub/x.py"), "r"))
    startup, locked, sub = as_nobody(run)
    assert startup == ["root rules @locked/more.md"]  # the import it cannot see is left out
    assert locked == "r"
    assert "[not read: Permission denied]" in sub
