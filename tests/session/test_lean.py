"""The lean profile (agent/session/lean.py): chosen for small models, what it sends, and the
reminder to read first, over `agent -p` against the HTTP test server."""

import json
import os
import subprocess
import sys

import pytest

from agent.model.text_mode import to_text_request
from agent.model.tokens import count
from agent.session.lean import ReadFirst, choose, lean_tool
from agent.tools.search import GREP


def agent_p(cwd, home, server, *flags, prompt="hi", env=None):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return subprocess.run([sys.executable, "-m", "agent", "-p", prompt, "--base-url", server.base_url,
                           "--output-format", "json", *flags], cwd=cwd,
                          env={**base, "HOME": str(home), **(env or {})}, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("model, window, known, lean", [
    ("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", 32768, True, True),
    ("Qwen2.5-Coder-1.5B-Instruct", 32768, True, True),
    ("llama3.2:3b", 131072, True, True),
    ("qwen2.5-coder:7b", 32768, True, False),
    ("qwen2.5-coder-14b", 8192, False, False),  # 8192 only as the default guess
    ("some-model", 8192, True, True),  # a window the server or a flag gave
    ("some-model", 16384, True, False),
    ("gpt-4o", 128000, True, False),
    ("phi-3.5-mini", 4096, True, True),
    ("model-v2b", 32768, True, False),  # "2b" glued to a word is not a size
])
def test_small_models_and_small_windows_get_the_lean_profile(model, window, known, lean):
    assert bool(choose(model, window, known)) is lean


def test_lean_tools_keep_their_parameters_and_lose_their_prose():
    slim = lean_tool(GREP)
    assert set(slim.parameters["properties"]) == set(GREP.parameters["properties"])
    assert slim.parameters["required"] == GREP.parameters["required"]
    assert "\n" not in slim.description and slim.description.endswith(".")
    assert not any("description" in p for p in slim.parameters["properties"].values())
    assert count(json.dumps(slim.parameters)) < count(json.dumps(GREP.parameters)) * 2 / 3
    assert slim.description.startswith("Search file contents with a regular expression (")


def test_what_each_profile_sends(tmp_path, home, server):
    sizes = {}
    for profile in ("default", "lean"):
        server.reply("ok")
        done = agent_p(tmp_path, home, server, "--profile", profile)
        assert done.returncode == 0, done.stderr
        request = server.requests[-1]
        names = [t["function"]["name"] for t in request["tools"]]
        sizes[profile] = count(request["messages"][0]["content"]) + count(json.dumps(request["tools"]))
        if profile == "lean":
            assert names == ["Read", "Edit", "Write", "Bash", "Grep"]
        else:
            assert {"Glob", "TodoWrite", "ExitPlanMode"} <= set(names)
    assert sizes["lean"] < sizes["default"] / 2


def test_a_small_model_is_lean_by_itself_and_the_flag_or_variable_overrides(tmp_path, home, server):
    small = ["--model", "qwen2.5-coder-0.5b"]
    for flags, env, expected in (([], {}, 5), (["--profile", "default"], {}, 10),
                                 ([], {"AGENT_PROFILE": "default"}, 10)):
        server.reply("ok")
        done = agent_p(tmp_path, home, server, *small, *flags, env=env)
        assert done.returncode == 0, done.stderr
        assert len(server.requests[-1]["tools"]) == expected, (flags, env)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    bad = subprocess.run([sys.executable, "-m", "agent", "-p", "hi", "--base-url", server.base_url],
                         cwd=tmp_path, env={**env, "HOME": str(home), "AGENT_PROFILE": "tiny"},
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "AGENT_PROFILE" in bad.stderr and "default or lean" in bad.stderr


@pytest.mark.parametrize("flags, expected", [
    (["--tools", "Read,Grep"], ["Read", "Grep"]),
    (["--tools", "Grep, Read"], ["Read", "Grep"]),  # the built-in order: the prefix holds
    (["--profile", "lean", "--tools", "Bash,Read"], ["Read", "Bash"]),
    (["--profile", "lean", "--tools", "Read,TodoWrite"], ["Read", "TodoWrite"]),
    (["--tools", "Read", "--permission-mode", "plan"], ["Read", "ExitPlanMode"]),
])
def test_tools_chooses_what_is_offered(tmp_path, home, server, flags, expected):
    server.reply("ok")
    done = agent_p(tmp_path, home, server, *flags)
    assert done.returncode == 0, done.stderr
    assert [t["function"]["name"] for t in server.requests[-1]["tools"]] == expected
    if "lean" in flags:  # the lean ones keep their one-line descriptions
        assert "\n" not in server.requests[-1]["tools"][0]["function"]["description"]


def test_an_unknown_tool_name_stops_the_start_and_lists_the_known(tmp_path, home, server):
    done = agent_p(tmp_path, home, server, "--tools", "Read,Raed")
    assert done.returncode == 2 and "no tool named 'Raed'" in done.stderr
    assert "known: Read, Write, Edit, Bash" in done.stderr and not server.requests


def test_an_answer_without_reading_the_named_file_is_sent_back_once(tmp_path, home, server):
    (tmp_path / "notes.txt").write_text("the secret word is marmalade-7\n")
    server.reply("I have read notes.txt: the word is python.")
    server.reply(tool_calls=[("Read", {"file_path": "notes.txt"})])
    server.reply("The secret word is marmalade-7.")
    done = agent_p(tmp_path, home, server, "--profile", "lean",
                   prompt="Read notes.txt and tell me the secret word")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["result"] == "The secret word is marmalade-7."
    sent_back = server.requests[1]["messages"][-1]["content"]
    assert "Read notes.txt with the Read tool" in sent_back
    server.reply("Nothing to read.")  # a prompt naming no file: no reminder
    done = agent_p(tmp_path, home, server, "--profile", "lean", prompt="say hi")
    assert len(server.requests) == 4


def test_the_reminder_goes_once_and_not_after_a_tool_call(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    prompt = {"role": "user", "content": "What is x in `a.py`?"}
    history = [{"role": "system", "content": "s"}, prompt]
    first = ReadFirst(tmp_path, lambda: history)
    assert "Read a.py" in first("x is 2", False)
    assert first("x is 2", True) is None  # sent back once already
    history += [{"role": "assistant", "content": "", "tool_calls": [{"id": "1"}]}]
    assert first("x is 1", False) is None


def test_text_mode_teaches_the_format_with_an_example_only_when_asked():
    tools = [{"type": "function", "function": {"name": "Read", "parameters": {
        "type": "object", "properties": {"file_path": {"type": "string"}}, "required": ["file_path"]}}}]
    messages = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    plain = to_text_request(messages, tools)[0]["content"]
    taught = to_text_request(messages, tools, example=True)[0]["content"]
    assert "Example:" not in plain and taught.startswith(plain)
    assert '"name": "Read", "arguments": {"file_path": "setup.cfg"}' in taught
