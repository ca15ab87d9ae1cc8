"""Permissions end to end: settings files, trust, print-mode refusals, secrets, plan mode,
explain, and "always allow" on real files, real subprocesses and the HTTP test server."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.model.scripted import ScriptedModel, call
from agent.permissions.gate import Answer
from invariants import assert_paired


def run(args: list[str], cwd: Path, env: dict | None = None, stdin: str | None = None):
    """The CLI with the rules alone judging commands (no sandbox): this file tests the rules;
    tests/permissions/test_sandbox.py tests them with the sandbox on."""
    args = [args[0], "--no-sandbox", *args[1:]] if args[:1] in (["-p"], ["permissions"]) else args
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return subprocess.run([sys.executable, "-m", "agent", *args], cwd=cwd, input=stdin,
                          env={**base, "HOME": str(cwd.parent), **(env or {})},
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def settings(folder: Path, data: dict, name: str = "settings.json") -> Path:
    (folder / ".agent").mkdir(exist_ok=True)
    path = folder / ".agent" / name
    path.write_text(json.dumps(data))
    return path


def tool_results(server) -> list[str]:
    return [m["content"] for m in server.requests[-1]["messages"] if m["role"] == "tool"]


def test_print_mode_refusal_says_how_to_allow_and_the_flag_allows_it(server, repo):
    server.reply(tool_calls=[("Bash", {"command": "touch made.txt"})])
    server.reply("could not")
    done = run(["-p", "make a file", "--base-url", server.base_url], repo)
    assert done.returncode == 0 and not (repo / "made.txt").exists()
    (result,) = tool_results(server)
    assert result.startswith("Permission denied: Bash(touch made.txt) needs approval")
    assert '--allowedTools "Bash(touch made.txt)"' in result
    server.reply(tool_calls=[("Bash", {"command": "touch made.txt"})])
    server.reply("made")
    done = run(["-p", "make a file", "--base-url", server.base_url,
                "--allowedTools", "Read,Bash(touch:*)"], repo)
    assert done.returncode == 0 and (repo / "made.txt").exists()


def test_a_deny_rule_in_the_user_settings_beats_bypass_mode(server, repo):
    settings(repo.parent, {"permissions": {"deny": ["Bash(rm:*)"]}})  # HOME is repo's parent
    (repo / "keep.txt").write_text("x")
    server.reply(tool_calls=[("Bash", {"command": "ls && rm keep.txt"})])
    server.reply("ok")
    run(["-p", "clean", "--base-url", server.base_url, "--permission-mode", "bypassPermissions"], repo)
    assert (repo / "keep.txt").exists()
    assert "matches the deny rule Bash(rm:*)" in tool_results(server)[0]


def test_a_settings_file_with_a_syntax_error_stops_the_program(repo):
    path = settings(repo, {})
    path.write_text('{"permissions": {"deny": ["Bash(rm:*)",]}}')
    done = run(["-p", "hi", "--base-url", "http://127.0.0.1:9/v1"], repo)
    assert done.returncode == 2 and str(path) in done.stderr and "line 1, column" in done.stderr
    path.write_text('{"permissions": {"alow": ["Read"]}}')
    done = run(["-p", "hi", "--base-url", "http://127.0.0.1:9/v1"], repo)
    assert done.returncode == 2 and "did you mean allow?" in done.stderr
    path.write_text('{"permissions": {"deny": ["Bash(unclosed"]}}')
    done = run(["-p", "hi", "--base-url", "http://127.0.0.1:9/v1"], repo)
    assert done.returncode == 2 and str(path) in done.stderr and "is not a rule" in done.stderr


def test_an_untrusted_project_cannot_allow_itself_anything(server, repo):
    settings(repo, {"permissions": {"allow": ["Bash"], "defaultMode": "bypassPermissions"}})
    server.reply(tool_calls=[("Bash", {"command": "touch pwned.txt"})])
    server.reply("done")
    done = run(["-p", "go", "--base-url", server.base_url], repo)
    assert not (repo / "pwned.txt").exists()
    assert "is not trusted" in done.stderr and "allow rule Bash" in done.stderr
    server.reply(tool_calls=[("Bash", {"command": "touch pwned.txt"})])
    server.reply("done")
    run(["-p", "go", "--base-url", server.base_url, "--trust-project"], repo)
    assert (repo / "pwned.txt").exists()  # the user said so, for this run


def test_tools_get_no_secrets(server, repo):
    settings(repo.parent, {"scrubEnv": {"passThrough": ["PUBLIC_TOKEN"]}})
    server.reply(tool_calls=[("Bash", {"command": "env"})])
    server.reply("done")
    env = {"OPENAI_API_KEY": "sk-harness-key", "GITHUB_TOKEN": "ghp_secret", "DB_PASSWORD": "hunter2",
           "AWS_SECRET_ACCESS_KEY": "aws-secret", "ODD_NAME": "sk-harness-key",
           "PUBLIC_TOKEN": "visible", "PLAIN": "plain-value"}
    run(["-p", "show env", "--base-url", server.base_url, "--allowedTools", "Bash(env)"], repo, env)
    (output,) = tool_results(server)
    for secret in ("sk-harness-key", "ghp_secret", "hunter2", "aws-secret"):
        assert secret not in output
    assert "PUBLIC_TOKEN=visible" in output and "PLAIN=plain-value" in output


def test_explain_names_the_rule_and_its_file(repo):
    path = settings(repo.parent, {"permissions": {"allow": ["Bash(git:*)"], "ask": ["Bash(git push:*)"]}})
    done = run(["permissions", "explain", "Bash(git push --force)", "Bash(git status && rm -rf x)",
                "Edit(.git/config)"], repo)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Bash(git push --force): ask" in out and f"ask Bash(git push:*) from {path}" in out
    assert "Bash(git status && rm -rf x): ask" in out and "no rule allows `rm -rf x`" in out
    assert "Edit(.git/config): ask" in out
    listed = run(["permissions", "list"], repo).stdout
    assert "allow rules:\n  Bash(git:*)" in listed and str(path) in listed


def build(repo, server, ask, mode="default"):
    from agent.session.compose import build_session, load_permissions
    from agent.config.config import load_config
    config = load_config({"base_url": server.base_url, "model": "m", "permission_mode": mode,
                          "sandbox": False},
                         {"HOME": str(repo.parent)}, repo)
    return build_session(config, lambda e: None, ask, permissions=load_permissions(config, [], []))


def test_always_writes_the_rule_to_the_local_settings(server, repo, monkeypatch):
    monkeypatch.setenv("HOME", str(repo.parent))
    asked = []
    session = build(repo, server, lambda t, a, d: asked.append(a) or Answer(True, remember=True))
    server.reply(tool_calls=[("Bash", {"command": "touch a.txt"})])
    server.reply(tool_calls=[("Bash", {"command": "touch a.txt"})])
    server.reply("done")
    session.run("touch it twice")
    assert len(asked) == 1  # the second call is allowed by the remembered rule
    saved = json.loads((repo / ".agent" / "settings.local.json").read_text())
    assert saved["permissions"]["allow"] == ["Bash(touch a.txt)"]


def test_plan_mode_refuses_edits_until_the_plan_is_approved(server, repo, monkeypatch):
    monkeypatch.setenv("HOME", str(repo.parent))
    answers = [Answer(False, feedback="also update the docs"), Answer(True), Answer(False)]
    session = build(repo, server, lambda t, a, d: answers.pop(0), mode="plan")
    for step in ([("Write", {"file_path": "a.txt", "content": "x"})],
                 [("Bash", {"command": "touch b.txt"})],
                 [("ExitPlanMode", {"plan": "1. write a.txt"})],
                 [("ExitPlanMode", {"plan": "1. write a.txt\n2. update the docs"})],
                 [("Write", {"file_path": "a.txt", "content": "x"})]):
        server.reply(tool_calls=step)
    server.reply("done")
    session.run("plan, then write a.txt")
    results = tool_results(server)
    assert "plan mode allows only read-only tools" in results[0]
    assert "plan mode allows only read-only commands" in results[1]
    assert "did not approve" in results[2] and "also update the docs" in results[2]
    assert "approved the plan; the permission mode is now default" in results[3]
    assert not (repo / "b.txt").exists()
    assert results[4] == "Permission denied: the user refused Write(a.txt)."  # default mode asks
    assert answers == []
    assert_paired(server.requests[-1]["messages"])


def test_plan_in_print_mode_becomes_the_answer(tmp_path):
    from agent.loop.turn import Agent
    from agent.permissions.policy import Policy
    from agent.permissions.gate import Gate
    from agent.tools import ToolContext
    from agent.permissions.plan_mode import exit_plan_mode
    gate = Gate(Policy("plan", tmp_path))
    model = ScriptedModel([call("ExitPlanMode", plan="1. do it"), "1. do it"])
    agent = Agent(model, [exit_plan_mode(gate)], "sys", ToolContext(cwd=tmp_path), authorize=gate)
    agent.run("plan")
    assert "give the plan as your answer" in model.requests[1][-1]["content"]
