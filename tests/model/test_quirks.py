"""What the harness does with each quirk of real servers: the loop, the real openai client,
real HTTP against tests/openai_server.py, real tools on files in tmp_path.

Every test checks the pairing invariant on what was stored and on what the server received.
"""

import io
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from agent.model.client import OpenAICompatible
from agent.events import Fallback, ReasoningDelta, Retry, TextDelta
from agent.loop.turn import Agent
from agent.app.render import DIM, RESET, Terminal
from agent.tools import ToolContext, default_tools
from invariants import assert_paired
from openai_server import FakeOpenAI


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "a.py").write_text("A = 1\n")
    (tmp_path / "b.py").write_text("B = 2\n")
    return tmp_path


def make_agent(server: FakeOpenAI, repo: Path, **kwargs) -> tuple[Agent, list]:
    events: list = []
    client = OpenAICompatible(server.base_url, "key", "fake-model", retry_delay=0.001, **kwargs)
    agent = Agent(client, default_tools(), "You are a test.", ToolContext(cwd=repo),
                  emit=events.append)
    return agent, events


def results(agent: Agent) -> list[str]:
    return [m["content"] for m in agent.messages if m["role"] == "tool"]


def assert_sent_paired(server: FakeOpenAI, agent: Agent) -> None:
    assert_paired(agent.messages)
    for request in server.requests:
        assert_paired(request["messages"])


TWO_READS = [("Read", {"file_path": "a.py"}), ("Read", {"file_path": "b.py"})]


@pytest.mark.parametrize("quirk", ["index_zero", "repeat_id_name", "no_ids"])
@pytest.mark.parametrize("stream", [True, False])
def test_parallel_calls_survive_each_fragment_quirk(server, repo, quirk, stream):
    server.reply(tool_calls=TWO_READS, **{quirk: True})
    server.reply(text="A is 1 and B is 2.")
    agent, _ = make_agent(server, repo, stream=stream)
    end = agent.run("read both")
    assert end.stop_reason == "end_turn"
    first, second = results(agent)
    assert "A = 1" in first and "B = 2" in second
    ids = [c["id"] for c in server.requests[1]["messages"][2]["tool_calls"]]
    assert len(set(ids)) == 2 and all(ids)
    assert_sent_paired(server, agent)


@pytest.mark.parametrize("arguments, error", [
    ('{"file_path": "a.py"', "not valid JSON"),  # cut short
    ('{"file_path": "a.py"}{"file_path": "a.py"}', "not valid JSON"),  # sent twice (vLLM parsers)
    ("", "missing file_path"),  # empty
])
def test_broken_streamed_arguments_become_an_error_result_and_the_turn_goes_on(
        server, repo, arguments, error):
    server.reply(tool_calls=[("Read", arguments)])
    server.reply(tool_calls=[("Read", {"file_path": "a.py"})])
    server.reply(text="A is 1.")
    agent, _ = make_agent(server, repo)
    end = agent.run("read a.py")
    assert (end.stop_reason, end.n_turns) == ("end_turn", 3)
    bad, good = results(agent)
    assert error in bad and "A = 1" in good
    assert server.requests[1]["messages"][-1]["content"] == bad  # the model was told
    assert_sent_paired(server, agent)


@pytest.mark.parametrize("stream", [True, False])
def test_no_request_ever_carries_null_content(repo, stream):
    with FakeOpenAI(reject_null_content=True) as server:
        server.reply(tool_calls=TWO_READS)  # no text: the server sends content null (not streamed)
        server.reply(tool_calls=[("Glob", {"pattern": "*.py"})])
        server.reply(text="Done.")
        agent, events = make_agent(server, repo, stream=stream)
        end = agent.run("look around")
        assert end.stop_reason == "end_turn" and not any(isinstance(e, Retry) for e in events)
        assert len(server.requests) == 3
        for message in server.requests[-1]["messages"]:
            assert isinstance(message["content"], str), message
        assert_sent_paired(server, agent)


def test_the_null_content_mode_does_reject_null_content():
    with FakeOpenAI(reject_null_content=True) as server:
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"},
                                           {"role": "assistant", "content": None}]}
        request = urllib.request.Request(server.base_url + "/chat/completions",
                                         data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)
        assert info.value.code == 500


def test_429_500_and_a_cut_stream_mid_turn_are_retried_and_the_pairing_holds(server, repo):
    server.reply(tool_calls=TWO_READS)
    server.fail(429, headers={"Retry-After": "0.05"})
    server.fail(500)
    server.cut_stream("I will now partially")
    server.reply(text="A is 1 and B is 2.")
    agent, events = make_agent(server, repo)
    end = agent.run("read both")
    assert (end.stop_reason, end.text, end.n_turns) == ("end_turn", "A is 1 and B is 2.", 2)
    retries = [e for e in events if isinstance(e, Retry)]
    assert retries[0].delay == 0.05 and "429" in retries[0].error and "500" in retries[1].error
    assert "broke off" in retries[2].error and len(retries) == 3
    # only the complete reply was stored; the four attempts all sent the same history
    assert [m["role"] for m in agent.messages] == ["system", "user", "assistant", "tool", "tool",
                                                   "assistant"]
    assert len({json.dumps(r["messages"]) for r in server.requests[1:]}) == 1
    assert_sent_paired(server, agent)


def test_retries_spent_mid_turn_end_it_with_an_error_and_a_valid_history(server, repo):
    server.reply(tool_calls=TWO_READS)
    server.fail(503, n=4)
    agent, _ = make_agent(server, repo)
    end = agent.run("read both")
    assert end.stop_reason == "error" and "503" in end.text and "4 attempts" in end.text
    assert agent.messages[-1]["role"] == "tool"  # the results are there for the next prompt
    assert_sent_paired(server, agent)


# Reasoning, in each of its shapes, is shown and kept out of the history.

SHAPES = ["reasoning_content", "reasoning", "think", "think_closed"]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("stream", [True, False])
def test_reasoning_in_any_shape_is_shown_and_never_sent_back(server, repo, shape, stream):
    server.reply(text="Reading it.", tool_calls=[("Read", {"file_path": "a.py"})],
                 reasoning="I should look at a.py first.", reasoning_as=shape)
    server.reply(text="A is 1.", reasoning="The file says A = 1.", reasoning_as=shape)
    agent, events = make_agent(server, repo, stream=stream)
    end = agent.run("what is A?")
    assert (end.stop_reason, end.text) == ("end_turn", "A is 1.")
    thinking = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    assert "The file says A = 1." in thinking
    if shape == "think_closed" and stream:  # a lone </think> is known only when it arrives:
        assert "I should look at a.py first." not in thinking  # the first one showed as text
    else:
        assert "I should look at a.py first." in thinking
    assistant = [m for m in agent.messages if m["role"] == "assistant"]
    assert [m["content"] for m in assistant] == ["Reading it.", "A is 1."]
    second = server.raw[1].decode()
    assert "look at a.py first" not in second and "think>" not in second
    assert "reasoning" not in second
    assert_sent_paired(server, agent)


@pytest.mark.parametrize("shape", ["think", "reasoning_content"])
def test_the_terminal_shows_thinking_dimmed_and_the_answer_plainly(server, shape):
    server.reply(text="Use split().", reasoning="It splits on one space.", reasoning_as=shape)
    out = io.StringIO()
    client = OpenAICompatible(server.base_url, "key", "fake-model")
    term = Terminal(out, color=True)
    client.complete([{"role": "user", "content": "fix"}], [], term)
    term.end_text()  # the message ends (the loop's AssistantMessage): its last line is shown
    shown = out.getvalue()
    assert shown.startswith(DIM) and DIM not in shown[shown.rindex(RESET):]  # the answer plain
    # the answer starts on a line of its own, whether or not the thinking ended with a newline
    assert re.sub(r"\033\[\d+m", "", shown) == "It splits on one space.\nUse split().\n"


def test_stream_json_carries_reasoning_and_the_fallback(server, repo):
    server.fail(503, n=4, headers={"Retry-After": "0"})
    server.reply(text="Hello.", reasoning="Greet back.", reasoning_as="reasoning")
    done = subprocess.run(
        [sys.executable, "-m", "agent", "-p", "hi", "--base-url", server.base_url,
         "--model", "big", "--fallback-model", "small", "--output-format", "stream-json",
         "--include-partial-messages"],
        cwd=repo, env={"PATH": "/usr/bin:/bin", "HOME": str(repo)}, capture_output=True,
        text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    kinds = [line.get("subtype") or line.get("event", {}).get("delta", {}).get("type")
             or line["type"] for line in lines]
    assert kinds.count("retry") == 3 and "thinking_delta" in kinds
    fallback = lines[kinds.index("fallback")]
    assert (fallback["model"], fallback["fallback"]) == ("big", "small")
    assert kinds.index("fallback") < kinds.index("thinking_delta") < kinds.index("text_delta")
    (answer,) = [line["message"]["content"] for line in lines if line["type"] == "assistant"]
    assert answer == [{"type": "thinking", "thinking": "Greet back."},
                      {"type": "text", "text": "Hello."}]
    assert [r["model"] for r in server.requests] == ["big"] * 4 + ["small"]
    assert lines[-1]["result"] == "Hello."


def test_the_terminal_announces_the_fallback(server):
    server.fail(502, n=2)
    server.reply(text="ok")
    out = io.StringIO()
    client = OpenAICompatible(server.base_url, "key", "big", max_retries=1, retry_delay=0.001,
                              fallback_model="small")
    client.complete([{"role": "user", "content": "hi"}], [], Terminal(out, color=False))
    assert "big failed (" in out.getvalue() and "switching to the fallback model small" in out.getvalue()


# A server that silently cut the prompt to its context: the reported usage shows it.

def test_a_truncating_server_reports_at_most_its_context_in_prompt_tokens(repo):
    long_prompt = "word " * 400  # about 500 tokens by the server's count
    with FakeOpenAI(context_tokens=64) as server:
        client = OpenAICompatible(server.base_url, "key", "fake-model")
        big = client.complete([{"role": "user", "content": long_prompt}], [], lambda e: None)
        small = client.complete([{"role": "user", "content": "hi"}], [], lambda e: None)
    assert big.usage.prompt_tokens == 64 and big.usage.cached_tokens <= 64
    assert 0 < small.usage.prompt_tokens < 64  # a prompt that fits is reported as it is


def test_events_do_not_mix_reasoning_into_the_text(server):
    server.reply(text="Answer.", reasoning="Thought.", reasoning_as="think")
    events: list = []
    OpenAICompatible(server.base_url, "key", "m").complete(
        [{"role": "user", "content": "q"}], [], events.append)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == "Answer." and not any(isinstance(e, Fallback) for e in events)
