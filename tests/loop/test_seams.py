"""The loop's seams: positions decide the order, authorize returns a verdict, and a history
that is swapped or cleared tells the parts that learnt from the old one."""

import json

from invariants import assert_paired

from agent.loop.seams import (AFTER_HOOKS, ATTACH, FACTS, JUDGE, NORMAL, RESHAPE, RESTATE, Seam,
                              StopTurn, Verdict)
from agent.loop.turn import Agent
from agent.model.scripted import ScriptedModel, call
from agent.tools import Tool, ToolContext


def echo_tool(seen: list) -> Tool:
    return Tool("Echo", "Echo the text.", {"type": "object", "properties": {"text": {"type": "string"}},
                                           "required": ["text"]},
                lambda args, ctx: seen.append(args) or f"echo: {args['text']}", read_only=True)


def test_a_seam_runs_by_position_then_in_the_order_added():
    seam, order = Seam("after_tool"), []
    for name, at in [("hooks", NORMAL), ("todos", RESTATE), ("budget", RESHAPE), ("plugin", NORMAL),
                     ("memory", ATTACH), ("repeats", JUDGE)]:
        seam.add(lambda name=name: order.append(name), at=at)
    for fn in seam:
        fn()
    assert order == ["budget", "memory", "hooks", "plugin", "repeats", "todos"]
    assert FACTS < NORMAL < AFTER_HOOKS and len(seam) == 6


def test_a_function_may_leave_its_seam_while_it_runs():
    seam, calls = Seam("on_prompt"), []

    def once(prompt):
        calls.append(prompt)
        seam.remove(once)
    seam.add(once)
    for fn in seam:
        fn("a")
    assert calls == ["a"] and len(seam) == 0


def test_after_tool_functions_see_each_result_in_position_order(tmp_path):
    model = ScriptedModel([call("Echo", text="hi"), "done"])
    agent = Agent(model, [echo_tool([])], "sys", ToolContext(cwd=tmp_path))
    agent.after_tool.add(lambda c, r, e: r + " [last]", at=RESTATE)
    agent.after_tool.add(lambda c, r, e: "[filed away]", at=RESHAPE)
    agent.after_tool.add(lambda c, r, e: r + " [seen]")
    agent.run("go")
    assert agent.messages[3]["content"] == "[filed away] [seen] [last]"
    assert_paired(agent.messages)


def test_the_verdict_arguments_run_and_the_call_is_named(tmp_path):
    seen, judged = [], []

    def authorize(tool, args, call_):
        judged.append((call_.id, dict(args)))
        return Verdict(True, {"text": args["text"].upper()})
    model = ScriptedModel([call("Echo", id="c1", text="hi"), "done"])
    agent = Agent(model, [echo_tool(seen)], "sys", ToolContext(cwd=tmp_path), authorize=authorize)
    agent.run("go")
    assert judged == [("c1", {"text": "hi"})] and seen == [{"text": "HI"}]
    assert agent.messages[3]["content"] == "echo: HI"
    # what the model sent stays as it sent it
    assert json.loads(agent.messages[2]["tool_calls"][0]["function"]["arguments"]) == {"text": "hi"}


def test_a_refusing_verdict_is_the_one_result(tmp_path):
    seen = []
    model = ScriptedModel([[call("Echo", text="a"), call("Echo", text="b")], "done"])
    agent = Agent(model, [echo_tool(seen)], "sys", ToolContext(cwd=tmp_path),
                  authorize=lambda t, a, c: Verdict(a["text"] != "a", a, "Permission denied: not a."))
    agent.run("go")
    assert [m["content"] for m in agent.messages if m["role"] == "tool"] == \
        ["Permission denied: not a.", "echo: b"]
    assert seen == [{"text": "b"}]
    assert_paired(agent.messages)


def test_replacing_the_history_records_it_then_tells_who_must_forget(tmp_path):
    agent = Agent(ScriptedModel(["one"]), [], "sys", ToolContext(cwd=tmp_path))
    order = []
    agent.on_message.add(lambda messages: order.append(("recorded", len(messages))))
    agent.on_history_replaced.add(lambda messages: order.append(("forgot", len(messages))))
    agent.run("hello")
    order.clear()
    older = [agent.messages[0], {"role": "user", "content": "older"},
             {"role": "assistant", "content": "yes"}]
    agent.replace_history(older)
    assert agent.messages == older and order == [("recorded", 3), ("forgot", 3)]
    order.clear()
    agent.clear()
    assert agent.messages == older[:1] and order == [("recorded", 1), ("forgot", 1)]


def test_an_on_prompt_function_that_stops_drops_the_prompt_before_later_ones_run(tmp_path):
    agent = Agent(ScriptedModel([]), [], "sys", ToolContext(cwd=tmp_path))
    numbered = []
    agent.on_prompt.add(lambda p: numbered.append(p), at=AFTER_HOOKS)

    def refuse(prompt):
        raise StopTurn("blocked", "no secrets")
    agent.on_prompt.add(refuse)
    end = agent.run("the key is 123")
    assert end.stop_reason == "blocked" and numbered == [] and len(agent.messages) == 1


def test_a_tool_added_later_is_offered_after_the_others(tmp_path):
    agent = Agent(ScriptedModel([]), [echo_tool([])], "sys", ToolContext(cwd=tmp_path))
    more = Tool("More", "m", {"type": "object", "properties": {}}, lambda a, c: "", read_only=True)
    agent.add_tool(more)
    assert [s["function"]["name"] for s in agent.schemas] == ["Echo", "More"]
    try:
        agent.add_tool(more)
    except ValueError as err:
        assert "already" in str(err)
    else:
        raise AssertionError("a second tool of the same name was accepted")
