"""The loop with the scripted model: one result per call, in order, whatever goes wrong."""

import json
from pathlib import Path

import pytest

from agent.events import AssistantMessage, TextDelta, ToolEnd, ToolStart, TurnEnd
from agent.model.reminders import own_words
from agent.model.types import ModelError, Reply, ToolCall
from agent.model.scripted import ScriptedModel, call
from agent.loop.seams import Verdict
from agent.loop.turn import Agent
from agent.tools import Tool, ToolContext, ToolError
from invariants import assert_paired


def echo(args: dict, ctx: ToolContext) -> str:
    return f"echo: {args['text']}"


def explode(args: dict, ctx: ToolContext) -> str:
    raise ValueError("a bug inside the tool")


def refuse(args: dict, ctx: ToolContext) -> str:
    raise ToolError("the file is not there; check the path with Glob")


def interrupt(args: dict, ctx: ToolContext) -> str:
    raise KeyboardInterrupt


def write_note(args: dict, ctx: ToolContext) -> str:
    (ctx.cwd / "note.txt").write_text(args["text"])
    return "written"


def tool(name: str, fn, read_only: bool = True) -> Tool:
    schema = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}
    return Tool(name, f"{name} tool", schema, fn, read_only)


TOOLS = [tool("Echo", echo), tool("Explode", explode), tool("Refuse", refuse),
         tool("Interrupt", interrupt), tool("Note", write_note, read_only=False)]


def make_agent(tmp_path: Path, steps: list, guards=(), **kwargs) -> tuple[Agent, ScriptedModel, list]:
    events: list = []
    model = ScriptedModel(steps)
    agent = Agent(model, TOOLS, "You are a test.", ToolContext(cwd=tmp_path),
                  emit=events.append, **kwargs)
    for guard in guards:
        agent.after_tool.add(guard)
    return agent, model, events


def results(agent: Agent) -> list[str]:
    return [m["content"] for m in agent.messages if m["role"] == "tool"]


def test_plain_answer_ends_the_turn(tmp_path):
    agent, model, events = make_agent(tmp_path, ["Hello there."])
    end = agent.run("hi")
    assert (end.stop_reason, end.text, end.n_turns) == ("end_turn", "Hello there.", 1)
    assert [m["role"] for m in agent.messages] == ["system", "user", "assistant"]
    assert isinstance(events[0], TextDelta) and isinstance(events[-1], TurnEnd)


def test_tool_call_result_is_appended_and_sent_back(tmp_path):
    agent, model, events = make_agent(tmp_path, [call("Echo", text="x"), "done"])
    end = agent.run("go")
    assert end.stop_reason == "end_turn" and end.n_turns == 2
    assert results(agent) == ["echo: x"]
    # the second request carried the tool result
    assert model.requests[1][-1] == {"role": "tool", "tool_call_id": agent.messages[2]["tool_calls"][0]["id"],
                                     "content": "echo: x"}
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["AssistantMessage", "ToolStart", "ToolEnd", "TextDelta", "AssistantMessage", "TurnEnd"]
    assert_paired(agent.messages)


def test_parallel_calls_answered_in_order(tmp_path):
    calls = [call("Echo", text="a"), call("Note", text="b"), call("Echo", text="c")]
    agent, _, _ = make_agent(tmp_path, [calls, "ok"])
    agent.run("go")
    assert results(agent) == ["echo: a", "written", "echo: c"]
    assert (tmp_path / "note.txt").read_text() == "b"
    assert_paired(agent.messages)


@pytest.mark.parametrize("bad_call, expected", [
    (ToolCall("c1", "Echo", '{"text": "unterminated'), "not valid JSON"),
    (ToolCall("c1", "Echo", '["a list"]'), "must be a JSON object"),
    (ToolCall("c1", "Nope", '{}'), "Available tools: Echo, Explode, Refuse, Interrupt, Note"),
    (ToolCall("c1", "Echo", '{}'), "missing text"),
    (ToolCall("c1", "Echo", '{"text": "a", "colour": 1}'), "unknown colour"),
    (ToolCall("c1", "Explode", '{"text": "a"}'), "ValueError: a bug inside the tool"),
    (ToolCall("c1", "Refuse", '{"text": "a"}'), "Error: the file is not there"),
])
def test_every_failure_becomes_one_error_result(tmp_path, bad_call, expected):
    agent, _, events = make_agent(tmp_path, [[bad_call, call("Echo", text="after")], "recovered"])
    end = agent.run("go")
    assert end.stop_reason == "end_turn"
    first, second = results(agent)
    assert expected in first
    assert second == "echo: after"
    assert [e.is_error for e in events if isinstance(e, ToolEnd)] == [True, False]
    assert_paired(agent.messages)


def test_model_error_stops_with_reason_and_keeps_history_valid(tmp_path):
    agent, _, _ = make_agent(tmp_path, [call("Echo", text="a"), ModelError("server said no")])
    end = agent.run("go")
    assert (end.stop_reason, end.text, end.n_turns) == ("error", "server said no", 1)
    assert_paired(agent.messages)
    # the conversation goes on after the error
    agent.model.steps.append("back again")
    assert agent.run("again").text == "back again"
    assert_paired(agent.messages)


def test_max_turns_stops_the_loop(tmp_path):
    steps = [call("Echo", text=str(i)) for i in range(10)]
    agent, _, _ = make_agent(tmp_path, steps, max_turns=3)
    end = agent.run("loop forever")
    assert (end.stop_reason, end.n_turns) == ("max_turns", 3)
    assert len(results(agent)) == 3
    assert_paired(agent.messages)


def test_interrupt_in_a_tool_answers_every_pending_call(tmp_path):
    calls = [call("Echo", text="a"), call("Interrupt", text="b"), call("Echo", text="c")]
    agent, model, _ = make_agent(tmp_path, [calls, "never sent"])
    end = agent.run("go")
    assert end.stop_reason == "interrupted"
    assert results(agent)[0] == "echo: a"
    assert all("Interrupted" in r for r in results(agent)[1:])
    assert len(results(agent)) == 3 and len(model.requests) == 1
    assert_paired(agent.messages)


def test_interrupt_while_waiting_for_the_model(tmp_path):
    agent, _, _ = make_agent(tmp_path, [KeyboardInterrupt(), "second try"])
    assert agent.run("go").stop_reason == "interrupted"
    assert agent.run("go on").text == "second try"
    assert_paired(agent.messages)


def test_refusal_from_authorize_is_the_result_and_the_tool_does_not_run(tmp_path):
    agent, _, _ = make_agent(tmp_path, [call("Note", text="x"), "ok"],
                             authorize=lambda t, a, c: Verdict(t.read_only, a, "Permission denied: no."))
    agent.run("write")
    assert results(agent) == ["Permission denied: no."]
    assert not (tmp_path / "note.txt").exists()
    assert_paired(agent.messages)


def test_system_prompt_and_tools_are_identical_in_every_request(tmp_path):
    agent, model, _ = make_agent(tmp_path, [call("Echo", text="a"), "one", "two"])
    agent.run("first")
    agent.run("second")
    systems = {json.dumps(r[0]) for r in model.requests}
    assert len(model.requests) == 3 and len(systems) == 1
    # append-only: every request starts with the whole previous request
    for before, after in zip(model.requests, model.requests[1:]):
        assert after[:len(before)] == before


def test_clear_keeps_only_the_system_prompt(tmp_path):
    agent, _, _ = make_agent(tmp_path, ["a"])
    agent.run("hi")
    agent.clear()
    assert agent.messages == [{"role": "system", "content": "You are a test."}]


def test_usage_is_summed_over_calls(tmp_path):
    from agent.model.types import Usage
    steps = [Reply(tool_calls=(call("Echo", text="a"),), usage=Usage(100, 10, 0)),
             Reply(text="done", usage=Usage(150, 5, 100))]
    agent, _, events = make_agent(tmp_path, steps)
    end = agent.run("go")
    assert end.usage == Usage(250, 15, 100)
    assert [e.usage for e in events if isinstance(e, AssistantMessage)] == [Usage(100, 10, 0), Usage(150, 5, 100)]
    assert isinstance([e for e in events if isinstance(e, ToolStart)][0].call, ToolCall)


def test_a_guard_can_add_a_note_or_stop_the_turn(tmp_path):
    from agent.loop.seams import StopTurn

    seen = []

    def guard(call, result, is_error):
        seen.append(result)
        if len(seen) == 2:
            raise StopTurn("repeated_call", "Stopped: the same call again.")
        return result + " [noted]"

    calls = [call("Echo", text="a"), call("Echo", text="b"), call("Echo", text="c")]
    agent, model, _ = make_agent(tmp_path, [calls, "never sent"], guards=[guard])
    end = agent.run("go")
    assert (end.stop_reason, end.text) == ("repeated_call", "Stopped: the same call again.")
    assert results(agent) == ["echo: a [noted]", "echo: b\n\nStopped: the same call again.",
                              "Not run: the turn was stopped (repeated_call)."]
    assert len(model.requests) == 1
    assert_paired(agent.messages)


def test_a_note_can_drop_a_prompt_and_a_stop_check_can_send_the_model_back(tmp_path):
    from agent.loop.seams import StopTurn

    def refuse_secrets(prompt):
        if "password" in prompt:
            raise StopTurn("blocked", "Prompt blocked: it contains a password.")
        return None

    checks = []

    def insist(text, sent_back):
        checks.append(sent_back)
        return None if "tests pass" in text or sent_back and len(checks) > 2 else "Run the tests first."

    agent, model, _ = make_agent(tmp_path, ["done", "the tests pass"])
    agent.on_prompt.add(refuse_secrets)
    agent.on_stop.add(insist)
    end = agent.run("my password is hunter2")
    assert (end.stop_reason, end.text) == ("blocked", "Prompt blocked: it contains a password.")
    assert len(agent.messages) == 1 and model.requests == []  # nothing appended, nothing sent
    end = agent.run("fix it")
    assert (end.stop_reason, end.text, end.n_turns) == ("end_turn", "the tests pass", 2)
    assert checks == [False, True]
    assert [m["role"] for m in agent.messages] == ["system", "user", "assistant", "user", "assistant"]
    assert agent.messages[3]["content"] == "Run the tests first."


def cut(text: str) -> Reply:
    return Reply(text=text, finish_reason="length")


def test_an_answer_cut_at_the_output_limit_is_asked_to_go_on_and_joined(tmp_path):
    agent, model, events = make_agent(tmp_path, [cut("The answer is cu"), "t in two."])
    end = agent.run("hi")
    assert (end.stop_reason, end.text, end.n_turns) == ("end_turn", "The answer is cut in two.", 2)
    go_on = agent.messages[3]
    assert go_on["role"] == "user" and "cut off at the output limit" in go_on["content"]
    assert own_words(go_on["content"]) == ""  # a reminder, never taken for the user's words


def test_an_answer_still_cut_after_going_on_ends_as_max_tokens_with_what_came(tmp_path):
    agent, model, events = make_agent(tmp_path, [cut("one "), cut("two "), cut("three "), "four"])
    end = agent.run("hi")
    assert (end.stop_reason, end.text, end.n_turns) == ("max_tokens", "one two three ", 3)
    assert len(model.requests) == 3  # "four" was never asked for


def test_a_cut_tool_call_is_answered_not_continued(tmp_path):
    broken = Reply(tool_calls=(ToolCall("c1", "Echo", '{"text": "unfinis'),), finish_reason="length")
    agent, model, events = make_agent(tmp_path, [broken, "gave up"])
    end = agent.run("hi")
    assert end.stop_reason == "end_turn" and "not valid JSON" in results(agent)[0]
    assert_paired(agent.messages)


def test_an_os_error_in_a_tool_is_worded_as_the_machines_answer(tmp_path):
    def locked(args: dict, ctx: ToolContext) -> str:
        raise PermissionError(13, "Permission denied", "/srv/locked/a.txt")

    def full(args: dict, ctx: ToolContext) -> str:
        raise OSError(28, "No space left on device", str(ctx.cwd / "out.bin"))
    agent, model, _ = make_agent(tmp_path, [call("Locked", text="x"), call("Full", text="x"),
                                            "ok"])
    agent.add_tool(tool("Locked", locked))
    agent.add_tool(tool("Full", full))
    assert agent.run("go").stop_reason == "end_turn"
    denied, no_space = results(agent)
    assert denied == ("Error: Locked: permission denied: /srv/locked/a.txt (the user the "
                      "harness runs as may not use it; pick another path, or ask the user to "
                      "change its permissions).")
    assert no_space.startswith(f"Error: Full: no space left on device: {tmp_path}/out.bin")
    assert "unexpectedly" not in denied + no_space
