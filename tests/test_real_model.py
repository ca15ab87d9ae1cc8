"""The harness against a real server and a real model: llama-server with Qwen2.5-Coder-0.5B.

These check the harness, not the model's intelligence: the real client gets a whole answer,
a stream of deltas with usage, and the prompt-cache count that a repeated prompt earns. The
speed figures are printed, not asserted (they are in docs/14-local-models.md).
Skipped, with the reason shown, until `bash scripts/local-llm.sh setup` has run; deselect
with `pytest -m "not real_model"`. Replies are kept short (max_tokens) so each takes seconds.
"""

import json
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from agent.model.client import OpenAICompatible
from agent.events import TextDelta

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.real_model

SHORT = {"max_tokens": 32, "temperature": 0}
QUESTION = [{"role": "user", "content": "Answer with one word: what is the opposite of 'up'?"}]


def model(server, stream: bool = True) -> OpenAICompatible:
    return OpenAICompatible(server.base_url, "none", "qwen2.5-coder-0.5b", stream=stream,
                            extra_body=SHORT)


def long_prompt(n_functions: int = 40) -> list[dict]:
    """About 750 tokens of code to summarize, behind a unique first line: nothing in the
    server's cache shares more than the chat template's few opening tokens with it."""
    code = "\n".join(f"def step_{i}(x):\n    return x * {i} + {i % 7}\n" for i in range(n_functions))
    return [{"role": "system", "content": f"Session {uuid.uuid4().hex}. You review Python code."},
            {"role": "user", "content": f"{code}\nIn one sentence, what does this code do?"}]


def post(server, messages: list[dict], **options) -> dict:
    """One raw non-streamed request: the whole JSON answer, llama.cpp's `timings` included."""
    body = json.dumps({"model": "any", "messages": messages, **SHORT, **options}).encode()
    request = urllib.request.Request(f"{server.base_url}/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)


def test_a_plain_answer_comes_back_whole(llama_server):
    events: list = []
    reply = model(llama_server, stream=False).complete(QUESTION, [], events.append)
    assert reply.text.strip()
    assert reply.finish_reason == "stop"
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0


def test_a_streamed_answer_arrives_as_deltas_with_usage(llama_server):
    events: list = []
    reply = model(llama_server).complete(QUESTION, [], events.append)
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert deltas and "".join(deltas) == reply.text
    assert reply.finish_reason == "stop"
    assert reply.usage.prompt_tokens > 0  # the server's count, not the chars / 4 estimate


def test_a_repeated_prompt_is_read_from_the_prompt_cache(llama_server, capsys):
    client, messages = model(llama_server), long_prompt()
    started = time.perf_counter()
    cold = client.complete(messages, [], lambda event: None)
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    warm = client.complete(messages, [], lambda event: None)
    warm_s = time.perf_counter() - started
    assert warm.usage.prompt_tokens == cold.usage.prompt_tokens
    assert cold.usage.cached_tokens < 0.1 * cold.usage.prompt_tokens
    assert warm.usage.cached_tokens > 0.9 * warm.usage.prompt_tokens
    with capsys.disabled():
        print(f"\n  {cold.usage.prompt_tokens}-token prompt: cold {cold_s:.1f} s "
              f"({cold.usage.cached_tokens} cached), again {warm_s:.1f} s "
              f"({warm.usage.cached_tokens} cached)")


def test_speeds_are_measured(llama_server, capsys):
    cold = post(llama_server, long_prompt(), max_tokens=64)
    again = post(llama_server, [{"role": "user", "content": "Count from 1 to 100, one number "
                                 "per line."}], max_tokens=64)
    with capsys.disabled():
        for name, answer in (("long prompt", cold), ("short prompt", again)):
            t = answer["timings"]
            print(f"\n  {name}: prompt {t['prompt_n']} tokens at {t['prompt_per_second']:.0f} "
                  f"tokens/s ({t['cache_n']} cached), generation {t['predicted_n']} tokens at "
                  f"{t['predicted_per_second']:.0f} tokens/s")


def test_a_real_task_through_the_repair_ladder(llama_server, tmp_path, capsys):
    """Read a file and report a word from it. The 0.5B model writes its call as JSON in the
    content, so the call only runs if the repair ladder finds it; after the result it often
    repeats the call, and the doom-loop guard must end that cleanly. Built as build_session
    builds it, with replies capped at 128 tokens so that the test takes seconds, not minutes."""
    from agent.context.system_prompt import system_prompt
    from agent.loop.repeat_guard import RepeatGuard
    from agent.loop.turn import Agent
    from agent.model.tool_repair import ToolCallRepair
    from agent.tools import ToolContext, default_tools
    from invariants import assert_paired

    (tmp_path / "secret.txt").write_text("The password is PELICAN.\n")
    client = OpenAICompatible(llama_server.base_url, "none", "qwen2.5-coder-0.5b",
                              extra_body={"max_tokens": 128, "temperature": 0})
    model = ToolCallRepair(client, "auto")
    agent = Agent(model, default_tools(), system_prompt(tmp_path), ToolContext(cwd=tmp_path),
                  max_turns=6)
    agent.after_tool.add(RepeatGuard(lambda: agent.messages, 3))
    end = agent.run("Use the Read tool to read secret.txt, then tell me the password in it.")
    assert_paired(agent.messages)
    results = [m["content"] for m in agent.messages if m["role"] == "tool"]
    # The harness is under test, not the model: Read must have really run on the file (its
    # content, or Read's own answer about it, e.g. an offset past the end), whichever rung
    # delivered the call; a call lost as text or as bad JSON would not get here.
    ran = [r for r in results if "PELICAN" in r or "secret.txt" in r and "no tool named" not in r]
    assert ran, f"Read never ran: {agent.messages[2:]}"
    assert end.stop_reason in ("end_turn", "repeated_call", "max_turns"), end
    with capsys.disabled():
        print(f"\n  real task: stop={end.stop_reason} turns={end.n_turns} rungs={model.stats} "
              f"answer={end.text[:80]!r}")
    rungs = next(iter(model.stats.values()))
    assert rungs.get("native", 0) + rungs.get("in_content", 0) + rungs.get("text_mode", 0) >= 1


def test_per_call_records_read_what_llama_cpp_reports(llama_server, capsys):
    from agent.model.meter import Meter
    meter, messages = Meter(model(llama_server)), long_prompt()
    first = meter.complete(messages, [], lambda event: None)
    meter.complete(messages + [first.to_message(), {"role": "user", "content": "Shorter."}], [],
                   lambda event: None)
    cold, warm = meter.records
    assert first.timing.server.get("prompt_n", 0) > 0  # llama.cpp's own timings, as sent
    assert first.timing.cached_from in ("usage", "timings")
    assert cold.cached_tokens is not None and cold.cached_tokens < 0.1 * cold.prompt_tokens
    assert warm.cached_tokens > 0.8 * cold.prompt_tokens  # the whole first request reused
    for record in (cold, warm):
        assert 0 < record.first_token_s < record.total_s and record.cost_usd == 0
    assert warm.first_token_s < cold.first_token_s
    with capsys.disabled():
        print(f"\n  per-call records: first token {cold.first_token_s:.2f} s cold, "
              f"{warm.first_token_s:.2f} s with {warm.cached_tokens} of {warm.prompt_tokens} cached; "
              f"{warm.tokens_per_s} tokens/s")


def test_the_window_is_the_servers_not_the_profiles(llama_server, tmp_path):
    """llama-server runs with -c 8192 here, and Qwen2.5-Coder's profile claims 32768: with no
    flag, the harness asks /props and uses 8192, then reads it from the card next time."""
    from agent.config.config import load_config
    from agent.config.server_window import settle_window

    flags = {"base_url": llama_server.base_url, "model": "qwen2.5-coder-0.5b"}
    env = {"HOME": str(tmp_path)}
    config = load_config(flags, env, tmp_path)
    assert config.context_window == 32768  # the profile's claim, before the server is asked
    settle_window(config, tmp_path)
    assert config.context_window == 8192
    assert config.sources["context_window"] == "server (llama.cpp /props n_ctx)"
    again = load_config(flags, env, tmp_path)  # from the card: no question this time
    assert (again.context_window, again.sources["context_window"]) == (
        8192, "server (llama.cpp /props n_ctx)")


def test_the_task_runner_and_its_checks_run_end_to_end_on_the_real_model(llama_server, tmp_path,
                                                                           capsys):
    """Two quick tasks of two kinds (a fact, a command), lean, replies capped: the runner,
    the recording proxy and the checks work with a real server (not a solve rate: a 0.5B
    model promises none). The full suite is a benchmark, run by hand (docs/14-local-models.md)."""
    import csv

    out = tmp_path / "runs.csv"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "tasks.py"), "--base-url",
                           llama_server.base_url, "--model", "qwen2.5-coder-0.5b", "--quick",
                           "--tasks", "01-*,15-*", "--harness", "ours-lean", "--max-turns", "2",
                           "--max-tokens", "128", "--csv", str(out)], capture_output=True,
                          text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 2 and all(int(r["turns"]) >= 1 and int(r["prompt_tokens"]) > 0 for r in rows)
    assert all(r["first_prompt_ms"] and r["why"] for r in rows)  # llama.cpp's timings, a verdict
    with capsys.disabled():
        print("\n" + done.stdout)
