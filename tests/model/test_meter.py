"""Per-call records and cost: the real client over real HTTP against the fake server, which
reports cached tokens the way OpenAI and vLLM do, the way llama.cpp does, or not at all."""

import csv
import json
import os
import subprocess
import sys

import pytest

from agent.model.client import OpenAICompatible
from agent.model.types import Reply, Timing, Usage
from agent.model.scripted import ScriptedModel
from agent.model.meter import Meter, Price, cost, cost_text, is_local, load_prices, price_for
from openai_server import FakeOpenAI

HISTORY = [{"role": "system", "content": "You are terse. " * 40},
           {"role": "user", "content": "What is in a.py? " * 10}]


def two_calls(server: FakeOpenAI, stream: bool = True) -> Meter:
    meter = Meter(OpenAICompatible(server.base_url, "key", "m", stream=stream))
    server.reply("It holds one function.")
    server.reply("Nothing else.")
    meter.complete(HISTORY, [], lambda e: None)
    meter.complete(HISTORY + [{"role": "assistant", "content": "It holds one function."},
                              {"role": "user", "content": "And b.py?"}], [], lambda e: None)
    return meter


@pytest.mark.parametrize("report, source", [("usage", "usage"), ("timings", "timings"),
                                            ("none", None)])
def test_cached_tokens_are_read_where_the_server_puts_them(report, source):
    with FakeOpenAI(cache_report=report) as server:
        meter = two_calls(server)
    first, second = meter.records
    if source is None:  # Ollama's /v1: unknown, not zero
        assert first.cached_tokens is None and second.cached_tokens is None
        assert meter.totals()["cache_reported"] is False
        return
    assert first.cached_tokens == 0
    # the second request repeats the first one's messages: the server says how much it reused
    assert second.cached_tokens > 0.8 * first.prompt_tokens
    assert second.cached_tokens < second.prompt_tokens


def test_llama_cpp_timings_are_kept_as_sent():
    with FakeOpenAI(cache_report="timings") as server:
        model = OpenAICompatible(server.base_url, "key", "m")
        server.reply("ok")
        reply = model.complete(HISTORY, [], lambda e: None)
    assert reply.timing.cached_from == "timings"
    assert reply.timing.server["prompt_ms"] == 12.5 and "cache_n" in reply.timing.server


@pytest.mark.parametrize("stream", [True, False])
def test_times_are_measured_per_call(server, stream):
    meter = two_calls(server, stream)
    for record in meter.records:
        assert record.total_s > 0 and record.served_by == "server"
        if stream:
            assert 0 < record.first_token_s <= record.total_s
            assert record.tokens_per_s is None or record.tokens_per_s > 0
        else:  # a whole reply has no first token of its own
            assert record.first_token_s is None and record.tokens_per_s is None
    assert [r.n for r in meter.records] == [1, 2]


def test_the_first_token_is_the_first_piece_of_the_answer():
    from agent.model.stream import has_token
    assert has_token({"choices": [{"delta": {"content": "hi"}}]})
    assert has_token({"choices": [{"delta": {"tool_calls": [{"index": 0}]}}]})
    assert not has_token({"choices": [{"delta": {"role": "assistant", "content": ""}}]})
    assert has_token({"choices": [{"delta": {}, "finish_reason": "tool_calls"}]})  # held back
    assert not has_token({"choices": [], "usage": {"prompt_tokens": 3}})


def test_a_local_endpoint_costs_nothing_and_a_hosted_one_is_priced():
    assert is_local("http://localhost:11434/v1") and is_local("http://127.0.0.1:8080/v1")
    assert is_local("http://192.168.1.20:8000/v1") and is_local("http://gpu-box.local:8000/v1")
    assert is_local(None)  # a scripted model
    assert not is_local("https://api.openai.com/v1") and not is_local("https://8.8.8.8/v1")
    prices = {"gpt-4.1-mini": Price(0.4, 1.6, 0.1), "gpt-4.1": Price(2.0, 8.0, 0.5)}
    assert price_for("gpt-4.1-mini-2025-04-14", prices) == prices["gpt-4.1-mini"]  # the longest
    assert price_for("llama3", prices) is None
    # 1M prompt tokens of which 400k cached, 100k out: 0.6*0.4 + 0.4*0.1 + 0.1*1.6
    assert cost((1_000_000, 100_000, 400_000), prices["gpt-4.1-mini"]) == pytest.approx(0.44)
    assert cost((1_000_000, 0, 1_000_000), Price(1.0, 2.0)) == pytest.approx(1.0)  # no cached rate


def test_dollars_per_call_and_in_total():
    replies = [Reply("a", usage=Usage(1_000_000, 100_000, 400_000), timing=Timing(cached_from="usage")),
               Reply("b", usage=Usage(1_000_000, 0, 0), timing=Timing(cached_from="usage"))]
    hosted = Meter(ScriptedModel(list(replies), name="gpt-4.1-mini"),
                   {"gpt-4.1-mini": Price(0.4, 1.6, 0.1)}, local=False)
    for _ in replies:
        hosted.complete(HISTORY, [], lambda e: None)
    assert [r.cost_usd for r in hosted.records] == [pytest.approx(0.44), pytest.approx(0.4)]
    assert hosted.totals()["cost_usd"] == pytest.approx(0.84)
    assert "Cost: $0.8400" in cost_text(hosted.totals())
    unknown = Meter(ScriptedModel(["x"], name="mystery"), {}, local=False)
    unknown.complete(HISTORY, [], lambda e: None)
    assert unknown.totals()["cost_usd"] is None
    assert "Cost: unknown" in cost_text(unknown.totals()) and "prices.json" in cost_text(unknown.totals())
    local = Meter(ScriptedModel(["x"], name="mystery"), {})
    local.complete(HISTORY, [], lambda e: None)
    assert local.totals()["cost_usd"] == 0 and "Cost: $0 (a local endpoint" in cost_text(local.totals())


def test_the_price_table_is_data_and_the_users_entries_win(tmp_path):
    table = load_prices()
    assert table["gpt-4.1-mini"].output > table["gpt-4.1-mini"].input > 0
    mine = tmp_path / "prices.json"
    mine.write_text(json.dumps({"gpt-4.1-mini": {"input": 9, "output": 9}, "my-model": {"input": 1, "output": 2}}))
    table = load_prices(mine)
    assert table["gpt-4.1-mini"] == Price(9, 9) and table["my-model"] == Price(1, 2)
    mine.write_text('{"my-model": {"inptu": 1}}')
    with pytest.raises(ValueError, match="prices.json: not a price table"):
        load_prices(mine)


def run(args, cwd, home):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return subprocess.run([sys.executable, "-m", "agent", *args], cwd=cwd, env={**env, "HOME": str(home)},
                          capture_output=True, text=True, timeout=60)


def test_json_output_and_the_csv_report(server, tmp_path):
    (tmp_path / "home").mkdir()
    server.reply(tool_calls=[("Read", {"file_path": str(tmp_path / "a.py")})])
    server.reply("It is empty.")
    (tmp_path / "a.py").write_text("")
    report = tmp_path / "calls.csv"
    done = run(["-p", "read a.py", "--base-url", server.base_url, "--output-format", "json",
                "--report", str(report)], tmp_path, tmp_path / "home")
    document = json.loads(done.stdout)
    cost_part = document["cost"]
    assert cost_part["calls"] == 2 and document["total_cost_usd"] == 0 and cost_part["local"]
    assert cost_part["prompt_tokens"] == sum(len(json.dumps(r["messages"], separators=(",", ":"))) // 4
                                             for r in server.requests)
    assert 0 < cost_part["cached_tokens"] < cost_part["prompt_tokens"]
    assert cost_part["served_by"] == {"server": 2}
    rows = list(csv.DictReader(report.open()))
    assert [row["n"] for row in rows] == ["1", "2"]
    assert sum(int(row["prompt_tokens"]) for row in rows) == cost_part["prompt_tokens"]
    assert rows[0]["cached_tokens"] == "0" and int(rows[1]["cached_tokens"]) > 0
    assert float(rows[1]["first_token_s"]) > 0 and rows[1]["cost_usd"] == "0.0"


def test_the_cost_command_shows_calls_caches_and_prefix_reuse(server, tmp_path, monkeypatch):
    from agent.session.compose import build_session
    from agent.config.config import load_config
    from agent.app.slash import command
    monkeypatch.setenv("HOME", str(tmp_path))
    config = load_config({"base_url": server.base_url, "model": "m", "cache": "exact"},
                         {"HOME": str(tmp_path)}, tmp_path)
    session = build_session(config, lambda e: None, ask=None)
    assert command(session, "/cost", "").startswith("No model calls yet.")
    server.reply(tool_calls=[("Glob", {"pattern": "*"})])
    server.reply("Nothing here.")
    session.run("what is here?")
    shown = command(session, "/cost", "").splitlines()
    assert shown[0].startswith("2 model calls: ") and " cached (" in shown[0]
    assert shown[2].startswith("Cost: $0 (a local endpoint http://127.0.0.1:")
    assert shown[3].startswith("Response cache exact (") and "0 hit(s), 2 miss(es)" in shown[3]
    assert shown[4].startswith("Prefix reuse: 100.0% of each previous prompt, over 2 requests")
