"""The event stream read from bytes (agent/model/sse.py): pieces cut anywhere, every line end,
comments and pings, against the SDK's own decoder as the reference; then over real HTTP."""

import json
import random
import socket
import threading

import pytest

from agent.model.client import OpenAICompatible
from agent.model.sse import Chunks, StreamError, events, lines
from agent.model.types import ModelError, Retry, ToolCall
from agent.model.wire import BadReply


def data(obj: dict, sep: bytes = b" ") -> bytes:
    return b"data:" + sep + json.dumps(obj, ensure_ascii=False).encode()


def delta(**fields) -> dict:
    return {"choices": [{"index": 0, "delta": fields, "finish_reason": None}]}


FINISH = {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}
USAGE = {"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 3}}
CALL = [delta(tool_calls=[{"index": 0, "id": "c1", "type": "function",
                           "function": {"name": "Bash", "arguments": ""}}]),
        delta(tool_calls=[{"index": 0, "function": {"arguments": '{"command": "echo '}}]),
        delta(tool_calls=[{"index": 0, "function": {"arguments": 'é中😀"}'}}])]


def stream(eol: bytes = b"\n") -> bytes:
    """A reply with every kind of line a server sends, ending its lines with `eol`."""
    event_lines = [[b": keep-alive"], [b"event: ping"], [data(delta(content="héllo "), b"")],
                   [b"id: 3", data(CALL[0])], [b"data: "], [data(CALL[1])], [b"retry: 100"],
                   [data(CALL[2])], [b"data"], [data(FINISH)], [data(USAGE)], [b"data: [DONE]"]]
    return b"".join(eol.join(event) + eol + eol for event in event_lines)


EXPECTED = [delta(content="héllo "), *CALL, FINISH, USAGE]


def read(pieces) -> tuple[list[dict], bool]:
    chunks = Chunks(pieces)
    return list(chunks), chunks.done


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_a_stream_cut_at_every_byte_gives_the_same_chunks(eol):
    whole = stream(eol)
    assert read([whole]) == (EXPECTED, True)
    assert read([whole[i:i + 1] for i in range(len(whole))]) == (EXPECTED, True)
    for cut in range(1, len(whole)):  # two pieces, cut anywhere: mid-line, mid-CRLF, mid-UTF-8
        assert read([whole[:cut], whole[cut:]]) == (EXPECTED, True), cut


def test_several_data_lines_are_one_event_joined_by_newlines():
    assert list(events([b"data: {\"a\":\ndata: 1}\n\n"])) == [b'{"a":\n1}']
    assert read([b"data: {\"a\":\r\ndata: 1}\r\n\r\ndata: [DONE]\r\n\r\n"]) == ([{"a": 1}], True)


def test_an_event_left_open_at_the_end_is_dropped_so_a_done_without_its_blank_line_is_a_cut():
    body = data(delta(content="hi")) + b"\n\n" + b"data: [DONE]"
    assert read([body]) == ([delta(content="hi")], False)
    assert read([body + b"\n"]) == ([delta(content="hi")], False)
    assert read([body + b"\n\n"]) == ([delta(content="hi")], True)
    assert list(lines([b"a\nb"])) == [b"a"]  # the last line has no end: it is not a line yet


def test_what_follows_done_is_left_to_rest():
    pieces = iter([b"data: [DONE]\n\n", b"data: {\"after\": 1}\n\n", b"tail"])
    chunks = Chunks(pieces)
    assert list(chunks) == [] and chunks.done
    chunks.rest()
    assert next(pieces, None) is None


@pytest.mark.parametrize("line", [b"data: {this is not json", b"data: {\"a\": \"\xff\"}"],
                         ids=["not JSON", "not UTF-8"])
def test_a_line_that_is_not_json_is_a_bad_reply(line):
    with pytest.raises(BadReply, match="not JSON"):
        read([line + b"\n\n"])


def test_an_error_object_is_the_servers_verdict():
    with pytest.raises(StreamError, match="the model crashed"):
        read([b'data: {"error": {"message": "the model crashed"}}\n\n'])


def test_a_long_line_in_many_pieces_is_put_together():
    text = "x" * 200_000
    body = data(delta(content=text)) + b"\n\ndata: [DONE]\n\n"
    pieces = [body[i:i + 1000] for i in range(0, len(body), 1000)]
    assert read(pieces) == ([delta(content=text)], True)


def test_events_match_the_sdks_own_decoder_on_random_streams():
    """The reference: the openai SDK's SSE decoder, on random lines, line ends and cuts."""
    sdk = pytest.importorskip("openai._streaming")
    if not hasattr(sdk, "_SSELineDecoder"):
        pytest.skip("this SDK's decoder splits lines another way")
    rng = random.Random(17)
    kinds = [b"data: {\"n\": %d}", b"data:{\"n\": %d}", b": keep-alive %d", b"event: ping",
             b"id: %d", b"data: ", b"data", b"retry: %d", b"", b"", b"data: \xc3\xa9\xe4\xb8\xad %d"]
    for _ in range(300):
        body = b"".join(rng.choice(kinds).replace(b"%d", str(rng.randint(0, 99)).encode())
                        + rng.choice([b"\n", b"\r\n", b"\r"]) for _ in range(rng.randint(0, 30)))
        cuts = sorted(rng.sample(range(len(body) + 1), min(len(body) + 1, rng.randint(0, 8))))
        pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)])]
        theirs = [e.data for e in sdk.SSEDecoder().iter_bytes(iter(pieces)) if e.data]
        ours = [d.decode() for d in events(pieces) if d]
        assert ours == theirs, body


# Over real HTTP ----------------------------------------------------------------------------

def test_a_tool_call_dripped_byte_by_byte_with_crlf_is_assembled(server):
    server.fault(stream(b"\r\n"), drip=0.0002)
    reply = OpenAICompatible(server.base_url, "k", "m", max_retries=0).complete(
        [{"role": "user", "content": "hi"}], [], lambda e: None)
    assert reply.text == "héllo " and reply.finish_reason == "tool_calls"
    assert reply.tool_calls == (ToolCall("c1", "Bash", '{"command": "echo é中😀"}'),)
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (7, 3)


@pytest.mark.parametrize("stream_it", [True, False], ids=["streamed", "whole"])
def test_one_connection_serves_every_request(server, stream_it):
    """After [DONE] the body is read to its end, so the connection is kept for the next one."""
    model = OpenAICompatible(server.base_url, "k", "m", stream=stream_it, max_retries=0)
    for i in range(4):
        server.reply(text=f"answer {i}", tool_calls=[("Bash", {"command": "ls"})])
        assert model.complete([{"role": "user", "content": "hi"}], [], lambda e: None).tool_calls
    assert len(server.ports) == 4 and len(set(server.ports)) == 1


def test_a_done_without_its_blank_line_is_retried_as_a_cut(server):
    server.fault(data(delta(content="hi")) + b"\n\n" + data(FINISH) + b"\n\ndata: [DONE]")
    server.reply(text="whole")
    events_seen = []
    reply = OpenAICompatible(server.base_url, "k", "m", max_retries=1, retry_delay=0.001).complete(
        [{"role": "user", "content": "hi"}], [], events_seen.append)
    assert reply.text == "whole"
    assert [e.error for e in events_seen if isinstance(e, Retry)] == [
        "not a whole reply: the stream ended before its [DONE]: cut after 2 characters"]


def test_a_page_cut_mid_body_is_a_broken_stream_retried_not_a_traceback(server):
    """A proxy's HTML error page whose connection drops before its Content-Length is in."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer_once() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                               b"Content-Length: 1000\r\n\r\n<html>502 Bad Gat")
    threading.Thread(target=answer_once, daemon=True).start()
    model = OpenAICompatible(f"http://127.0.0.1:{port}/v1", "k", "m", max_retries=0)
    with pytest.raises(ModelError, match="broke off the reply mid-stream"):
        model.complete([{"role": "user", "content": "hi"}], [], lambda e: None)
    listener.close()
