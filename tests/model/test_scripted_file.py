"""`--model scripted:FILE`: a script of replies from a JSON file, played by the real CLI with
the real tools, so every command-line example can run with no server."""

import json
import os
import subprocess
import sys

import pytest


def agent(cwd, home, *argv):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return subprocess.run([sys.executable, "-m", "agent", *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=60, env={**base, "HOME": str(home)})


def script(folder, steps) -> str:
    (folder / "script.json").write_text(json.dumps(steps))
    return "scripted:script.json"


def test_a_script_drives_the_real_tools_and_the_transcript(tmp_path, home):
    (tmp_path / "a.py").write_text("print('hello')\n")
    model = script(tmp_path, [
        {"call": "Read", "args": {"file_path": "a.py"}},
        [{"call": "Grep", "args": {"pattern": "print"}}, {"call": "Glob", "args": {"pattern": "*.py"}}],
        {"text": "Now a change.", "calls": [{"call": "Edit", "args": {
            "file_path": "a.py", "old_string": "hello", "new_string": "bye"}}]},
        "a.py now prints bye."])
    done = agent(tmp_path, home, "-p", "change it", "--model", model, "--output-format", "json",
                 "--permission-mode", "acceptEdits")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["result"] == "a.py now prints bye." and result["num_turns"] == 4
    assert (tmp_path / "a.py").read_text() == "print('bye')\n"  # the real Edit ran
    transcript = next((home / ".agent" / "projects").glob("*/*.jsonl")).read_text()
    assert '"name": "Grep"' in transcript and "a.py now prints bye." in transcript


@pytest.mark.parametrize("steps, message", [
    ([{"bad": 1}], "reply 1: a reply is text, a call"),
    (["ok", {"call": 3}], 'reply 2: a tool call is {"call": "Name"'),
    ({"not": "a list"}, "a script is a JSON list of replies"),
])
def test_a_script_that_is_not_one_stops_the_start(tmp_path, home, steps, message):
    done = agent(tmp_path, home, "-p", "x", "--model", script(tmp_path, steps))
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_a_missing_file_and_a_script_that_runs_out_say_so(tmp_path, home):
    done = agent(tmp_path, home, "-p", "x", "--model", "scripted:nothing.json")
    assert done.returncode == 2 and "cannot be read" in done.stderr
    model = script(tmp_path, [{"call": "Glob", "args": {"pattern": "*"}}])
    done = agent(tmp_path, home, "-p", "x", "--model", model)
    assert done.returncode == 1 and "no replies left" in done.stderr


def test_an_error_step_is_a_failing_request(tmp_path, home):
    model = script(tmp_path, [{"error": "the server fell over"}])
    done = agent(tmp_path, home, "-p", "x", "--model", model, "--output-format", "json")
    result = json.loads(done.stdout)
    assert done.returncode == 1 and result["is_error"] and "the server fell over" in result["errors"][0]
