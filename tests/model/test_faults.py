"""Servers that misbehave: every answer that is not a whole chat reply is an error, retried where
another try can help, never taken for an answer and never a traceback (docs/24-reliability.md).

Each fault is raw bytes from tests/openai_server.py's `fault` step, over real HTTP, read by the
real `openai` SDK."""

import json
import time

import pytest

from agent.model.client import OpenAICompatible
from agent.model.types import ModelError, Retry

MESSAGES = [{"role": "user", "content": "hi"}]


def model(server, stream=True, retries=1) -> OpenAICompatible:
    return OpenAICompatible(server.base_url, "k", "m", stream=stream, max_retries=retries,
                            retry_delay=0.001, timeout=10)


def chunk(content=None, finish=None, choices=True) -> bytes:
    body = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
            "choices": [{"index": 0, "delta": {"content": content} if content else {},
                         "finish_reason": finish}] if choices else []}
    return b"data: " + json.dumps(body).encode() + b"\n\n"


WHOLE = chunk("a whole answer") + chunk(finish="stop") + b"data: [DONE]\n\n"
COMPLETION = json.dumps({"id": "c", "object": "chat.completion", "created": 0, "model": "m",
                         "choices": [{"index": 0, "finish_reason": "stop", "message":
                                      {"role": "assistant", "content": "a whole answer"}}]}).encode()
HTML = b"<html><body>502 Bad Gateway</body></html>"

STREAM_FAULTS = {
    "cut mid-answer, no chunked encoding": dict(body=chunk("this is a fairly long answer that w")),
    "cut after the finish, before [DONE]": dict(body=chunk("answer") + chunk(finish="stop")),
    "cut with a Content-Length": dict(body=chunk("partial"), length=True),
    "an HTML page with status 200": dict(body=HTML, content_type="text/html"),
    "an empty body": dict(body=b""),
    "an empty body with a length": dict(body=b"", length=True),
    "no choices at all": dict(body=chunk(choices=False) + b"data: [DONE]\n\n"),
    "a line that is not JSON": dict(body=b"data: {this is not json\n\n" + b"data: [DONE]\n\n"),
    "plain text as an event stream": dict(body=b"Service unavailable\n"),
}
WHOLE_FAULTS = {
    "an HTML page with status 200": dict(body=HTML, content_type="text/html"),
    "an empty body": dict(body=b"", content_type="application/json", length=True),
    "broken JSON": dict(body=b'{"id": "c", "choi', content_type="application/json", length=True),
    "JSON with no choices": dict(body=b'{"id":"c","object":"chat.completion","created":0,'
                                      b'"model":"m","choices":[]}',
                                 content_type="application/json", length=True),
    "a cut JSON body": dict(body=COMPLETION[:40], content_type="application/json"),
}


@pytest.mark.parametrize("fault", STREAM_FAULTS.values(), ids=STREAM_FAULTS.keys())
def test_a_broken_stream_is_retried_and_the_whole_retry_is_the_answer(server, fault):
    server.fault(**fault)
    server.fault(WHOLE)
    events = []
    reply = model(server).complete(MESSAGES, [], events.append)
    assert reply.text == "a whole answer" and reply.finish_reason == "stop"
    retries = [e for e in events if isinstance(e, Retry)]
    assert len(retries) == 1 and "not a whole reply" in retries[0].error


def test_a_retry_never_goes_on_the_connection_that_carried_the_broken_reply(server):
    """A body whole by its Content-Length but cut before [DONE], and a server that then
    closes that connection a little later: a retry sent on it would be lost with it."""
    server.fault(body=chunk("partial"), length=True, linger=0.3)
    server.fault(WHOLE)
    events = []
    reply = model(server).complete(MESSAGES, [], events.append)
    assert reply.text == "a whole answer"
    assert [e.error for e in events if isinstance(e, Retry)] == [
        "not a whole reply: the stream ended before its [DONE]: cut after 7 characters"]


@pytest.mark.parametrize("fault", STREAM_FAULTS.values(), ids=STREAM_FAULTS.keys())
def test_a_stream_that_stays_broken_is_one_clear_error_never_an_answer(server, fault):
    server.fault(**fault)
    server.fault(**fault)
    with pytest.raises(ModelError) as info:
        model(server).complete(MESSAGES, [], lambda e: None)
    message = str(info.value)
    assert "did not send a whole reply" in message and "2 attempts" in message
    assert server.base_url in message and "\n" not in message


@pytest.mark.parametrize("fault", WHOLE_FAULTS.values(), ids=WHOLE_FAULTS.keys())
def test_a_broken_whole_reply_is_retried_then_one_clear_error(server, fault):
    server.fault(**fault)
    server.fault(**fault)
    with pytest.raises(ModelError, match="did not send a whole reply.*2 attempts"):
        model(server, stream=False).complete(MESSAGES, [], lambda e: None)
    server.fault(**fault)
    server.fault(COMPLETION, content_type="application/json", length=True)
    reply = model(server, stream=False).complete(MESSAGES, [], lambda e: None)
    assert reply.text == "a whole answer"


@pytest.mark.parametrize("noise", [b"event: ping\n\n", b": keep-alive\n\n", b"data: \n\n",
                                   b"event: ping\ndata: \n\n", b"\n\n"],
                         ids=["ping with no data", "comment", "empty data", "ping, empty data",
                              "blank lines"])
def test_pings_and_comments_in_a_stream_are_ignored(server, noise):
    server.fault(noise + chunk("a whole ") + noise + chunk("answer") + noise
                 + chunk(finish="stop") + noise + b"data: [DONE]\n\n")
    events = []
    reply = model(server).complete(MESSAGES, [], events.append)
    assert reply.text == "a whole answer" and not any(isinstance(e, Retry) for e in events)


def test_an_error_object_inside_the_stream_is_the_servers_message_not_retried(server):
    server.fault(chunk("partial") + b'data: {"error": {"message": "the model crashed"}}\n\n')
    with pytest.raises(ModelError, match="reported an error: the model crashed"):
        model(server).complete(MESSAGES, [], lambda e: None)
    assert len(server.requests) == 1


def test_a_length_finish_is_a_whole_reply_that_says_it_was_cut(server):
    server.fault(chunk("the answer was cut her") + chunk(finish="length") + b"data: [DONE]\n\n")
    reply = model(server).complete(MESSAGES, [], lambda e: None)
    assert reply.finish_reason == "length" and reply.text == "the answer was cut her"


# Stalls: --timeout bounds the wait for the first byte, the wait between chunks, and (times
# TOTAL_SPANS) the whole request; a stall is reported at once, never retried.

def timed(server, timeout, stream=True):
    client = OpenAICompatible(server.base_url, "k", "m", stream=stream, max_retries=3,
                              retry_delay=0.001, timeout=timeout)
    start = time.monotonic()
    with pytest.raises(ModelError) as info:
        client.complete(MESSAGES, [], lambda e: None)
    return str(info.value), time.monotonic() - start


@pytest.mark.parametrize("stream", [True, False])
def test_a_server_that_never_answers_is_left_after_the_timeout_once(server, stream):
    server.fault(wait=float("inf"))
    message, seconds = timed(server, 0.5, stream)
    assert "sent nothing for 0.5 s" in message and "--timeout" in message
    assert 0.5 <= seconds < 3 and len(server.requests) == 1


def test_keep_alive_bytes_do_not_extend_the_wait(server):
    server.fault(b": keep-alive\n\n" * 200, drip=0.01)  # a byte every 10 ms, never a chunk
    message, seconds = timed(server, 0.5)
    assert "no part of a reply for 0.5 s" in message and seconds < 3


def test_a_chunk_dripped_a_byte_at_a_time_does_not_extend_the_wait(server):
    server.fault(WHOLE, drip=0.05)  # each chunk takes seconds to arrive
    message, seconds = timed(server, 0.5)
    assert "no part of a reply for 0.5 s" in message and seconds < 3


def test_a_reply_that_keeps_coming_ends_at_the_total_bound(server):
    server.fault(chunk("more ") * 2000, drip=0.0005)  # a chunk every ~0.1 s, for minutes
    message, seconds = timed(server, 0.3)
    assert "still sending its reply after 3 s" in message and 3 <= seconds < 6


def test_a_whole_reply_dripped_byte_by_byte_ends_at_the_total_bound(server):
    server.fault(COMPLETION, content_type="application/json", length=True, drip=0.05)
    message, seconds = timed(server, 0.2, stream=False)
    assert "still sending its reply after 2 s" in message and seconds < 4


def test_a_slow_but_steady_server_is_waited_for(server):
    server.fault(WHOLE, wait=0.6)  # longer than a third of the timeout, shorter than it
    slow = chunk("a whole ") + b": ping\n\n" + chunk("answer") + chunk(finish="stop")
    server.fault(slow + b"data: [DONE]\n\n", drip=0.001)
    client = OpenAICompatible(server.base_url, "k", "m", retry_delay=0.001, timeout=1)
    for _ in range(2):
        assert client.complete(MESSAGES, [], lambda e: None).text == "a whole answer"
