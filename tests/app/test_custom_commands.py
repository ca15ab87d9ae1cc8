"""Custom commands: found in four folders, named by subfolder, expanded, and run for one turn
with their own rules and model, against the HTTP server."""

import json

import pytest

from agent.app.custom_commands import discover, expand, for_one_turn, run
from agent.app.slash import Console, dispatch


def write(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def build(repo, server, allowed=(), disallowed=()):
    from agent.session.compose import build_session, load_permissions
    from agent.config.config import load_config
    config = load_config({"base_url": server.base_url, "model": "main-model", "sandbox": False},
                         {}, repo)
    permissions = load_permissions(config, list(allowed), list(disallowed))
    return build_session(config, lambda event: None, ask=None, permissions=permissions)


def test_discovery_namespaces_and_precedence(repo, home):
    ours = write(repo / ".agent" / "commands" / "review.md", "---\ndescription: ours\n---\nReview.")
    write(repo / ".claude" / "commands" / "review.md", "Claude's review.")
    write(home / ".agent" / "commands" / "review.md", "The user's review.")
    write(home / ".agent" / "commands" / "frontend" / "component.md", "Make a component $1.")
    write(repo / ".claude" / "commands" / "git" / "sub" / "log.md", "Show the log.")
    write(home / ".claude" / "commands" / "only-claude.md", "From ~/.claude.")
    write(repo / ".agent" / "commands" / "bad name.md", "never")
    write(repo / ".agent" / "commands" / "broken.md", "---\nmap: {a: 1}\n---\nbody")
    write(repo / ".agent" / "commands" / "notes.txt", "not markdown")
    found, problems = discover(repo, home)
    assert sorted(found) == ["/frontend:component", "/git:sub:log", "/only-claude", "/review"]
    assert found["/review"].path == ours and found["/review"].scope == "project"
    assert found["/review"].description == "ours" and found["/review"].body == "Review."
    assert found["/frontend:component"].scope == "user"
    assert found["/only-claude"].body == "From ~/.claude."
    text = "\n".join(problems)
    assert text.count("is hidden by " + str(ours)) == 2  # .claude's and the user's /review
    assert "bad name.md: skipped" in text
    assert "broken.md: skipped: frontmatter line 2: '{'" in text
    assert len(problems) == 4


def test_frontmatter_fields_and_a_bad_rule(repo, home):
    write(repo / ".agent" / "commands" / "commit.md",
          "---\ndescription: Commit the staged change\nargument-hint: [message]\n"
          "allowed-tools: Bash(git add:*), Bash(git commit:*)\nmodel: small-model\n---\nCommit.")
    write(repo / ".agent" / "commands" / "listed.md",
          "---\nallowed-tools:\n  - Read\n  - Bash(git status)\n---\nList.")
    write(repo / ".agent" / "commands" / "wrong.md", "---\nallowed-tools: Bash()\n---\nx")
    found, problems = discover(repo, home)
    commit = found["/commit"]
    assert (commit.description, commit.hint, commit.model) == ("Commit the staged change",
                                                               "[message]", "small-model")
    assert [r.text for r in commit.allowed_tools] == ["Bash(git add:*)", "Bash(git commit:*)"]
    assert all(r.kind == "allow" and "allowed-tools of" in r.source for r in commit.allowed_tools)
    assert [r.text for r in found["/listed"].allowed_tools] == ["Read", "Bash(git status)"]
    assert "/wrong" not in found and "empty specifier" in problems[0]


def test_an_untrusted_project_gets_no_allowed_tools(repo, home):
    write(repo / ".agent" / "commands" / "ours.md", "---\nallowed-tools: Bash\n---\nx")
    write(home / ".agent" / "commands" / "mine.md", "---\nallowed-tools: Bash\n---\nx")
    found, problems = discover(repo, home, trusted=False)
    assert found["/ours"].allowed_tools == () and len(found["/mine"].allowed_tools) == 1
    assert problems == [f"{repo / '.agent' / 'commands' / 'ours.md'}: allowed-tools ignored, "
                        "the project is not trusted"]


@pytest.mark.parametrize("body, arguments, expected", [
    ("Fix issue $ARGUMENTS now", "#12 'in the parser'", "Fix issue #12 'in the parser' now"),
    ("Compare $1 with $2", 'a.py "my file.py"', "Compare a.py with my file.py"),
    ("$1/$2/$3", "one", "one//"),
    ("All: $ARGUMENTS; first: $1", "x y", "All: x y; first: x"),
    ("Tenth is not $10", "a b", "Tenth is not a0"),
    ("Unclosed $1 $2", "it's fine", "Unclosed it's fine"),
    ("No placeholder.", "some words", "No placeholder.\n\nARGUMENTS: some words"),
    ("No placeholder.", "", "No placeholder."),
    ("Empty $ARGUMENTS.", "", "Empty ."),
    ("$1 then $ARGUMENTS", "'$ARGUMENTS' $2", "$ARGUMENTS then '$ARGUMENTS' $2"),
])
def test_arguments_are_substituted(repo, home, body, arguments, expected):
    write(repo / ".agent" / "commands" / "c.md", body)
    command = discover(repo, home)[0]["/c"]
    assert expand(command, arguments) == expected


def test_bang_lines_run_through_the_gate(repo, home, server):
    write(repo / ".agent" / "commands" / "status.md",
          "---\nallowed-tools: Bash(python3 -c *)\n---\n"
          "The answer: !`python3 -c 'print(6 * 7)'`\nRefused: !`python3 -c 'print(1)' > out.txt`\n"
          "Floor: !`rm -rf ~`\nThen $1.")
    session = build(repo, server)
    command = discover(repo, home)[0]["/status"]
    server.reply("ok")
    run(command, "explain", session)
    sent = server.requests[0]["messages"][-1]["content"]
    assert sent.startswith("The answer: 42\nRefused: [not run: Permission denied: Bash(python3 -c")
    assert "needs approval" in sent and not (repo / "out.txt").exists()
    assert "Floor: [not run: Permission denied: Bash(rm -rf ~): refused in every mode" in sent
    assert "\nThen explain.\n" in sent


def test_a_deny_rule_beats_allowed_tools_and_says_so(repo, home, server):
    write(repo / ".agent" / "commands" / "py.md",
          "---\nallowed-tools: Bash(python3:*)\n---\nOutput: !`python3 -c 'print(6 * 7)'`")
    session = build(repo, server, disallowed=["Bash(python3:*)"])
    server.reply("ok")
    run(discover(repo, home)[0]["/py"], "", session)
    sent = server.requests[0]["messages"][-1]["content"]
    assert sent.startswith("Output: [not run: Permission denied: Bash(python3 -c 'print(6 * 7)'): ")
    assert "matches the deny rule Bash(python3:*) (--disallowedTools)" in sent and "42" not in sent


def test_allowed_tools_and_model_hold_for_one_turn(repo, home, server):
    write(repo / ".agent" / "commands" / "note.md",
          "---\nallowed-tools: [Write]\nmodel: small-model\n---\nWrite a note to $1.")
    session = build(repo, server)
    rules_before = list(session.policy.rules)
    write_call = ("Write", {"file_path": "note.txt", "content": "hi"})
    server.reply(tool_calls=[write_call])
    server.reply("written")
    server.reply(tool_calls=[("Write", {"file_path": "again.txt", "content": "hi"})])
    server.reply("refused")
    console = Console(session, repo, home)
    action = dispatch(console, "/note", "note.txt")
    assert action.text == "" and action.turn is not None and server.requests == []
    end = action.turn()
    assert end.text == "written" and (repo / "note.txt").read_text() == "hi"
    assert [r["model"] for r in server.requests] == ["small-model", "small-model"]
    assert server.requests[0]["messages"][-1]["content"].startswith("Write a note to note.txt.\n")
    assert session.policy.rules == rules_before and session.client.name == "main-model"
    session.run("write again")
    assert [r["model"] for r in server.requests[2:]] == ["main-model", "main-model"]
    result = server.requests[3]["messages"][-1]["content"]
    assert result.startswith("Permission denied: Write(again.txt) needs approval")
    assert not (repo / "again.txt").exists()


def test_the_turn_settings_are_restored_after_an_interruption(repo, home, server):
    write(repo / ".agent" / "commands" / "x.md", "---\nallowed-tools: Bash\nmodel: other\n---\nx")
    session = build(repo, server)
    command = discover(repo, home)[0]["/x"]
    with pytest.raises(KeyboardInterrupt):
        with for_one_turn(session, command):
            assert session.client.name == "other" and session.policy.rules[-1].text == "Bash"
            raise KeyboardInterrupt
    assert session.client.name == "main-model"
    assert all(r.text != "Bash" for r in session.policy.rules)


def test_help_lists_custom_commands_and_problems(repo, home, server):
    write(repo / ".agent" / "commands" / "greet.md",
          "---\ndescription: Greet someone\nargument-hint: [name]\nmodel: tiny\n---\nHi $1")
    write(repo / ".agent" / "commands" / "help.md", "a custom /help")
    console = Console(build(repo, server), repo, home)
    shown = dispatch(console, "/help", "").text
    assert "  /greet [name] Greet someone (project, tiny)" in shown
    assert f"! {repo / '.agent' / 'commands' / 'help.md'}: hidden by the built-in /help" in shown
    assert "a custom /help" not in shown  # the built-in wins
    assert json.dumps(server.requests) == "[]"


def test_the_worked_example_of_the_chapter_reads_as_described(repo, home):
    from pathlib import Path
    chapter = (Path(__file__).parents[2] / "docs" / "10-commands.md").read_text()
    example = chapter.split("```markdown\n", 1)[1].split("```", 1)[0]
    write(repo / ".agent" / "commands" / "review.md", example)
    found, problems = discover(repo, home)
    review = found["/review"]
    assert problems == [] and review.hint == "[focus]" and review.model == "qwen2.5-coder:14b"
    assert [r.text for r in review.allowed_tools] == ["Bash(git diff:*)", "Bash(git log:*)"]
    assert "with a focus on error handling." in expand(review, "error handling")


def test_print_mode_runs_a_custom_command_and_refuses_the_rest(repo, home, server):
    import os
    import subprocess
    import sys
    write(repo / ".agent" / "commands" / "fix.md",
          "---\nmodel: fixer-model\nallowed-tools: Bash(echo *)\n---\nFix $1. Status: !`echo clean`\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    env |= {"HOME": str(home), "OPENAI_BASE_URL": server.base_url}

    def agent(prompt: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "agent", "-p", prompt, "--trust-project"],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    server.reply("Fixed.")
    done = agent("/fix the-typo")
    assert (done.returncode, done.stdout) == (0, "Fixed.\n"), done.stderr
    request = server.requests[-1]
    assert request["model"] == "fixer-model"
    assert request["messages"][-1]["content"].startswith("Fix the-typo. Status: clean")
    for prompt, what in (("/cost", "a REPL command"), ("/fxi it", "an unknown command")):
        done = agent(prompt)
        assert done.returncode == 2 and done.stderr.startswith(f"agent: {prompt.split()[0]} is {what}")
        assert "only custom commands run (.agent/commands/*.md: /fix)" in done.stderr
    assert len(server.requests) == 1


def test_allowed_tools_of_an_untrusted_projects_commands_do_not_count(repo, home, server):
    """No settings file at all, only a command that grants itself Bash: it needs trust too."""
    import os
    import subprocess
    import sys
    write(repo / ".agent" / "commands" / "go.md",
          "---\nallowed-tools: Bash\n---\nDo it: !`touch made-by-the-command`\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    env |= {"HOME": str(home), "OPENAI_BASE_URL": server.base_url}
    server.reply("done")
    done = subprocess.run([sys.executable, "-m", "agent", "-p", "/go", "--no-sandbox"], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "allowed-tools of the command" in done.stderr and "not trusted" in done.stderr
    assert not (repo / "made-by-the-command").exists()
    assert "[not run: Permission denied" in server.requests[-1]["messages"][-1]["content"]


def test_the_worked_example_of_the_chapter_is_shipped_and_reads_as_a_command():
    from pathlib import Path as P
    from agent.app.custom_commands import read
    root = P(__file__).resolve().parents[2]
    shipped = root / "docs" / "commands" / "review.md"
    assert shipped.read_text() in (root / "docs" / "10-commands.md").read_text()  # the same text
    command = read(shipped, "/review", "project", root)
    assert command.description == "Review the staged change"
    assert [r.text for r in command.allowed_tools] == ["Bash(git diff:*)", "Bash(git log:*)"]
