"""Calls in one reply that share an id get ids of their own when the Reply is made
(agent/model/types.py:unique_ids), in every way a reply arrives: streamed, whole, scripted."""

import pytest

from agent.model.client import OpenAICompatible
from agent.model.types import Reply, ToolCall, unique_ids


@pytest.mark.parametrize("ids, expected", [
    (["a", "b"], ["a", "b"]),
    (["call_0", "call_0"], ["call_0", "call_0_2"]),
    (["x", "x", "x"], ["x", "x_2", "x_3"]),
    (["x", "x", "x_2"], ["x", "x_2", "x_2_2"]),   # a new id never takes one the reply has
    (["x_2", "x", "x"], ["x_2", "x", "x_3"]),
    (["", ""], ["call_2", "call_3"]),
    ([""], ["call_2"]),
    (["0", "1", "0", "1"], ["0", "1", "0_2", "1_2"]),
    ([], []),
])
def test_unique_ids(ids, expected):
    assert unique_ids(ids) == expected
    assert len(set(expected)) == len(expected)


def test_a_reply_is_made_with_ids_of_its_own():
    reply = Reply(tool_calls=(ToolCall("c", "Read", "{}"), ToolCall("c", "Bash", '{"command": "ls"}')))
    assert [c.id for c in reply.tool_calls] == ["c", "c_2"]
    assert [m["id"] for m in reply.to_message()["tool_calls"]] == ["c", "c_2"]
    assert reply.tool_calls[1] == ToolCall("c_2", "Bash", '{"command": "ls"}')
    same = (ToolCall("a", "Read", "{}"),)
    assert Reply(tool_calls=same).tool_calls is same  # nothing to change: nothing copied


@pytest.mark.parametrize("stream", [True, False])
def test_a_server_that_repeats_an_id_in_one_reply(server, stream):
    server.reply(tool_calls=[("Read", {"file_path": "a"}), ("Read", {"file_path": "b"}),
                             ("Bash", {"command": "ls"})], ids=["call_0", "call_0", "call_0"])
    reply = OpenAICompatible(server.base_url, "k", "m", stream=stream).complete(
        [{"role": "user", "content": "go"}], [], lambda event: None)
    assert [(c.id, c.name) for c in reply.tool_calls] == [
        ("call_0", "Read"), ("call_0_2", "Read"), ("call_0_3", "Bash")]
    assert '"b"' in reply.tool_calls[1].arguments
