"""The example hooks of docs/07-hooks.md, run as written by the real hook runner."""

import json
import subprocess
from pathlib import Path

import pytest

from agent.hooks.runner import Hook, Hooks

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "hooks"


def run(event: str, script: str, cwd: Path, env: dict | None = None, **fields):
    hooks = Hooks([Hook(event, "*", command=str(EXAMPLES / script), timeout=60)], cwd, cwd,
                  env=env, session_id="s1")
    return hooks.run(event, fields.get("tool_name"), **fields)


def test_every_example_is_documented_and_executable():
    doc = (EXAMPLES.parent / "07-hooks.md").read_text()
    for path in EXAMPLES.iterdir():
        assert path.name in doc and path.stat().st_mode & 0o111, path.name


def test_format_after_edit(tmp_path):
    f = tmp_path / "a.py"
    f.write_text("x = 1   \ny = 2")
    outcome = run("PostToolUse", "format_after_edit.py", tmp_path, tool_name="Write",
                  tool_input={"file_path": str(f)}, tool_response="ok")
    assert f.read_text() == "x = 1\ny = 2\n" and "reformatted" in outcome.context[0]
    assert run("PostToolUse", "format_after_edit.py", tmp_path, tool_name="Edit",
               tool_input={"file_path": str(f)}).context == ()  # already tidy: nothing said


@pytest.mark.parametrize("command, blocked", [
    ("git push --force origin main", True), ("git push -f", True), ("rm -rf ~/x", True),
    ("pip install requests", True), ("git push --force-with-lease", False),
    ("pip install -r requirements.txt", False), ("rm -rf build", False), ("pytest -q", False)])
def test_validate_bash(tmp_path, command, blocked):
    outcome = run("PreToolUse", "validate_bash.py", tmp_path, tool_name="Bash",
                  tool_input={"command": command})
    assert outcome.blocked is blocked and (outcome.permission == "deny") is blocked


def test_prompt_guard(tmp_path):
    subprocess.run(["git", "init", "-q", "-b", "feature-x", str(tmp_path)], check=True)
    outcome = run("UserPromptSubmit", "prompt_guard.py", tmp_path,
                  prompt="use key sk-abcdefghijklmnopqrstuv")
    assert outcome.blocked and "API key" in outcome.reason
    outcome = run("UserPromptSubmit", "prompt_guard.py", tmp_path, prompt="fix the bug")
    assert not outcome.blocked and outcome.context == ("Current git branch: feature-x",)


def test_audit_log(tmp_path):
    log = tmp_path / "audit.jsonl"
    for name in ("Read", "Bash"):
        run("PreToolUse", "audit_log.sh", tmp_path, env={"AUDIT_LOG": str(log), "PATH": "/usr/bin:/bin"},
            tool_name=name, tool_input={})
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["tool_name"] for e in lines] == ["Read", "Bash"]
    assert lines[0]["hook_event_name"] == "PreToolUse" and lines[0]["session_id"] == "s1"


def test_tests_must_pass(tmp_path):
    import os
    env = {**os.environ, "TEST_COMMAND": "sh check.sh"}
    (tmp_path / "check.sh").write_text("echo '1 failed: test_words'; exit 1\n")
    outcome = run("Stop", "tests_must_pass.sh", tmp_path, env=env, stop_hook_active=False)
    assert outcome.blocked and "1 failed: test_words" in outcome.reason
    (tmp_path / "check.sh").write_text("echo '3 passed'\n")
    assert not run("Stop", "tests_must_pass.sh", tmp_path, env=env, stop_hook_active=True).blocked
