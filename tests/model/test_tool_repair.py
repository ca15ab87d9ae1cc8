"""The tool-call repair ladder: with the scripted model, then over real HTTP with the real client,
the real loop and the real tools, then as a user runs it (`agent -p --output-format json`)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.model.client import OpenAICompatible
from agent.events import Retry
from agent.model.types import ModelError, Reply, Usage
from agent.model.scripted import ScriptedModel, call
from agent.loop.turn import Agent
from agent.model.tool_repair import ToolCallRepair, rejects_tools
from agent.tools import ToolContext, default_tools
from invariants import assert_paired
from openai_server import FakeOpenAI

TOOLS = [t.schema() for t in default_tools()]
FENCED = '```json\n{"name": "Read", "arguments": {"file_path": "a.txt"}}\n```'
TAGGED = '<tool_call>\n{"name": "Read", "arguments": {"file_path": "a.txt"}}\n</tool_call>'
BROKEN = '<tool_call>\n{"name": "Read", "arguments": {"file_path": "a.txt" "limit": 5}}\n</tool_call>'
SYSTEM = "You are a coding agent."


def ask(model, messages: list[dict] | None = None) -> tuple[Reply, list]:
    """One request through the wrapper; returns the reply and the Retry events it emitted."""
    events: list = []
    messages = messages or [{"role": "system", "content": SYSTEM},
                            {"role": "user", "content": "what is in a.txt?"}]
    reply = model.complete(messages, TOOLS, events.append)
    return reply, [e for e in events if isinstance(e, Retry)]


def counts(native=0, in_content=0, reprompt=0, text_mode=0) -> dict:
    return {"native": native, "in_content": in_content, "reprompt": reprompt, "text_mode": text_mode}


def is_text_mode(request: list[dict]) -> bool:
    return "# Tools" in request[0]["content"]


# --- the ladder, with the scripted model -------------------------------------------------

def test_native_calls_pass_through():
    inner = ScriptedModel([call("Read", file_path="a.txt")], name="m")
    repair = ToolCallRepair(inner)
    reply, _ = ask(repair)
    assert [c.name for c in reply.tool_calls] == ["Read"]
    assert repair.stats == {"m": counts(native=1)} and len(inner.requests) == 1


@pytest.mark.parametrize("text", [FENCED, TAGGED, "Let me read it.\n" + FENCED])
def test_calls_in_the_content_become_tool_calls(text):
    repair = ToolCallRepair(ScriptedModel([Reply(text, usage=Usage(10, 5))], name="m"))
    reply, _ = ask(repair)
    assert [(c.name, json.loads(c.arguments)) for c in reply.tool_calls] == [("Read", {"file_path": "a.txt"})]
    assert reply.text in ("", "Let me read it.") and reply.finish_reason == "tool_calls"
    assert reply.usage == Usage(10, 5) and repair.stats == {"m": counts(in_content=1)}


def test_prose_is_an_answer_not_a_failed_call():
    inner = ScriptedModel(['Done. package.json now has {"name": "demo"}.'], name="m")
    repair = ToolCallRepair(inner)
    reply, events = ask(repair)
    assert reply.text.startswith("Done.") and not reply.tool_calls
    assert len(inner.requests) == 1 and not events and repair.stats == {"m": counts()}


def test_a_failed_call_is_asked_again_with_the_format():
    inner = ScriptedModel([Reply(BROKEN, usage=Usage(10, 5)), Reply(FENCED, usage=Usage(20, 5))],
                          name="m")
    repair = ToolCallRepair(inner)
    reply, events = ask(repair)
    assert [c.name for c in reply.tool_calls] == ["Read"]
    retry = inner.requests[1]
    assert retry[:2] == inner.requests[0]  # the same history, then the bad exchange
    assert retry[2] == {"role": "assistant", "content": BROKEN}
    assert retry[3]["role"] == "user" and "<tool_call>" in retry[3]["content"]
    assert reply.usage == Usage(30, 10)  # both attempts are paid for
    assert repair.stats == {"m": counts(in_content=1, reprompt=1)}
    assert [type(e) for e in events] == [Retry]


def test_auto_switches_to_text_mode_after_three_failed_reprompts():
    inner = ScriptedModel([BROKEN] * 4 + [TAGGED, "ok"], name="m")
    repair = ToolCallRepair(inner, "auto")
    reply, events = ask(repair)
    assert [c.name for c in reply.tool_calls] == ["Read"] and repair.text_mode
    assert [is_text_mode(r) for r in inner.requests] == [False] * 4 + [True]
    assert len(inner.requests[3]) == 4  # only the latest bad exchange is sent, not all of them
    assert repair.stats == {"m": counts(reprompt=3, text_mode=1)}
    assert "switching to text mode" in events[-1].error
    ask(repair)  # the rest of the session stays in text mode
    assert is_text_mode(inner.requests[-1])


def test_native_mode_gives_up_after_three_reprompts_and_returns_the_text():
    inner = ScriptedModel([BROKEN, BROKEN + " 2", BROKEN + " 3", BROKEN + " 4"], name="m")
    repair = ToolCallRepair(inner, "native")
    reply, _ = ask(repair)
    assert reply.text == BROKEN and not reply.tool_calls  # the first reply, as it was
    assert len(inner.requests) == 4 and not repair.text_mode
    assert repair.stats == {"m": counts(reprompt=3)}


def test_text_mode_from_the_start():
    inner = ScriptedModel([TAGGED], name="m")
    repair = ToolCallRepair(inner, "text")
    reply, _ = ask(repair)
    assert [c.name for c in reply.tool_calls] == ["Read"] and is_text_mode(inner.requests[0])
    assert repair.stats == {"m": counts(text_mode=1)}


@pytest.mark.parametrize("message,status", [
    ("The model server at x answered 400: registry.ollama.ai/library/m does not support tools", 400),
    ("The model server at x answered 500: tools param requires --jinja flag (gave up after 4 "
     "attempts)", 500),
    ('The model server at x answered 400: "auto" tool choice requires --enable-auto-tool-choice '
     "and --tool-call-parser to be set", 400),
    ("The model server at x answered 404: No endpoints found that support tool use.", 404),
])
def test_auto_switches_at_once_when_the_server_takes_no_tools(message, status):
    inner = ScriptedModel([ModelError(message, status), TAGGED], name="m")
    repair = ToolCallRepair(inner, "auto")
    reply, events = ask(repair)
    assert [c.name for c in reply.tool_calls] == ["Read"] and repair.text_mode
    assert is_text_mode(inner.requests[1]) and "switching to text mode" in events[0].error


@pytest.mark.parametrize("error", [
    ModelError("The model server at x answered 400: the context is full", 400),
    ModelError("The model server at x answered 400: bad request", 400),
    ModelError("Cannot reach the model server (does not support tools)"),  # no status: no answer
])
def test_other_errors_propagate(error):
    assert not rejects_tools(error)
    repair = ToolCallRepair(ScriptedModel([error]))
    with pytest.raises(ModelError):
        ask(repair)
    assert not repair.text_mode


def test_native_mode_explains_what_to_do_when_tools_are_refused():
    repair = ToolCallRepair(ScriptedModel([ModelError("answered 400: m does not support tools", 400)]),
                            "native")
    with pytest.raises(ModelError, match="--tool-mode text") as caught:
        ask(repair)
    assert caught.value.status == 400


def test_requests_without_tools_are_left_alone():
    inner = ScriptedModel([FENCED])
    reply = ToolCallRepair(inner).complete([{"role": "user", "content": "hi"}], [], print)
    assert reply.text == FENCED and not reply.tool_calls


def test_the_loop_stores_one_reply_per_request_and_keeps_the_pairing(tmp_path):
    (tmp_path / "a.txt").write_text("hello\n")
    inner = ScriptedModel([BROKEN, FENCED, "It says hello."], name="m")
    agent = Agent(ToolCallRepair(inner), default_tools(), SYSTEM, ToolContext(cwd=tmp_path))
    end = agent.run("what is in a.txt?")
    assert end.stop_reason == "end_turn" and end.text == "It says hello."
    assert_paired(agent.messages)
    assert [m["role"] for m in agent.messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert "hello" in agent.messages[3]["content"]
    assert not any("could not be read" in str(m["content"]) for m in agent.messages)


# --- over real HTTP: the real client, the real loop, real tools in tmp_path --------------

def http_agent(server: FakeOpenAI, cwd: Path, mode: str = "auto") -> Agent:
    client = OpenAICompatible(server.base_url, "key", "fake-model", retry_delay=0.01)
    return Agent(ToolCallRepair(client, mode), default_tools(), SYSTEM, ToolContext(cwd=cwd))


def test_a_model_that_writes_fenced_json_completes_a_read_task(server, tmp_path):
    (tmp_path / "a.txt").write_text("hello from a file\n")
    server.reply(text="I will read the file.\n" + FENCED)
    server.reply(text="The file says: hello from a file.")
    agent = http_agent(server, tmp_path)
    end = agent.run("what is in a.txt?")
    assert end.stop_reason == "end_turn" and "hello from a file" in end.text
    last = server.requests[-1]["messages"]
    assert_paired(agent.messages)
    assert_paired(last)
    assert last[2]["tool_calls"][0]["function"]["name"] == "Read"
    assert "hello from a file" in last[3]["content"] and last[3]["role"] == "tool"
    assert agent.model.stats == {"fake-model": counts(in_content=1)}


def test_a_server_without_tools_makes_auto_switch_to_text_mode(tmp_path):
    (tmp_path / "a.txt").write_text("hello from a file\n")
    with FakeOpenAI(reject_tools=True) as server:
        server.reply(text=TAGGED)
        server.reply(text="The file says: hello from a file.")
        agent = http_agent(server, tmp_path)
        end = agent.run("what is in a.txt?")
        agent.run("thanks")
    assert end.stop_reason == "end_turn" and "hello from a file" in end.text
    first, *after = server.requests
    assert "tools" in first and len(after) == 3
    for request in after:
        assert "tools" not in request
        assert all(m["role"] in ("system", "user", "assistant") for m in request["messages"])
        assert request["messages"][0]["content"].startswith(SYSTEM + "\n\n# Tools")
    assert "Result of Read (" in after[1]["messages"][-1]["content"]
    assert after[2]["messages"][:len(after[1]["messages"])] == after[1]["messages"]  # stable prefix
    assert_paired(agent.messages)  # the loop's own history keeps the native shape
    assert agent.messages[3]["role"] == "tool"
    assert agent.model.stats == {"fake-model": counts(text_mode=1)}


def test_native_mode_keeps_failing_with_a_clear_error(tmp_path):
    with FakeOpenAI(reject_tools=True) as server:
        agent = http_agent(server, tmp_path, "native")
        end = agent.run("what is in a.txt?")
        end_again = agent.run("and now?")
    assert end.stop_reason == end_again.stop_reason == "error"
    assert "does not support tools" in end.text and "--tool-mode text" in end.text
    assert all("tools" in r for r in server.requests) and len(server.requests) == 2


# --- as a user runs it --------------------------------------------------------------------

def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return subprocess.run([sys.executable, "-m", "agent", *args], cwd=cwd, env={**env, "HOME": str(cwd)},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("reject_tools,expected", [(False, counts(in_content=1)),
                                                   (True, counts(text_mode=1))])
def test_the_json_output_shows_the_rung_counts(tmp_path, reject_tools, expected):
    (tmp_path / "a.txt").write_text("hello from a file\n")
    with FakeOpenAI(reject_tools=reject_tools) as server:
        server.reply(text=FENCED)
        server.reply(text="It says hello.")
        done = run_cli(["-p", "what is in a.txt?", "--base-url", server.base_url, "--model", "m",
                        "--output-format", "json"], tmp_path)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["result"] == "It says hello." and document["tool_calls"] == {"m": expected}
    assert_paired(server.requests[-1]["messages"])


def test_the_cli_in_native_mode_says_what_to_do(tmp_path):
    with FakeOpenAI(reject_tools=True) as server:
        done = run_cli(["-p", "hi", "--base-url", server.base_url, "--model", "m",
                        "--tool-mode", "native"], tmp_path)
    assert done.returncode == 1
    assert "does not support tools" in done.stderr and "--tool-mode text" in done.stderr
