"""Starter tests of exercise 05: a guard on the after_tool seam that redacts API keys from
every tool result, before anything else sees the result."""

import pytest

from agent import Tool, ToolError
from agent.model.scripted import call
from kit import results, solved, start

PLUGIN = solved(__file__)

OPENAI = "sk-proj-4f9XqT2mB7vL0cR8wZ1yH6nK3jD5sA"
GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
AWS = "AKIAIOSFODNN7EXAMPLE"
CONFIG = f'DEBUG = True\nOPENAI_API_KEY = "{OPENAI}"\nGITHUB_TOKEN = "{GITHUB}"\nREGION = "eu"\n'


def fail_to_log_in(args: dict, ctx) -> str:
    raise ToolError(f"the key {AWS} was refused")


LOGIN = Tool(name="Login", description="Log in.", parameters={"type": "object", "properties": {}},
             run=fail_to_log_in, read_only=True)  # a failed result can hold a key too


@pytest.fixture
def config(workspace):
    (workspace / "config.py").write_text(CONFIG)
    return workspace / "config.py"


def test_keys_are_redacted_and_the_rest_is_kept(workspace, config):
    session, _ = start(workspace, [call("Read", file_path="config.py"), "Read it."], PLUGIN)
    session.run("read config.py")
    (result,) = results(session.messages)
    assert OPENAI not in result and GITHUB not in result
    assert result.count("[REDACTED]") == 2
    assert "DEBUG = True" in result and 'REGION = "eu"' in result
    assert config.read_text() == CONFIG  # the file is not touched, only what the model reads


def test_hooks_and_the_transcript_see_only_the_redacted_result(workspace, config):
    seen = []
    session, _ = start(workspace, [call("Bash", command="cat config.py"), call("Login"), "Done."],
                       PLUGIN)
    session.add_tool(LOGIN)
    for event in ("PostToolUse", "PostToolUseFailure"):
        session.add_hook(event, lambda e: seen.append((e["hook_event_name"], e["tool_response"])))
    session.run("show me the config")
    assert [name for name, _ in seen] == ["PostToolUse", "PostToolUseFailure"]
    assert all("[REDACTED]" in text for _, text in seen)
    assert not any(key in text for _, text in seen for key in (OPENAI, GITHUB, AWS))
    stored = session.transcript.path.read_text()
    assert "[REDACTED]" in stored and not any(key in stored for key in (OPENAI, GITHUB, AWS))


def test_a_result_too_large_for_the_window_is_filed_away_without_the_key(workspace):
    lines = [f"{n:05d} worker handled request {n} in {n % 97} ms" for n in range(600)]
    lines[300] = f"token={OPENAI}"
    (workspace / "big.log").write_text("\n".join(lines) + "\n")
    session, _ = start(workspace, [call("Bash", command="cat big.log"), "Long."], PLUGIN)
    session.run("show big.log")
    filed = list((session.folder / "tool-results").glob("*.txt"))
    assert filed, "the result should have been over the budget and saved to a file"
    assert all(OPENAI not in path.read_text() for path in filed)
    assert "[REDACTED]" in "".join(path.read_text() for path in filed)


def test_a_result_without_a_key_is_left_exactly_as_it_was(workspace):
    text = "git checkout task-refactoring-the-loop-module-today\nsk-short is no key\n"
    (workspace / "notes.txt").write_text(text)
    steps = [call("Read", file_path="notes.txt"), "Read it."]
    plain, _ = start(workspace, list(steps))
    plain.run("read notes.txt")
    session, _ = start(workspace, steps, PLUGIN)
    session.run("read notes.txt")
    assert results(session.messages) == results(plain.messages)
