"""Text mode: the same history, sent without `tools` and without role "tool"."""

import json

from agent.model.types import Reply, ToolCall
from agent.model.text_calls import parse_calls
from agent.model.text_mode import correction, format_call, to_text_request, tool_block
from agent.tools import default_tools

TOOLS = [t.schema() for t in default_tools()]


def history() -> list[dict]:
    """A native history: a prompt, two calls answered in order, a final answer, a new prompt."""
    calls = (ToolCall("call_1", "Read", json.dumps({"file_path": "a.txt"})),
             ToolCall("call_2", "Bash", json.dumps({"command": "ls"})))
    return [{"role": "system", "content": "You are a coding agent."},
            {"role": "user", "content": "what is in a.txt?"},
            Reply("Let me look.", calls).to_message(),
            {"role": "tool", "tool_call_id": "call_1", "content": "1\thello"},
            {"role": "tool", "tool_call_id": "call_2", "content": "a.txt"},
            {"role": "assistant", "content": "It says hello."},
            {"role": "user", "content": "thanks"}]


def test_the_tools_go_into_the_system_message():
    sent = to_text_request(history(), TOOLS)
    assert sent[0]["role"] == "system"
    assert sent[0]["content"].startswith("You are a coding agent.\n\n# Tools")
    for tool in TOOLS:  # each with its name, description and JSON schema
        assert json.dumps(tool, ensure_ascii=False) in sent[0]["content"]


def test_no_role_tool_and_no_tool_calls_are_sent():
    sent = to_text_request(history(), TOOLS)
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert all(set(m) == {"role", "content"} for m in sent)
    assistant, results = sent[2]["content"], sent[3]["content"]
    assert assistant.startswith("Let me look.\n<tool_call>\n")
    assert [(c.name, json.loads(c.arguments)) for c in parse_calls(assistant, TOOLS).calls] == [
        ("Read", {"file_path": "a.txt"}), ("Bash", {"command": "ls"})]
    assert results == "Result of Read (call_1):\n1\thello\n\nResult of Bash (call_2):\na.txt"


def test_the_prefix_stays_the_same_from_turn_to_turn():
    messages = history()
    for n in range(2, len(messages)):
        earlier, later = to_text_request(messages[:n], TOOLS), to_text_request(messages, TOOLS)
        # every message but the last one sent earlier is sent again, byte for byte
        assert earlier[:-1] == later[:len(earlier) - 1]
    assert tool_block(TOOLS) == tool_block([t.copy() for t in TOOLS])


def test_a_history_without_system_message_gets_one():
    sent = to_text_request([{"role": "user", "content": "hi"}], TOOLS)
    assert sent[0] == {"role": "system", "content": tool_block(TOOLS)}
    assert sent[1] == {"role": "user", "content": "hi"}


def test_the_history_itself_is_not_changed():
    messages = history()
    before = json.dumps(messages)
    to_text_request(messages, TOOLS)
    assert json.dumps(messages) == before


def test_the_format_taught_is_the_format_read():
    for tool in TOOLS:
        args = {p: "x" for p in tool["function"]["parameters"]["required"]}
        calls = parse_calls(format_call(tool["function"]["name"], json.dumps(args)), TOOLS).calls
        assert [(c.name, json.loads(c.arguments)) for c in calls] == [(tool["function"]["name"], args)]
    example = correction(TOOLS).split("\n\n")[1]
    assert [c.name for c in parse_calls(example, TOOLS).calls] == ["Read"]
    assert "<tool_call>" in tool_block(TOOLS) and not parse_calls(tool_block(TOOLS), TOOLS).calls


def test_bad_arguments_are_shown_as_they_were_sent():
    assert '"arguments": "{not json"' in format_call("Read", "{not json")


def test_the_correction_names_the_format_and_the_tools():
    text = correction(TOOLS)
    assert "<tool_call>" in text and '"name": "Read"' in text
    assert "Read, Write, Edit, Bash, Glob, Grep" in text
