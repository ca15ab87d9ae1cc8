"""The real openai SDK over real HTTP against the fake server: streaming, usage, retries, errors,
context overflow, Ctrl-C, the fallback model and reasoning."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from agent.model.client import OpenAICompatible
from agent.model.errors import ContextOverflow
from agent.events import ReasoningDelta, Retry, TextDelta, Waiting
from agent.model.types import ModelError, ToolCall, Usage

MESSAGES = [{"role": "system", "content": "You are a test."}, {"role": "user", "content": "hi"}]
TOOLS = [{"type": "function", "function": {"name": "Read", "description": "Read a file",
          "parameters": {"type": "object", "properties": {"file_path": {"type": "string"}}}}}]


def model(server, **kwargs) -> OpenAICompatible:
    return OpenAICompatible(server.base_url, "test-key", "fake-model", retry_delay=0.001, **kwargs)


def ask(client: OpenAICompatible, tools: list[dict] = ()) -> tuple:
    """The reply, and the events but `Waiting` (one at the start of each attempt)."""
    events: list = []
    reply = client.complete(MESSAGES, list(tools), events.append)
    return reply, answered(events)


def answered(events: list) -> list:
    return [e for e in events if not isinstance(e, Waiting)]


def test_streamed_text_arrives_as_deltas_in_order(server):
    server.reply(text="The answer is forty two.")
    reply, events = ask(model(server))
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 1 and "".join(deltas) == "The answer is forty two."
    assert (reply.text, reply.finish_reason) == ("The answer is forty two.", "stop")


def test_streamed_tool_calls_are_assembled_from_fragments(server):
    server.reply(text="Reading.", tool_calls=[("Read", {"file_path": "a.py"}),
                                              ("Glob", '{"pattern": "**/*.md"}')])
    reply, _ = ask(model(server), TOOLS)
    assert [(c.name, json.loads(c.arguments)) for c in reply.tool_calls] == [
        ("Read", {"file_path": "a.py"}), ("Glob", {"pattern": "**/*.md"})]
    assert reply.tool_calls[0].id != reply.tool_calls[1].id
    assert reply.finish_reason == "tool_calls"


@pytest.mark.parametrize("quirk", ["index_zero", "no_ids", "repeat_id_name"])
def test_server_quirks_still_give_two_clean_calls(server, quirk):
    server.reply(tool_calls=[("Read", {"file_path": "a.py"}), ("Read", {"file_path": "b.py"})],
                 **{quirk: True})
    reply, _ = ask(model(server), TOOLS)
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [
        ("Read", '{"file_path": "a.py"}'), ("Read", '{"file_path": "b.py"}')]
    assert len({c.id for c in reply.tool_calls}) == 2


def test_non_streamed_reply(server):
    server.reply(text="Whole.", tool_calls=[("Read", {"file_path": "a.py"})])
    reply, events = ask(model(server, stream=False), TOOLS)
    assert events == [TextDelta("Whole.")]
    assert reply.tool_calls == (ToolCall("call_1", "Read", '{"file_path": "a.py"}'),)
    assert server.requests[0]["stream"] is False and "stream_options" not in server.requests[0]
    assert reply.usage is not None and reply.usage.prompt_tokens > 0


def test_usage_is_captured_including_cached_tokens(server):
    server.reply(text="one", usage={"prompt_tokens": 321, "completion_tokens": 12, "cached_tokens": 300})
    reply, _ = ask(model(server))
    assert reply.usage == Usage(321, 12, 300)


def test_cached_tokens_grow_with_a_shared_prefix(server):
    client = model(server)
    ask(client)
    reply, _ = ask(client)
    assert reply.usage.cached_tokens > 0


@pytest.mark.parametrize("stream", [True, False])
def test_usage_is_estimated_when_the_server_sends_none(server, stream):
    server.reply(text="x" * 40, usage=False)
    reply, _ = ask(model(server, stream=stream))
    assert reply.usage == Usage(len(server.raw[0]) // 4, 10, 0)


def test_request_body_shape(server):
    client = model(server, extra_body={"temperature": 0})
    ask(client)
    ask(client, TOOLS)
    first, second = server.requests
    assert "tools" not in first and second["tools"] == TOOLS
    assert first["stream"] is True and first["stream_options"] == {"include_usage": True}
    assert first["model"] == "fake-model" and first["messages"] == MESSAGES
    assert first["temperature"] == 0


def test_identical_input_gives_identical_bytes(server):
    client = model(server)
    messages = [{"role": "user", "content": "héllo ✓"}]
    client.complete(messages, TOOLS, lambda e: None)
    client.complete(json.loads(json.dumps(messages)), json.loads(json.dumps(TOOLS)), lambda e: None)
    assert server.raw[0] == server.raw[1]
    assert "héllo ✓".encode() in server.raw[0]  # UTF-8 as is, not \\u escapes


def test_server_errors_are_retried_with_a_retry_event_each(server):
    server.fail(500, n=2)
    server.reply(text="recovered")
    reply, events = ask(model(server))
    retries = [e for e in events if isinstance(e, Retry)]
    assert [r.attempt for r in retries] == [1, 2]
    assert all("500" in r.error for r in retries)
    assert reply.text == "recovered" and len(server.requests) == 3


def test_retry_after_is_honoured(server):
    server.fail(429, headers={"Retry-After": "0.2"})
    server.reply(text="ok")
    start = time.monotonic()
    reply, events = ask(model(server))
    assert [e.delay for e in events if isinstance(e, Retry)] == [0.2]
    assert time.monotonic() - start >= 0.2 and reply.text == "ok"


def test_a_stream_cut_mid_way_is_retried(server):
    server.cut_stream("partial answer")
    server.reply(text="complete answer")
    reply, events = ask(model(server))
    kinds = [type(e).__name__ for e in events]
    assert "TextDelta" in kinds[:kinds.index("Retry")]  # the broken stream had started
    assert reply.text == "complete answer" and len(server.requests) == 2


def test_giving_up_says_how_many_attempts(server):
    server.fail(503, n=3)
    with pytest.raises(ModelError, match="503.*3 attempts") as info:
        ask(model(server, max_retries=2))
    assert len(server.requests) == 3 and "\n" not in str(info.value)


def test_a_stream_that_keeps_breaking_gives_up(server):
    for _ in range(2):
        server.cut_stream()
    with pytest.raises(ModelError, match="broke off.*2 attempts"):
        ask(model(server, max_retries=1))


def test_rejected_key_is_not_retried_and_says_what_to_set(server):
    server.fail(401, body={"error": {"message": "Invalid API key"}})
    client = model(server)
    with pytest.raises(ModelError) as info:
        client.complete(MESSAGES, [], lambda e: isinstance(e, Waiting) or pytest.fail(f"{e}"))
    message = str(info.value)
    assert "API key" in message and "OPENAI_API_KEY" in message and "--api-key" in message
    assert "Invalid API key" in message and "\n" not in message
    assert len(server.requests) == 1


def test_unknown_model_names_the_model(server):
    server.fail(404, body={"error": {"message": "model 'nope' not found"}})
    client = OpenAICompatible(server.base_url, "k", "nope", retry_delay=0.001)
    with pytest.raises(ModelError, match="'nope'.*not found"):
        client.complete(MESSAGES, [], lambda e: None)
    assert len(server.requests) == 1


def test_bad_request_gives_status_and_server_message_without_retry(server):
    server.fail(400, body={"error": {"message": "registry.ollama.ai/x does not support tools"}})
    with pytest.raises(ModelError, match="400: registry.ollama.ai/x does not support tools"):
        ask(model(server), TOOLS)
    assert len(server.requests) == 1


def test_unreachable_server_names_the_url_and_what_to_try():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    url = f"http://127.0.0.1:{port}/v1"
    events: list = []
    client = OpenAICompatible(url, "k", "m", max_retries=1, retry_delay=0.001)
    with pytest.raises(ModelError) as info:
        client.complete(MESSAGES, [], events.append)
    message = str(info.value)
    assert url in message and "connection refused" in message and "OPENAI_BASE_URL" in message
    assert "2 attempts" in message and [type(e) for e in events] == [Waiting, Retry, Waiting]


def test_importing_the_client_does_not_import_openai():
    code = "import sys, agent.model.client; print('openai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_fallback_for_sdks_without_raw_content_sends_the_same_body(server):
    # openai versions whose `post` has no `content=` get the body as a dict instead.
    client = model(server)
    ask(client)
    client._sends_bytes = False
    reply, _ = ask(client)
    assert json.loads(server.raw[0]) == json.loads(server.raw[1])
    assert reply.text == "(no scripted reply)"


# Context overflow: a 400 that no retry can fix, with its own class for compaction to catch.

OVERFLOWS = {
    "openai": {"error": {"message": "This model's maximum context length is 8192 tokens. However, "
                                    "your messages resulted in 9000 tokens.",
                         "type": "invalid_request_error", "code": "context_length_exceeded"}},
    "vllm": {"object": "error", "message": "This model's maximum context length is 4096 tokens. "
             "However, you requested 5000 tokens (4000 in the messages, 1000 in the completion).",
             "type": "BadRequestError", "code": 400},
    "llama.cpp": {"error": {"code": 400, "message": "request (4476 tokens) exceeds the available "
                            "context size (4096 tokens)", "type": "exceed_context_size_error",
                            "n_prompt_tokens": 4476, "n_ctx": 4096}},
    "llama.cpp, older": {"error": {"code": 400, "message": "the request exceeds the available "
                                   "context size, try increasing it", "type": "invalid_request_error"}},
}


@pytest.mark.parametrize("body", OVERFLOWS.values(), ids=OVERFLOWS.keys())
def test_context_overflow_is_not_retried_and_says_how_to_raise_the_context(server, body):
    server.fail(400, body=body)
    events: list = []
    with pytest.raises(ContextOverflow) as info:
        model(server, fallback_model="other").complete(MESSAGES, [], events.append)
    message = str(info.value)
    assert "too long for the context of model 'fake-model'" in message
    assert "--ctx-size" in message and "OLLAMA_CONTEXT_LENGTH" in message and "\n" not in message
    assert isinstance(info.value, ModelError) and info.value.status == 400
    assert len(server.requests) == 1 and answered(events) == []  # no retry, no fallback


def test_an_ordinary_bad_request_is_not_an_overflow(server):
    server.fail(400, body={"error": {"message": "invalid tool schema"}})
    with pytest.raises(ModelError) as info:
        ask(model(server))
    assert not isinstance(info.value, ContextOverflow)


# Ctrl-C is the user's: never caught, never retried.

def test_ctrl_c_while_streaming_is_not_retried(server):
    server.reply(text="a long answer that the user interrupts")

    def interrupt(event):
        if isinstance(event, TextDelta):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model(server).complete(MESSAGES, [], interrupt)
    assert len(server.requests) == 1


def test_ctrl_c_during_the_wait_before_a_retry_is_not_swallowed(server):
    server.fail(503, headers={"Retry-After": "5"})
    server.reply(text="never asked for")
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()  # Ctrl-C, for real
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        ask(model(server))
    assert time.monotonic() - start < 3 and len(server.requests) == 1


# The fallback model: once per request, after the retries on the main one are spent.

def test_the_fallback_model_answers_when_the_main_one_keeps_failing(server):
    server.fail(503, n=2)
    server.reply(text="from the fallback")
    reply, events = ask(model(server, max_retries=1, fallback_model="small-model"))
    assert reply.text == "from the fallback"
    assert [r["model"] for r in server.requests] == ["fake-model", "fake-model", "small-model"]
    kinds = [type(e).__name__ for e in events]
    assert kinds[:2] == ["Retry", "Fallback"]
    fallback = events[1]
    assert (fallback.model, fallback.fallback) == ("fake-model", "small-model")
    assert "503" in fallback.error


def test_each_request_tries_the_main_model_first(server):
    server.fail(500, n=2)
    server.reply(text="fallback")
    server.reply(text="main is back")
    client = model(server, max_retries=1, fallback_model="small-model")
    ask(client)
    reply, events = ask(client)
    assert reply.text == "main is back" and events[-1] == TextDelta("back")
    assert server.requests[-1]["model"] == "fake-model"


def test_a_failing_fallback_names_both_failures(server):
    server.fail(503, n=4)
    with pytest.raises(ModelError) as info:
        ask(model(server, max_retries=1, fallback_model="small-model"))
    message = str(info.value)
    assert message.count("answered 503") == 2 and "fallback model 'small-model' failed too" in message
    assert len(server.requests) == 4 and "\n" not in message


@pytest.mark.parametrize("status", [400, 401, 404])
def test_errors_not_worth_retrying_do_not_switch_to_the_fallback(server, status):
    server.fail(status)
    events: list = []
    with pytest.raises(ModelError):
        model(server, fallback_model="small-model").complete(MESSAGES, [], events.append)
    assert len(server.requests) == 1 and answered(events) == []


# Reasoning through the real SDK.

@pytest.mark.parametrize("stream", [True, False])
def test_a_template_that_opens_think_is_learned_from_the_first_closing_tag(server, stream):
    for _ in range(2):
        server.reply(text="Answer.", reasoning="Thinking it over.", reasoning_as="think_closed")
    client = model(server, stream=stream)
    first, first_events = ask(client)
    second, second_events = ask(client)
    for reply in (first, second):
        assert (reply.reasoning, reply.text) == ("Thinking it over.", "Answer.")
    if stream:  # the first reply showed its thinking as text; the second knows better at once
        assert type(first_events[0]) is TextDelta
        assert type(second_events[0]) is ReasoningDelta
    assert [type(e) for e in second_events if not isinstance(e, Retry)][-1] is TextDelta
