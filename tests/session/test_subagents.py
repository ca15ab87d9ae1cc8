"""Subagents over real HTTP (the fake OpenAI server) and in process: a fresh history, one
result for the parent, no nesting, refusals reported, side by side for explorers, hooks,
definitions from files, figures in the json, and the pairing under an interrupt."""

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from agent.config.config import load_config
from agent.model.scripted import ScriptedModel, call
from agent.session.compose import build_session
from agent.session.transcript import load
from invariants import assert_paired


def agent_p(cwd, home, server, *flags, prompt="hi"):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    done = subprocess.run([sys.executable, "-m", "agent", "-p", prompt, "--base-url", server.base_url,
                           "--output-format", "json", *flags], cwd=cwd,
                          env={**base, "HOME": str(home)}, capture_output=True, text=True, timeout=60)
    return done, (json.loads(done.stdout.splitlines()[-1]) if done.stdout.strip() else None)


def task(kind="Explore", prompt="Where is load_config defined? Answer with the file.", what="find it"):
    return ("Task", {"description": what, "prompt": prompt, "subagent_type": kind})


def names(request: dict) -> list[str]:
    return [t["function"]["name"] for t in request.get("tools", [])]


@pytest.fixture
def work(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "config.py").write_text("def load_config():\n    return {}\n")
    return work


def test_the_subagent_starts_fresh_and_the_parent_sees_one_result(work, home, server):
    server.reply(tool_calls=[task()])
    server.reply(tool_calls=[("Grep", {"pattern": "def load_config"})])
    server.reply("load_config is in config.py:1")
    server.reply("It is config.py, line 1.")
    done, result = agent_p(work, home, server, prompt="PARENT-SECRET: where is the loader?")
    assert done.returncode == 0, done.stderr
    child = server.requests[1]
    assert [m["role"] for m in child["messages"]] == ["system", "user"]
    assert "PARENT-SECRET" not in json.dumps(child["messages"])  # none of the parent's history
    assert "read-only explorer" in child["messages"][0]["content"]
    assert child["messages"][1]["content"].startswith("Where is load_config defined?")
    assert names(child) == ["Read", "Glob", "Grep"]  # its type's tools, never Task
    assert "config.py" in server.requests[2]["messages"][-1]["content"]  # its Grep ran
    parent = server.requests[3]["messages"]
    results = [m for m in parent if m["role"] == "tool"]
    assert len(results) == 1 and results[0]["content"] == "load_config is in config.py:1"
    assert "Task" in names(server.requests[0]) and "Task" in names(server.requests[3])
    run = result["subagents"][0]
    assert run["subagent_type"] == "Explore" and run["n_turns"] == 2 and run["stop_reason"] == "end_turn"
    assert run["usage"]["prompt_tokens"] > 0
    assert result["usage"]["input_tokens"] >= run["usage"]["prompt_tokens"] + 1  # in the totals
    assert result["cost"]["calls"] == 4  # the subagent's two requests counted with the parent's
    on_disk = load(Path(run["transcript"]))
    assert on_disk.n_skipped == 0 and on_disk.messages[-1]["content"] == "load_config is in config.py:1"
    parent_file = next((home / ".agent" / "projects").glob("*/*.jsonl"))
    lines = [json.loads(line) for line in parent_file.read_text().splitlines()]
    assert any(line.get("type") == "subagent" and line["transcript"] == run["transcript"] for line in lines)
    assert load(parent_file).n_skipped == 0  # the link is a known kind of line


def test_a_subagent_cannot_start_another(work, home, server):
    server.reply(tool_calls=[task("general-purpose")])
    server.reply(tool_calls=[task()])  # the subagent tries anyway
    server.reply("could not delegate")
    server.reply("done")
    done, _ = agent_p(work, home, server)
    assert done.returncode == 0, done.stderr
    assert "Task" not in names(server.requests[1])
    assert "no tool named 'Task'" in server.requests[2]["messages"][-1]["content"]


def test_a_call_refused_inside_the_subagent_is_reported_to_the_parent_and_the_script(work, home, server):
    server.reply(tool_calls=[task("general-purpose", "Create the file notes.txt with touch")])
    server.reply(tool_calls=[("Bash", {"command": "touch notes.txt"})])
    server.reply("I could not create it.")
    server.reply("The subagent was refused.")
    done, result = agent_p(work, home, server, "--no-sandbox")
    assert not (work / "notes.txt").exists()
    task_result = [m for m in server.requests[3]["messages"] if m["role"] == "tool"][0]["content"]
    assert "1 call(s) were refused inside the subagent" in task_result
    assert "touch notes.txt" in task_result
    assert [d["tool_name"] for d in result["permission_denials"]] == ["Bash"]
    assert result["subagents"][0]["refused"] == 1


def test_explorers_in_one_reply_run_side_by_side_with_results_in_order(work, home, server):
    server.reply(tool_calls=[task(what="first"), task(what="second"), task(what="third")])
    for _ in range(3):
        server.reply("found it")  # the three arrive in any order: the same answer for each
    server.reply("all three done")
    done, result = agent_p(work, home, server, "--verbose")
    assert done.returncode == 0, done.stderr
    last = server.requests[4]["messages"]
    results = [m for m in last if m["role"] == "tool"]
    calls = [c["id"] for m in last if m["role"] == "assistant" for c in m.get("tool_calls") or []]
    assert [r["tool_call_id"] for r in results] == calls and len(results) == 3
    assert all(r["content"] == "found it" for r in results)
    assert done.stderr.count("✓ Task(") == 3  # each shown as it finished
    assert sorted(r["description"] for r in result["subagents"]) == ["first", "second", "third"]


def test_subagent_stop_hooks_fire_and_can_send_it_back(work, home, server):
    log = home / "stop.log"
    hook = home / "stop.sh"
    hook.write_text(f"#!/bin/sh\ncat >> {log}\necho >> {log}\n"
                    f"[ $(wc -l < {log}) -lt 2 ] && {{ echo 'check the tests too' >&2; exit 2; }}\n"
                    "exit 0\n")  # the first time: blocks; then lets it stop
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    (home / ".agent").mkdir(exist_ok=True)
    (home / ".agent" / "settings.json").write_text(json.dumps({"hooks": {"SubagentStop": [
        {"matcher": "Explore", "hooks": [{"type": "command", "command": str(hook)}]}]}}))
    server.reply(tool_calls=[task()])
    server.reply("first answer")
    server.reply("second answer, tests checked")
    server.reply("done")
    done, result = agent_p(work, home, server)
    assert done.returncode == 0, done.stderr
    sent = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert [s["hook_event_name"] for s in sent] == ["SubagentStop", "SubagentStop"]
    assert [s["stop_hook_active"] for s in sent] == [False, True]
    assert sent[0]["agent_type"] == "Explore" and sent[0]["agent_transcript_path"].endswith(".jsonl")
    assert "check the tests too" in server.requests[2]["messages"][-1]["content"]
    task_result = [m for m in server.requests[3]["messages"] if m["role"] == "tool"][0]
    assert task_result["content"] == "second answer, tests checked"


def test_a_definition_file_gives_the_prompt_tools_and_model(work, home, server):
    agents = home / ".agent" / "agents"
    agents.mkdir(parents=True)
    (agents / "reviewer.md").write_text("---\nname: reviewer\ndescription: Reviews a change "
                                        "for bugs.\ntools: Read, Grep\nmodel: small-model\n---\n"
                                        "You review code. Be terse.\n")
    server.reply(tool_calls=[task("reviewer", "Review config.py")])
    server.reply("No bugs.")
    server.reply(tool_calls=[task("Explore", "x")])
    server.reply("explored")
    server.reply("done")
    done, result = agent_p(work, home, server, "--subagent-model", "mid-model")
    assert done.returncode == 0, done.stderr
    description = next(t["function"]["description"] for t in server.requests[0]["tools"]
                       if t["function"]["name"] == "Task")
    assert "- reviewer: Reviews a change for bugs. (tools: Read, Grep)" in description
    child = server.requests[1]
    assert child["model"] == "small-model" and names(child) == ["Read", "Grep"]
    assert child["messages"][0]["content"].startswith("You review code. Be terse.")
    assert server.requests[3]["model"] == "mid-model"  # --subagent-model, no model of its own
    assert [r["model"] for r in result["subagents"]] == ["small-model", "mid-model"]


def test_an_unknown_type_is_an_error_the_model_can_fix_and_rules_name_types(work, home, server):
    server.reply(tool_calls=[task("Explorer")])
    server.reply(tool_calls=[task("Explore")])
    server.reply("done")
    done, result = agent_p(work, home, server, "--disallowedTools", "Task(Explore)")
    first = server.requests[1]["messages"][-1]["content"]
    assert "no subagent type 'Explorer'" in first and "general-purpose, Explore" in first
    assert [d["tool_input"]["subagent_type"] for d in result["permission_denials"]] == ["Explore"]
    assert len(server.requests) == 3  # no subagent ran


def test_the_lean_profile_leaves_task_out_unless_asked(work, home, server):
    server.reply("ok")
    server.reply("ok")
    agent_p(work, home, server, "--profile", "lean")
    agent_p(work, home, server, "--profile", "lean", "--tools", "Read,Edit,Write,Bash,Grep,Task")
    assert "Task" not in names(server.requests[0]) and names(server.requests[1])[-1] == "Task"



PLUGIN = """
from agent import AgentType

def register(session):
    session.add_agent_type(AgentType("reviewer", "Reviews code; reads only.",
                                     "You review code. REVIEWER-PROMPT", ("Read", "Grep")))
"""


def test_a_plugins_type_is_listed_for_the_model_and_runs_with_its_tools(work, home, server, tmp_path):
    plugin = tmp_path / "reviewer.py"
    plugin.write_text(PLUGIN)
    server.reply(tool_calls=[task("reviewer", prompt="Review config.py.")])
    server.reply("config.py looks fine.")
    server.reply("Reviewed.")
    done, result = agent_p(work, home, server, "--plugin", str(plugin))
    assert done.returncode == 0, done.stderr
    (offered,) = [t for t in server.requests[0]["tools"] if t["function"]["name"] == "Task"]
    listing = offered["function"]["description"]
    assert "- reviewer: Reviews code; reads only. (tools: Read, Grep)" in listing
    assert listing.index("- Explore") < listing.index("- reviewer")  # the built-ins keep their place
    tools_of_all = [names(r) for r in (server.requests[0], server.requests[2])]
    assert tools_of_all[0] == tools_of_all[1]  # the same tools, in the same order, every request
    child = server.requests[1]
    assert "REVIEWER-PROMPT" in child["messages"][0]["content"] and names(child) == ["Read", "Grep"]
    assert result["subagents"][0]["subagent_type"] == "reviewer"


@pytest.mark.parametrize("kind, error", [
    ('AgentType("Explore", "mine", "p")', "there is a subagent type named Explore already (built-in)"),
    ('AgentType("has space", "d", "p")', "subagent type name 'has space'"),
    ('{"name": "x"}', "a subagent type is an AgentType, not dict"),
])
def test_a_plugins_type_that_cannot_be_added_stops_the_start_naming_it(work, home, server, tmp_path,
                                                                       kind, error):
    plugin = tmp_path / "bad.py"
    plugin.write_text(f"from agent import AgentType\n\ndef register(session):\n"
                      f"    session.add_agent_type({kind})\n")
    done, _ = agent_p(work, home, server, "--plugin", str(plugin))
    assert done.returncode == 2 and error in done.stderr, done.stderr
    assert server.requests == []  # nothing was sent


def test_the_lean_profile_without_task_still_accepts_a_plugins_type(work, home, server, tmp_path):
    plugin = tmp_path / "reviewer.py"
    plugin.write_text(PLUGIN)
    server.reply("ok")
    done, _ = agent_p(work, home, server, "--profile", "lean", "--plugin", str(plugin))
    assert done.returncode == 0, done.stderr
    assert "Task" not in names(server.requests[0])

def session_in(work: Path, steps: list):
    config = load_config({"model": "m", "sandbox": False}, {"HOME": os.environ["HOME"]}, work)
    events: list = []
    session = build_session(config, events.append, None)
    session.meter.inner = ScriptedModel(steps)
    return session, events


def test_an_interrupt_inside_a_subagent_ends_both_with_every_call_answered(work, home):
    session, _ = session_in(work, [call("Task", description="d", prompt="p",
                                        subagent_type="general-purpose"),
                                   call("Read", file_path="config.py"), KeyboardInterrupt(), "later"])
    end = session.run("go")
    assert end.stop_reason == "interrupted"
    assert_paired(session.messages)
    child = load(Path(session.subagents.runs[0].transcript)).messages
    assert_paired(child)
    assert session.subagents.runs[0].stop_reason == "interrupted"
    assert session.run("again").stop_reason == "end_turn"


def test_ctrl_c_while_explorers_run_ends_them_at_their_next_step(work, home):
    from agent.model.types import Reply

    def slow(messages):
        time.sleep(0.6)
        return Reply(text="", tool_calls=(call("Glob", pattern="*.py"),))
    session, _ = session_in(work, [[call("Task", description="a", prompt="p", subagent_type="Explore"),
                                    call("Task", description="b", prompt="p", subagent_type="Explore")],
                                   slow, slow, "after"])
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    end = session.run("go")
    assert end.stop_reason == "interrupted"
    assert_paired(session.messages)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(r.stop_reason == "running" for r in session.subagents.runs):
        time.sleep(0.05)
    assert [r.stop_reason for r in session.subagents.runs] == ["interrupted", "interrupted"]
    for run in session.subagents.runs:  # each stopped before its Glob ran, its history valid
        child = load(Path(run.transcript)).messages
        assert_paired(child)
        assert child[-1]["content"] == "Interrupted by the user before this finished."
    assert session.run("again").stop_reason == "end_turn"


def test_agents_lists_types_and_runs(work, home):
    from agent.app.slash import command
    session, _ = session_in(work, [call("Task", description="look around", prompt="p",
                                        subagent_type="Explore"), "seen", "done"])
    session.run("go")
    text = command(session, "/agents")
    assert "general-purpose" in text and "Explore" in text and "tools: Read, Glob, Grep" in text
    assert "Explore: look around - end_turn, 1 calls" in text


def test_questions_from_explorers_side_by_side_are_asked_on_the_loops_thread(work, home, tmp_path):
    from agent.permissions.gate import Answer
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("far away\n")
    asked = []

    def ask(tool, args, decision):
        asked.append((threading.current_thread().name, args.get("file_path")))
        return Answer(True)
    config = load_config({"model": "m", "sandbox": False}, {"HOME": os.environ["HOME"]}, work)
    session = build_session(config, lambda e: None, ask)
    task_ = lambda n: call("Task", description=n, prompt="read it", subagent_type="Explore")  # noqa: E731
    session.meter.inner = ScriptedModel([[task_("a"), task_("b")],
                                         call("Read", file_path=str(outside)),
                                         call("Read", file_path=str(outside)),
                                         "read", "read", "both read"])
    end = session.run("go")
    assert end.stop_reason == "end_turn"
    assert asked == [(threading.current_thread().name, str(outside))] * 2
    assert [r.stop_reason for r in session.subagents.runs] == ["end_turn", "end_turn"]
    assert_paired(session.messages)


def test_stream_json_names_the_subagents_steps_and_the_calls_that_ended(work, home, server):
    server.reply(tool_calls=[task(what="a"), task(what="b")])
    server.reply(tool_calls=[("Read", {"file_path": "config.py"})])
    server.reply(tool_calls=[("Read", {"file_path": "config.py"})])
    server.reply("found")
    server.reply("found")
    server.reply("done")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    done = subprocess.run([sys.executable, "-m", "agent", "-p", "go", "--base-url", server.base_url,
                           "--output-format", "stream-json", "--verbose"], cwd=work,
                          env={**base, "HOME": str(home)}, capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    subtypes = [line.get("subtype") for line in lines if line["type"] == "system"]
    assert subtypes.count("subagent_step") == 2 and subtypes.count("tool_finished") == 2
    step = next(line for line in lines if line.get("subtype") == "subagent_step")
    assert step["subagent_type"] == "Explore" and step["event"]["call"]["name"] == "Read"
    assert lines[-1]["type"] == "result" and len(lines[-1]["subagents"]) == 2
