"""The compaction ladder: every step keeps calls with their results, and long sessions fit."""

import json
from pathlib import Path

import pytest

from agent.compact.ladder import (Job, Ladder, MASKED, ResultBudget, mask_observations, summarize,
                                  tail_start)
from agent.compact.summary import append_user
from agent.events import Compacted
from agent.model.types import ModelError, Reply, ToolCall
from agent.model.scripted import ScriptedModel, call
from agent.loop.turn import Agent
from agent.model.tokens import TokenCounter
from agent.tools import Tool, ToolContext
from agent.compact.prefix_stability import common_prefix
from agent.compact.window import Window
from invariants import assert_paired

SYSTEM = {"role": "system", "content": "You are a test agent."}


def lookup(args: dict, ctx: ToolContext) -> str:
    n = int(args["n"])
    return f"fact {n}: the code word for item {n} is word{n * 7}\n" + f"filler line {n}\n" * 60


LOOKUP = Tool("Lookup", "look an item up", {"type": "object", "properties": {
    "n": {"type": "integer"}}, "required": ["n"]}, lookup, True)


def history(n_calls: int, size: int = 60) -> list[dict]:
    """system, user, then n assistant calls each with a result of about `size` lines."""
    messages = [SYSTEM, {"role": "user", "content": "look up every item"}]
    for i in range(n_calls):
        messages.append({"role": "assistant", "content": f"note {i}", "tool_calls": [
            {"id": f"c{i}", "type": "function",
             "function": {"name": "Lookup", "arguments": json.dumps({"n": i})}}]})
        messages.append({"role": "tool", "tool_call_id": f"c{i}",
                         "content": f"fact {i}\n" + "filler words here\n" * size})
    return messages


def job_for(messages: list[dict], target: int, model=None, **kw) -> Job:
    counter = TokenCounter()
    return Job(Window.of(8192), lambda ms: counter.messages(ms), target, counter, model=model, **kw)


def test_window_split_and_target():
    w = Window.of(8192)
    assert (w.reply_reserve, w.buffer, w.limit) == (2048, 819, 8192 - 2048 - 819)
    assert w.target(2000) == 2000 + (w.limit - 2000) // 2
    assert Window.of(8192, reply_reserve=512).reply_reserve == 512
    assert Window.of(1000, reply_reserve=900).reply_reserve == 500  # never past half
    assert Window.of(8192).result_budget == 1024 and Window.of(10**6).result_budget == 25_000


def test_masking_keeps_the_newest_results_and_every_pair():
    messages = history(10)
    frozen = json.dumps(messages)
    out = mask_observations(messages, job_for(messages, target=0))
    assert json.dumps(messages) == frozen  # the input is not changed
    assert_paired(out)
    results = [m["content"] for m in out if m["role"] == "tool"]
    assert all(r.startswith(MASKED) for r in results[:7])
    assert results[7:] == [m["content"] for m in messages if m["role"] == "tool"][7:]
    assert 'Lookup({"n": 0}) returned' in results[0]


def test_masking_stops_at_the_target_oldest_first():
    messages = history(10)
    counter = TokenCounter()
    total = counter.messages(messages)
    out = mask_observations(messages, job_for(messages, target=total - 300))
    masked = [m["content"].startswith(MASKED) for m in out if m["role"] == "tool"]
    assert masked[0] and not masked[-4]  # one batch from the oldest, only as far as needed
    assert counter.messages(out) <= total - 300


def test_masking_keeps_memory_appended_to_a_result():
    messages = history(5)
    messages[3] = {**messages[3], "content": messages[3]["content"]
                   + '\n\n<memory-file path="/p/sub/AGENT.md">\nuse tabs\n</memory-file>'}
    out = mask_observations(messages, job_for(messages, target=0))
    assert out[3]["content"].startswith(MASKED) and out[3]["content"].endswith("use tabs\n</memory-file>")


@pytest.mark.parametrize("budget", [0, 50, 200, 500, 900, 5000])
def test_the_tail_never_starts_with_a_result(budget):
    messages = history(6)
    messages.insert(8, {"role": "user", "content": "and also this"})
    counter = TokenCounter()
    cut = tail_start(messages, [counter.message(m) for m in messages], budget)
    assert cut is None or cut == len(messages) or messages[cut]["role"] in ("user", "assistant")
    if cut is not None:
        assert sum(counter.message(m) for m in messages[cut:]) <= budget or cut == len(messages)


def test_summary_replaces_the_head_and_saves_the_transcript(tmp_path):
    messages = history(8)
    model = ScriptedModel(["## Goal\nlook up every item\n## Next steps\nitem 8"])
    job = job_for(messages, target=1500, model=model, save_dir=tmp_path, focus="the code words",
                  tail_budget=400,
                  memory=lambda: '<memory-file path="/p/sub/AGENT.md">\nuse tabs\n</memory-file>')
    out = summarize(messages, job)
    assert_paired(out)
    assert out[0] == SYSTEM and out[1]["role"] == "user"
    assert "## Goal\nlook up every item" in out[1]["content"] and "use tabs" in out[1]["content"]
    assert out[2:] == messages[len(messages) - len(out) + 2:]  # the recent turns, unchanged
    asked = model.requests[0]
    assert "Use these headings" in asked[-1]["content"] and "the code words" in asked[-1]["content"]
    saved = [json.loads(line) for line in job.transcript.read_text().splitlines()]
    assert saved == messages and str(job.transcript) in out[1]["content"]
    # the latest request was summarized away: it is kept word for word
    assert "word for word:\nlook up every item" in out[1]["content"]


def test_a_failed_summary_keeps_a_listing_and_says_so(tmp_path):
    messages = history(8)
    job = job_for(messages, target=1500, model=ScriptedModel([ModelError("server down", 500)]),
                  tail_budget=400)
    out = summarize(messages, job)
    assert_paired(out)
    assert "Called Lookup" in out[1]["content"] and "server down" in job.notes[0]


def test_summary_never_puts_two_user_messages_in_a_row():
    messages = history(3) + [{"role": "user", "content": "next question"}]
    out = summarize(messages, job_for(messages, target=400, model=ScriptedModel(["summary"]),
                                         tail_budget=200))
    roles = [m["role"] for m in out]
    assert all(not (a == b == "user") for a, b in zip(roles, roles[1:]))
    assert out[-1]["content"].endswith("next question")
    assert append_user([{"role": "user", "content": "a"}], "b") == [{"role": "user", "content": "a\n\nb"}]


def long_session(n_turns: int) -> list:
    steps = [call("Lookup", n=i) for i in range(n_turns)]
    return steps + ["done"]


@pytest.mark.parametrize("strategies", [["mask_observations", "summarize"], ["summarize"]])
def test_200_turns_on_an_8k_window_never_overflow(tmp_path, strategies):
    import agent.compact.ladder as compact
    window = Window.of(8192)
    events: list = []
    model = ScriptedModel(long_session(200))
    ladder = Ladder(window, [getattr(compact, s) for s in strategies], save_dir=tmp_path,
                    emit=events.append)
    agent = Agent(model, [LOOKUP], "You are a test agent.", ToolContext(cwd=tmp_path),
                  max_turns=300, compactor=ladder)
    end = agent.run("look up items 0 to 199")
    assert end.stop_reason == "end_turn" and len(model.requests) == 201
    counter = TokenCounter()
    sizes = [counter.messages(r, agent.schemas) for r in model.requests]
    assert max(sizes) <= window.limit, "a request went past the window's limit"
    for request in model.requests:
        assert_paired(request)
    assert events and all(isinstance(e, Compacted) for e in events)
    # batched: far fewer rewrites than turns, and each one counted as a prefix break
    breaks = [p for p in ladder.prefix if p.broke_at is not None]
    assert len(breaks) == len(events) < 200 / 4


def test_without_compaction_each_request_extends_the_last(tmp_path):
    model = ScriptedModel(long_session(5))
    ladder = Ladder(Window.of(100_000), save_dir=tmp_path)
    agent = Agent(model, [LOOKUP], "sys", ToolContext(cwd=tmp_path), compactor=ladder)
    agent.run("go")
    assert len(ladder.prefix) == 5
    assert all(p.broke_at is None and p.shared_messages == p.previous_messages for p in ladder.prefix)
    for before, after in zip(model.requests, model.requests[1:]):
        assert after[:len(before)] == before


def test_common_prefix_names_where_it_broke():
    counter = TokenCounter()
    a = history(3)
    b = a[:3] + [{**a[3], "content": "x"}] + a[4:]
    check = common_prefix(a, b + [{"role": "user", "content": "more"}], counter)
    assert check.broke_at == 3 and check.shared_messages == 3
    assert check.shared_tokens == sum(counter.message(m) for m in a[:3])


def test_pre_compact_hooks_run_before_a_rewrite(tmp_path):
    seen = []
    ladder = Ladder(Window.of(8192), [summarize], save_dir=tmp_path)
    ladder.pre_compact.append(lambda trigger, focus: seen.append((trigger, focus)))
    messages = history(3)
    done = ladder.compact(messages, [], "manual", focus="tests", tail_budget=0)
    assert done is not None and done.messages_after == 2  # all of it summarized
    assert_paired(messages)
    assert seen == [("manual", "tests")]


def test_the_server_count_scales_ours_within_bounds():
    from agent.model.types import Usage
    ladder = Ladder(Window.of(8192))
    messages = history(2)
    ladder.before_request(messages, [])
    sent = TokenCounter().messages(messages)
    ladder.after_reply(Reply("ok", usage=Usage(prompt_tokens=round(sent * 1.3))))
    assert ladder.correction == pytest.approx(1.3, abs=0.01)
    ladder.after_reply(Reply("ok", usage=Usage(prompt_tokens=1)))
    assert ladder.correction == 0.9  # a server that reports too little is not believed


def test_an_oversized_result_goes_to_a_file_with_a_preview(tmp_path):
    budget = ResultBudget(500, tmp_path / "results")
    big = "".join(f"line {i}: some output of a command\n" for i in range(2000))
    kept = budget(ToolCall("c1", "Bash", "{}"), big)
    path = next((tmp_path / "results").iterdir())
    assert path.read_text() == big and str(path) in kept
    assert "line 0:" in kept and "line 1999:" in kept and len(kept) < len(big) / 10
    assert budget(ToolCall("c2", "Bash", "{}"), big) == kept  # same result, same file
    assert budget(ToolCall("c3", "Bash", "{}"), "short") == "short"


def test_reactive_compaction_retries_once(tmp_path):
    from agent.model.errors import ContextOverflow
    messages_seen = []

    def refuse(messages):
        messages_seen.append(len(messages))
        raise ContextOverflow("too long", 400)

    steps = [call("Lookup", n=i) for i in range(6)] + [refuse, "done after compaction"]
    model = ScriptedModel(steps)
    events: list = []
    agent = Agent(model, [LOOKUP], "sys", ToolContext(cwd=tmp_path),
                  compactor=Ladder(Window.of(100_000), save_dir=tmp_path, emit=events.append))
    end = agent.run("go")
    assert end.stop_reason == "end_turn" and end.text == "done after compaction"
    assert len(model.requests[-1]) < messages_seen[0] and events[0].strategies == ("summarize",)
    assert_paired(model.requests[-1])

    model = ScriptedModel([call("Lookup", n=1), refuse, refuse, "never"])
    agent = Agent(model, [LOOKUP], "sys", ToolContext(cwd=tmp_path),
                  compactor=Ladder(Window.of(100_000), save_dir=tmp_path))
    end = agent.run("go")
    assert end.stop_reason == "error" and "too long" in end.text  # retried once, not again


# Through the CLI, over HTTP: what the server receives.

def run_cli(args: list[str], cwd, server) -> dict:
    import os
    import subprocess
    import sys
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    done = subprocess.run([sys.executable, "-m", "agent", "-p", "--output-format", "json",
                           "--base-url", server.base_url, "--model", "m", *args],
                          cwd=cwd, env={**base, "HOME": str(cwd)}, capture_output=True,
                          text=True, timeout=60)
    assert done.stdout, done.stderr
    return json.loads(done.stdout)


def test_consecutive_requests_share_the_whole_previous_prompt(server, tmp_path):
    (tmp_path / "a.txt").write_text("alpha\n")
    server.reply(tool_calls=[("Read", {"file_path": "a.txt"})])
    server.reply(tool_calls=[("Glob", {"pattern": "*.txt"})])
    server.reply("done")
    doc = run_cli(["--context-window", "16384", "look"], tmp_path, server)
    assert doc["result"] == "done"
    first, second, third = (r["messages"] for r in server.requests)
    assert second[:len(first)] == first and third[:len(second)] == second
    assert server.requests[0]["tools"] == server.requests[2]["tools"]
    assert all(r["max_tokens"] == 4096 for r in server.requests)  # a quarter of 16k, reserved
    prefix = doc["context"]["prefix"]
    assert [p["broke_at"] for p in prefix] == [None, None]
    assert [(p["shared_messages"], p["previous_messages"]) for p in prefix] == [(2, 2), (4, 4)]
    assert doc["context"]["window"] == 16384 and doc["context"]["compactions"] == []


def test_a_context_length_error_compacts_and_retries_once(server, tmp_path):
    for name in "abc":
        (tmp_path / f"{name}.txt").write_text("alpha\n" * 50)
        server.reply(tool_calls=[("Read", {"file_path": f"{name}.txt"})], usage={"prompt_tokens": 10})
    server.fail(400, body={"error": {"code": 400, "message": "request (9000 tokens) exceeds the "
                                     "available context size (4096 tokens)",
                                     "type": "exceed_context_size_error"}})
    server.reply("## Goal\nread a.txt\n## Next steps\nanswer")
    server.reply("the file says alpha")
    doc = run_cli(["read a.txt"], tmp_path, server)
    assert doc["result"] == "the file says alpha" and not doc["is_error"]
    (compaction,) = doc["context"]["compactions"]
    assert compaction["strategies"] == ["summarize"] and compaction["trigger"] == "auto"
    assert Path(compaction["transcript"]).is_file()
    assert doc["context"]["window"] < 8192 and doc["context"]["window_source"] == (
        "shrunk after the server refused a longer prompt (was 8192, default)")
    summary_request, retried = server.requests[4]["messages"], server.requests[5]["messages"]
    assert "Use these headings" in summary_request[-1]["content"]
    assert "## Goal\nread a.txt" in retried[1]["content"]
    assert len(retried) < len(server.requests[3]["messages"])
    for request in server.requests:
        assert_paired(request["messages"])


def test_a_listing_carries_earlier_listings_over_without_nesting(tmp_path):
    ladder = Ladder(Window.of(8192), [summarize], save_dir=tmp_path)
    messages = [SYSTEM]
    for round_ in range(4):
        messages.append({"role": "user", "content": f"request {round_}"})
        for i in range(3):
            n = round_ * 3 + i
            messages.append({"role": "assistant", "content": f"Noted: fact {n} is {n * 11}",
                             "tool_calls": [{"id": f"c{n}", "type": "function",
                                             "function": {"name": "Lookup", "arguments": "{}"}}]})
            messages.append({"role": "tool", "tool_call_id": f"c{n}", "content": "data " * 300})
        ladder.compact(messages, [], "manual", tail_budget=0)
        assert_paired(messages)
    summary = messages[1]["content"]
    assert all(f"Noted: fact {n} is {n * 11}" in summary for n in range(12))
    assert summary.count("[This conversation was compacted") == 1
    assert summary.count("<summary>") == 1 and "- User: request 0" in summary


def test_a_listing_keeps_to_its_limit_dropping_calls_first():
    from agent.compact.summary import listing
    head = [{"role": "user", "content": "the goal"}]
    for n in range(200):
        head.append({"role": "assistant", "content": f"note {n}", "tool_calls": [
            {"id": f"c{n}", "type": "function", "function": {"name": "Read", "arguments": "{}"}}]})
    text = listing(head, limit=2000)
    assert len(text) < 2100 and "older lines dropped" in text
    assert "- User: the goal" in text and "note 199" in text and "Called" not in text


def test_a_carried_listing_drops_its_calls_first_and_keeps_counting():
    from agent.compact.summary import listing
    earlier = ("[This conversation was compacted: 9 earlier messages were replaced by the summary "
               "below.]\n\n<summary>\n## Summary (written without a model: a listing of what "
               "happened)\n(5 older lines dropped to fit)\n- User: the goal\n"
               + "".join(f"- Called Read({{\"n\": {n}}})\n- Assistant: note {n}\n" for n in range(40))
               + "</summary>\n\nThe user's latest request, word for word:\nthe second request")
    text = listing([{"role": "user", "content": earlier},
                    {"role": "assistant", "content": "a new note"}], limit=600)
    assert "Called" not in text and "note 39" in text and "a new note" in text
    assert "- User: the goal" in text and "- User: the second request" in text
    assert text.count("older lines dropped") == 1
    dropped = int(text.split("\n(")[1].split(" ")[0])
    assert dropped > 40 + 5  # the 40 calls, some notes, and the 5 dropped before


@pytest.mark.parametrize("reply", [Reply('{"name": "Lookup", "arguments": {"n": 3}}'),
                                   Reply("", tool_calls=(ToolCall("c", "Lookup", "{}"),)),
                                   Reply("ok")])
def test_a_reply_that_is_not_a_summary_is_not_taken_for_one(reply):
    messages = history(6)
    job = job_for(messages, target=1500, model=ScriptedModel([reply]), tail_budget=300)
    out = summarize(messages, job)
    assert "## Summary (written without a model" in out[1]["content"]
    assert "did not write a summary" in job.notes[0]


def test_an_empty_ladder_never_compacts_or_calls_hooks(tmp_path):
    ladder = Ladder(Window.of(1000), [], save_dir=tmp_path)
    ladder.pre_compact.append(lambda trigger, focus: pytest.fail("no compaction, no hook"))
    messages = history(10)
    ladder.before_request(messages, [])
    assert ladder.compactions == [] and len(messages) == 22


# A home that cannot be written (read-only, full, or a file where a folder should be): the
# work goes on. Root ignores permission bits, so the folder is put under a regular file.

@pytest.fixture
def unwritable(tmp_path):
    (tmp_path / "a-file").write_text("not a folder\n")
    return tmp_path / "a-file" / "home"


def test_a_result_that_cannot_be_saved_is_cut_inline_and_says_why(unwritable):
    budget = ResultBudget(500, unwritable / "results")
    big = "".join(f"line {i}: some output of a command\n" for i in range(2000))
    kept = budget(ToolCall("c1", "Bash", "{}"), big)
    assert "could not be saved to a file (Not a directory" in kept
    assert "line 0:" in kept and "line 1999:" in kept and len(kept) < len(big) / 10
    assert "saved in" not in kept and "Not a directory" in budget.error
    assert budget(ToolCall("c2", "Bash", "{}"), "short") == "short"


def test_a_summary_goes_on_when_its_transcript_cannot_be_saved(unwritable):
    messages = history(8)
    job = job_for(messages, target=1500, save_dir=unwritable, tail_budget=400)
    out = summarize(messages, job)
    assert_paired(out)
    assert len(out) < len(messages) and job.transcript is None
    assert "transcript is saved" not in out[1]["content"]
    assert any("could not be saved first (Not a directory)" in n for n in job.notes)


def test_print_mode_under_an_unwritable_home_goes_on(server, tmp_path):
    import os
    import subprocess
    import sys
    (tmp_path / "a-file").write_text("")
    (tmp_path / "big.txt").write_text("".join(f"line {i} of a long file\n" for i in range(3000)))
    server.reply(tool_calls=[("Bash", {"command": "cat big.txt"})])
    server.reply(tool_calls=[("Write", {"file_path": "new.txt", "content": "hi\n"})])
    server.reply(tool_calls=[("Edit", {"file_path": "new.txt", "old_string": "hi",
                                       "new_string": "ho"})])
    server.reply("done")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    done = subprocess.run([sys.executable, "-m", "agent", "-p", "go", "--base-url",
                           server.base_url, "--model", "m", "--context-window", "8192",
                           "--permission-mode", "bypassPermissions"], cwd=tmp_path,
                          env={**base, "HOME": str(tmp_path / "a-file" / "home")},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "done\n", done.stderr
    assert "Traceback" not in done.stderr and "cannot be resumed" in done.stderr
    results = [m["content"] for m in server.requests[-1]["messages"] if m["role"] == "tool"]
    assert "could not be saved to a file" in results[0] and "line 2999" in results[0]
    assert results[1].startswith("Created") and results[2].startswith("Edited")
    assert (tmp_path / "new.txt").read_text() == "ho\n"


# Long sessions: a compaction never nests the one before, and what it carries is bounded.

def big_lookup(args: dict, ctx: ToolContext) -> str:
    n = int(args["n"])
    return f"fact {n}: the code word for item {n} is word{n * 7}\n" + "".join(
        f"log line {i} of item {n}: status ok, latency {i * 13 % 97} ms\n" for i in range(200))


BIG_LOOKUP = Tool("Lookup", "look an item up", LOOKUP.parameters, big_lookup, True)
SUMMARY_REPLY = Reply("## Goal\nlook the items up\n## Current state\nsome items looked up\n"
                      "## Next steps\nthe next items", finish_reason="stop")


def is_summary_request(messages: list[dict]) -> bool:
    return "Use these headings" in str(messages[-1].get("content"))


@pytest.mark.parametrize("writer", ["model", "listing"])
def test_150_turns_on_an_8k_window_keep_every_compaction_message_bounded(tmp_path, writer):
    NOTE, REQUEST = "[This conversation was compacted", "The user's latest request, word for word:\n"
    prompts = ["look up items 0 to 49", "now items 50 to 99", "and items 100 to 149"]
    plan = iter([step for k in range(3)
                 for step in [call("Lookup", n=n) for n in range(50 * k, 50 * k + 50)] + ["done"]])
    model = ScriptedModel([lambda ms: SUMMARY_REPLY if is_summary_request(ms) else next(plan)] * 1000)
    window = Window.of(8000)
    ladder = Ladder(window, model=model if writer == "model" else None, save_dir=tmp_path)
    agent = Agent(model, [BIG_LOOKUP], "You are a test agent.", ToolContext(cwd=tmp_path),
                  max_turns=100, compactor=ladder)
    agent.after_tool.add(ResultBudget(window.result_budget, tmp_path / "results"))
    for prompt in prompts:
        assert agent.run(prompt).stop_reason == "end_turn"
    counter = TokenCounter()
    fixed = counter.messages(model.requests[0][:1], agent.schemas)
    target = window.target(fixed)
    bound = (target - fixed) // 2  # the compaction message's share: a quarter of the history space
    sent = [r for r in model.requests if not is_summary_request(r)]
    assert len(sent) == 153
    n_checked = 0
    for request, prompt in zip(sent, [p for p in prompts for _ in range(51)]):
        first = request[1]["content"]
        if not first.startswith(NOTE):
            continue
        n_checked += 1
        assert first.count(NOTE) == 1 and first.count("<summary>") == 1, "a summary nested in a summary"
        assert counter.count_text(first) <= bound + 10, f"{counter.count_text(first)} > {bound}"
        if REQUEST in first:  # the request it carries is the user's own, never a compaction
            assert first.partition(REQUEST)[2] in prompts[:prompts.index(prompt) + 1]
    assert n_checked > 100
    # batched: each compaction leaves half the history space free, so many requests pass
    breaks = [i for i, p in enumerate(ladder.prefix) if p.broke_at is not None]
    assert len(breaks) == len(ladder.compactions) <= 150 / 4
    gaps = [b - a for a, b in zip(breaks, breaks[1:])]
    assert min(gaps) >= 4, gaps
    assert all(e.tokens_after <= e.tokens_before and e.tokens_after <= target
               for e in ladder.compactions)


def test_the_latest_request_skips_compactions_and_reminders():
    from agent.compact.summary import REQUEST, latest_request
    compaction = {"role": "user", "content": "[This conversation was compacted: 3 earlier messages "
                  "were replaced by the summary below.]\n\n<summary>\n- User: old\n</summary>\n\n"
                  f"{REQUEST}fix the bug\n\n<system-reminder>Today is Monday.</system-reminder>"}
    assert latest_request([SYSTEM, compaction, {"role": "assistant", "content": "ok"}]) == "fix the bug"
    bare = {**compaction, "content": compaction["content"].split(f"\n\n{REQUEST}")[0]}
    assert latest_request([SYSTEM, bare, {"role": "assistant", "content": "ok"}]) == ""
    reminded = {"role": "user", "content": "add tests\n\n<system-reminder>git status moved"
                                           "</system-reminder>"}
    only_reminder = {"role": "user", "content": "<system-reminder>the todo list</system-reminder>"}
    assert latest_request([SYSTEM, compaction, reminded, only_reminder]) == "add tests"


def test_a_summary_of_a_summary_quotes_the_users_request_not_the_summary(tmp_path):
    ladder = Ladder(Window.of(8192), [summarize], save_dir=tmp_path)
    messages = history(8)
    ladder.compact(messages, [], "manual", tail_budget=0)
    for i in range(8, 16):
        messages += history(i + 1)[-2:]
        messages[-2] = {**messages[-2], "tool_calls": [{**messages[-2]["tool_calls"][0], "id": f"d{i}"}]}
        messages[-1] = {**messages[-1], "tool_call_id": f"d{i}"}
        ladder.compact(messages, [], "manual", tail_budget=0)
    assert_paired(messages)
    summary = messages[1]["content"]
    assert summary.count("[This conversation was compacted") == 1
    assert summary.endswith("word for word:\nlook up every item")
    assert summary.count("- User: look up every item") == 1


def test_a_long_model_summary_is_cut_to_the_bound_with_a_note(tmp_path):
    long = Reply("## Goal\nthe goal\n## Current state\n" + "a detail of the state. " * 3000
                 + "\n## Next steps\nthe last step", finish_reason="stop")
    ladder = Ladder(Window.of(8192), [summarize], model=ScriptedModel([long]), save_dir=tmp_path)
    messages = history(8)
    event = ladder.compact(messages, [], "manual", tail_budget=0)
    content = messages[1]["content"]
    fixed = TokenCounter().messages(messages[:1])
    bound = (ladder.window.target(fixed) - fixed) // 2
    assert TokenCounter().count_text(content) <= bound + 10
    assert "## Goal\nthe goal" in content and "the last step" in content
    assert "characters cut from the middle" in content and event.transcript in content
