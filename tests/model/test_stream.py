"""Assembling replies from the SDK's chunk objects, including the quirks of local servers
and the three shapes reasoning arrives in."""

import json
import re

import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from agent.events import ReasoningDelta, TextDelta
from agent.model.types import ToolCall, Usage
from agent.model.stream import assemble, from_completion
from agent.model.think_tags import ThinkSplitter, split

MADE_UP_ID = re.compile(r"call_[0-9a-f]{24}")


def chunk(delta: dict | None = None, finish_reason: str | None = None,
          usage: dict | None = None) -> ChatCompletionChunk:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
    data = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m",
            "choices": choices}
    if usage is not None:
        data["usage"] = usage
    return ChatCompletionChunk.model_validate(data)


def fragment(index: int, id: str | None = None, name: str | None = None,
             arguments: str | None = None) -> dict:
    function = {k: v for k, v in (("name", name), ("arguments", arguments)) if v is not None}
    frag: dict = {"index": index, "function": function}
    if id is not None:
        frag["id"], frag["type"] = id, "function"
    return frag


def calls(*fragments: dict) -> list[ChatCompletionChunk]:
    return [chunk({"tool_calls": [f]}) for f in fragments] + [chunk({}, "tool_calls")]


def test_text_is_emitted_delta_by_delta_and_joined():
    events: list = []
    reply = assemble([chunk({"role": "assistant", "content": ""}), chunk({"content": "Hel"}),
                      chunk({"content": "lo, "}), chunk({"content": "world."}),
                      chunk({}, "stop")], events.append)
    assert events == [TextDelta("Hel"), TextDelta("lo, "), TextDelta("world.")]
    assert (reply.text, reply.tool_calls, reply.finish_reason) == ("Hello, world.", (), "stop")


def test_finish_reason_is_the_last_non_null_one():
    reply = assemble([chunk({"content": "a"}, "length"), chunk({"content": "b"}), chunk({})],
                     lambda e: None)
    assert reply.finish_reason == "length"


def test_fragments_are_assembled_by_index_even_when_interleaved():
    reply = assemble(calls(fragment(0, "a", "Read", ""), fragment(1, "b", "Glob", ""),
                           fragment(0, arguments='{"file_path":'), fragment(1, arguments='{"pattern":'),
                           fragment(0, arguments=' "x.py"}'), fragment(1, arguments=' "*.md"}')),
                     lambda e: None)
    assert reply.tool_calls == (ToolCall("a", "Read", '{"file_path": "x.py"}'),
                                ToolCall("b", "Glob", '{"pattern": "*.md"}'))
    assert reply.finish_reason == "tool_calls"


def test_parallel_calls_all_at_index_zero_are_split_by_id():
    # Ollama: every call at index 0, each with its own id.
    reply = assemble(calls(fragment(0, "a", "Read", '{"file_path": "x.py"}'),
                           fragment(0, "b", "Read", '{"file_path": "y.py"}'),
                           fragment(0, "c", "Glob", '{"pattern": "*"}')), lambda e: None)
    assert [(c.id, c.name, c.arguments) for c in reply.tool_calls] == [
        ("a", "Read", '{"file_path": "x.py"}'), ("b", "Read", '{"file_path": "y.py"}'),
        ("c", "Glob", '{"pattern": "*"}')]


def test_id_and_name_repeated_in_every_fragment_make_one_call():
    # llama-cpp-python: the same id and name in every chunk, arguments as deltas.
    reply = assemble(calls(fragment(0, "a", "Read", '{"file'), fragment(0, "a", "Read", '_path": '),
                           fragment(0, "a", "Read", '"x.py"}')), lambda e: None)
    assert reply.tool_calls == (ToolCall("a", "Read", '{"file_path": "x.py"}'),)


def test_missing_ids_are_made_up_and_unique():
    reply = assemble(calls(fragment(0, name="Read", arguments='{"file_path":'),
                           fragment(0, arguments=' "x.py"}'),
                           fragment(1, name="Glob", arguments='{"pattern": "*"}')), lambda e: None)
    first, second = reply.tool_calls
    assert (first.name, first.arguments) == ("Read", '{"file_path": "x.py"}')
    assert (second.name, second.arguments) == ("Glob", '{"pattern": "*"}')
    assert MADE_UP_ID.fullmatch(first.id) and MADE_UP_ID.fullmatch(second.id)
    assert first.id != second.id


def test_index_zero_without_ids_splits_when_a_named_fragment_follows_complete_arguments():
    reply = assemble(calls(fragment(0, name="Read", arguments='{"file_path": "x.py"}'),
                           fragment(0, name="Read", arguments='{"file_path": "y.py"}')),
                     lambda e: None)
    assert [c.arguments for c in reply.tool_calls] == ['{"file_path": "x.py"}',
                                                       '{"file_path": "y.py"}']
    assert reply.tool_calls[0].id != reply.tool_calls[1].id


def test_usage_from_the_final_chunk_includes_cached_tokens():
    reply = assemble([chunk({"content": "hi"}), chunk({}, "stop"),
                      chunk(usage={"prompt_tokens": 120, "completion_tokens": 7, "total_tokens": 127,
                                   "prompt_tokens_details": {"cached_tokens": 96}})],
                     lambda e: None)
    assert reply.usage == Usage(120, 7, 96)


def test_usage_without_details_has_zero_cached_tokens():
    reply = assemble([chunk({}, "stop"), chunk(usage={"prompt_tokens": 5, "completion_tokens": 2,
                                                      "total_tokens": 7})], lambda e: None)
    assert reply.usage == Usage(5, 2, 0)


def test_no_usage_chunk_gives_none():
    assert assemble([chunk({"content": "hi"}), chunk({}, "stop")], lambda e: None).usage is None


def test_fields_that_arrive_as_plain_dicts_are_read_too():
    # The SDK builds objects without validation: unknown shapes stay dicts.
    raw = ChatCompletionChunk.model_construct(
        id="c1", object="chat.completion.chunk", created=0, model="m",
        choices=[{"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}],
        usage={"prompt_tokens": 3, "completion_tokens": 1,
               "prompt_tokens_details": {"cached_tokens": 2}})
    reply = assemble([raw], lambda e: None)
    assert (reply.text, reply.finish_reason, reply.usage) == ("ok", "stop", Usage(3, 1, 2))


def completion(message: dict, finish_reason: str = "stop", usage: dict | None = None):
    data = {"id": "c1", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}]}
    if usage is not None:
        data["usage"] = usage
    # construct, not model_validate: lenient like the SDK's own parsing (a missing id is allowed)
    return ChatCompletion.construct(**data)


def test_whole_completion_emits_the_text_once():
    events: list = []
    reply = from_completion(completion({"role": "assistant", "content": "All done."},
                                       usage={"prompt_tokens": 9, "completion_tokens": 3,
                                              "total_tokens": 12}), events.append)
    assert events == [TextDelta("All done.")]
    assert (reply.text, reply.finish_reason, reply.usage) == ("All done.", "stop", Usage(9, 3, 0))


def test_whole_completion_with_tool_calls_and_a_missing_id():
    message = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "a", "type": "function", "function": {"name": "Read", "arguments": '{"file_path": "x"}'}},
        {"type": "function", "function": {"name": "Glob", "arguments": '{"pattern": "*"}'}}]}
    events: list = []
    reply = from_completion(completion(message, "tool_calls"), events.append)
    assert events == [] and reply.text == "" and reply.usage is None
    assert reply.tool_calls[0] == ToolCall("a", "Read", '{"file_path": "x"}')
    assert reply.tool_calls[1].name == "Glob" and MADE_UP_ID.fullmatch(reply.tool_calls[1].id)
    assert reply.finish_reason == "tool_calls"


# Reasoning: three shapes, one field (Reply.reasoning), streamed as ReasoningDelta events.

def shown(events: list) -> list[tuple[str, str]]:
    """The events as (kind, text), neighbours of one kind joined: what a reader sees."""
    out: list[tuple[str, str]] = []
    for e in events:
        kind = type(e).__name__
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + e.text)
        else:
            out.append((kind, e.text))
    return out


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_a_reasoning_field_streams_as_reasoning_and_stays_out_of_the_text(field):
    events: list = []
    reply = assemble([chunk({field: "The test "}), chunk({field: "splits on spaces."}),
                      chunk({"content": "Use split()."}), chunk({}, "stop")], events.append)
    assert (reply.reasoning, reply.text) == ("The test splits on spaces.", "Use split().")
    assert shown(events) == [("ReasoningDelta", "The test splits on spaces."),
                             ("TextDelta", "Use split().")]


def test_a_server_that_fills_both_fields_is_not_read_twice():
    reply = assemble([chunk({"reasoning_content": "once", "reasoning": "once"}), chunk({}, "stop")],
                     lambda e: None)
    assert reply.reasoning == "once"


THINK = "<think>\nThe test splits on spaces.\n</think>\n\nUse split()."


@pytest.mark.parametrize("size", range(1, len(THINK) + 1))
def test_think_tags_are_split_out_wherever_the_stream_cuts_them(size):
    events: list = []
    pieces = [THINK[i:i + size] for i in range(0, len(THINK), size)]
    reply = assemble([chunk({"content": p}) for p in pieces] + [chunk({}, "stop")], events.append)
    assert (reply.reasoning, reply.text) == ("The test splits on spaces.", "Use split().")
    kinds = [kind for kind, _ in shown(events)]
    assert kinds == ["ReasoningDelta", "TextDelta"]
    assert "<" not in "".join(e.text for e in events)  # no tag, not even a piece of one, shown


def test_only_a_closing_tag_means_the_template_opened_the_thinking():
    think = ThinkSplitter()
    reply = assemble([chunk({"content": "The test splits"}), chunk({"content": " on spaces.</th"}),
                      chunk({"content": "ink>\n\nUse split()."}), chunk({}, "stop")],
                     lambda e: None, think)
    assert (reply.reasoning, reply.text) == ("The test splits on spaces.", "Use split().")
    assert think.lone_close


def test_opened_starts_inside_the_thinking_and_shows_it_as_reasoning_at_once():
    events: list = []
    reply = assemble([chunk({"content": "Thinking..."}), chunk({"content": "</think>Answer."}),
                      chunk({}, "stop")], events.append, ThinkSplitter(opened=True))
    assert shown(events) == [("ReasoningDelta", "Thinking..."), ("TextDelta", "Answer.")]
    assert (reply.reasoning, reply.text) == ("Thinking...", "Answer.")


@pytest.mark.parametrize("content, opened, thinking, answer", [
    ("Plain answer, a < sign and </b>.", False, "", "Plain answer, a < sign and </b>."),
    ("Plain answer.", True, "", "Plain answer."),  # implied opening never closed: an answer
    ("<think>cut off by max_tokens", False, "cut off by max_tokens", ""),
    ("  <think>a</think>b</think>c", False, "a", "b</think>c"),  # only the first tag counts
    ("<thi", False, "", "<thi"),
])
def test_split_table(content, opened, thinking, answer):
    assert split(content, opened) == (thinking, answer)


@pytest.mark.parametrize("message, reasoning, text", [
    ({"content": "Use split().", "reasoning_content": "Spaces."}, "Spaces.", "Use split()."),
    ({"content": "Use split().", "reasoning": "Spaces."}, "Spaces.", "Use split()."),
    ({"content": THINK}, "The test splits on spaces.", "Use split()."),
    ({"content": "Spaces.</think>\n\nUse split()."}, "Spaces.", "Use split()."),
])
def test_whole_completion_reasoning_in_each_shape(message, reasoning, text):
    events: list = []
    reply = from_completion(completion({"role": "assistant", **message}), events.append)
    assert (reply.reasoning, reply.text) == (reasoning, text)
    assert events == [ReasoningDelta(reasoning), TextDelta(text)]
    assert "reasoning" not in json.dumps(reply.to_message()) and "think>" not in reply.to_message()["content"]
