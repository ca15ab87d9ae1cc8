"""`agent doctor` against the fake server dressed as Ollama, llama.cpp and vLLM: the card, its
cache, the problems with their fixes, and what the next session takes from the card."""

import json
import os
import subprocess
import sys
import time

import pytest

from agent.config.config import load_config
from agent.app.doctor import examine, main, render
from agent.config.doctor_card import card_path, load_card, save_card
from openai_server import FakeOpenAI


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # the cache and the user's profiles live here
    return tmp_path


def script_good_answers(server, **stream_quirks) -> None:
    """A: a parsed call; B: two streamed calls; C: a call under tool_choice; D: a plain answer."""
    server.reply(tool_calls=[("add", {"a": 2, "b": 3})])
    server.reply(tool_calls=[("add", {"a": 2, "b": 3}), ("add", {"a": 4, "b": 5})], **stream_quirks)
    server.reply(tool_calls=[("add", {"a": 2, "b": 3})])
    server.reply(text="42", reasoning="17 + 25 = 42", reasoning_as="think")


def finding(card, name):
    return next(f for f in card.findings if f.name == name)


def test_a_llama_cpp_server_gets_a_full_card(server, home):
    server.routes["GET /props"] = {"default_generation_settings": {"n_ctx": 8192}, "build_info": "b4567"}
    script_good_answers(server)
    card = examine(server.base_url, "fake-model")
    assert (card.kind, card.models, card.native_tools, card.stream_tools) == ("llamacpp", ["fake-model"], True, True)
    assert (card.parallel, card.tool_choice, card.reasoning) == ("2 calls", True, "think tags")
    assert (card.usage_in_stream, card.cached_tokens, card.context_window) == (True, True, 8192)
    context = finding(card, "context")
    assert context.status == "problem" and "8192 tokens" in context.detail
    assert context.fix.startswith("restart llama-server with `-c 32768`")
    requests = server.requests
    assert [bool(r.get("tools")) for r in requests] == [True, True, True, False]
    assert requests[1]["stream"] and requests[1]["stream_options"] == {"include_usage": True}
    assert requests[2]["tool_choice"]["function"]["name"] == "add"
    assert all(r["max_tokens"] <= 200 for r in requests)

    text = render(card, save_card(card))
    assert text.splitlines()[0] == f"agent doctor  {server.base_url}  model fake-model"
    assert "  ok       server          llama.cpp (llama-server), build b4567" in text
    assert "  problem  context         8192 tokens (llama.cpp /props n_ctx)" in text
    assert card.window_source == "llama.cpp /props n_ctx"  # a start asks nothing more
    assert "                           fix: restart llama-server with `-c 32768`" in text
    assert text.endswith(f"1 problem; card saved to {card_path(server.base_url, 'fake-model')}")
    assert card_path(server.base_url, "fake-model").parent == home / ".agent" / "cache" / "doctor"
    assert load_card(server.base_url, "fake-model") == card


def test_ollama_index_zero_calls_and_a_small_context(server):
    server.routes["GET /api/version"] = {"version": "0.12.3"}
    server.routes["GET /api/ps"] = {"models": [{"name": "fake-model", "model": "fake-model",
                                                "context_length": 4096}]}
    script_good_answers(server, index_zero=True)
    card = examine(server.base_url, "fake-model")
    assert finding(card, "server").detail == "Ollama, version 0.12.3"
    assert finding(card, "parallel calls").detail == "2 calls; every call at index 0 (agent/model/stream.py splits them)"
    context = finding(card, "context")
    assert (context.status, card.context_window) == ("problem", 4096)
    assert "OLLAMA_CONTEXT_LENGTH=32768 ollama serve" in context.fix and "PARAMETER num_ctx 32768" in context.fix


def test_ollama_context_from_the_modelfile_when_not_loaded(server):
    server.routes["GET /api/version"] = {"version": "0.12.3"}
    server.routes["POST /api/show"] = {"parameters": "num_ctx                        32768\nstop \"<|im_end|>\""}
    script_good_answers(server)
    card = examine(server.base_url, "fake-model")
    assert finding(card, "context").status == "ok" and card.context_window == 32768
    assert card.window_source == "Ollama num_ctx in the Modelfile"


def test_ollama_default_context_is_a_note_and_not_kept(server):
    server.routes["GET /api/version"] = {"version": "0.12.3"}
    server.routes["POST /api/show"] = {"parameters": "stop \"<|im_end|>\"",
                                       "model_info": {"qwen2.context_length": 32768}}
    script_good_answers(server)
    card = examine(server.base_url, "fake-model")
    context = finding(card, "context")
    assert context.status == "note" and context.detail.startswith("Ollama's default 4096")
    assert "OLLAMA_CONTEXT_LENGTH" in context.fix
    assert (card.context_window, card.window_source) == (None, "")  # the next start asks


def test_a_server_that_refuses_tools(home):
    with FakeOpenAI(reject_tools=True) as server:
        server.routes["GET /api/version"] = {"version": "0.5.1"}
        server.reply(text="42")
        card = examine(server.base_url, "fake-model")
        requests = server.requests
    tools = finding(card, "native tools")
    assert (tools.status, card.native_tools) == ("problem", False)
    assert "does not support tools" in tools.detail and "ollama show MODEL" in tools.fix
    assert len(requests) == 2 and "tools" not in requests[1]  # no stream or tool_choice probe
    save_card(card)
    config = load_config({"base_url": server.base_url, "model": "fake-model"}, {"HOME": str(home)}, home)
    assert (config.tool_mode, config.sources["tool_mode"]) == ("text", "agent doctor")
    assert config.provider == "ollama"  # the tripwire names Ollama's fix for this endpoint


def test_a_stream_without_usage_is_a_problem_with_its_fix(server):
    server.reply(tool_calls=[("add", {"a": 2, "b": 3})])
    server.reply(tool_calls=[("add", {"a": 2, "b": 3})], usage=False)
    card = examine(server.base_url, "fake-model")
    usage = finding(card, "usage")
    assert (usage.status, card.usage_in_stream) == ("problem", False)
    assert usage.fix == "update the server, or use --no-stream"
    assert finding(card, "parallel calls").detail == "1 call (the model did not call in parallel)"
    assert finding(card, "server").status == "note"  # an OpenAI-compatible server of unknown kind


def test_vllm_reports_its_max_model_len(server):
    server.routes["GET /v1/models"] = {"object": "list", "data": [
        {"id": "fake-model", "object": "model", "owned_by": "vllm", "max_model_len": 32768}]}
    script_good_answers(server)
    card = examine(server.base_url, "fake-model")
    assert (card.kind, card.context_window, finding(card, "context").status) == ("vllm", 32768, "ok")


def test_a_model_the_server_does_not_have(server):
    script_good_answers(server)
    card = examine(server.base_url, "qwen2.5-coder:7b")
    model = finding(card, "model")
    assert model.status == "problem" and model.fix.startswith("--model fake-model")


def test_an_unreachable_server(home, capsys):
    assert main(["--base-url", "http://127.0.0.1:9/v1", "--model", "m"]) == 1
    out = capsys.readouterr().out
    assert "problem  server" in out and "cannot reach http://127.0.0.1:9/v1" in out
    assert not (home / ".agent" / "cache").exists()  # nothing learned, nothing saved


def test_a_damaged_card_is_ignored(server, home):
    path = card_path(server.base_url, "fake-model")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert load_card(server.base_url, "fake-model") is None
    path.write_text('{"model": "fake-model"}')  # base_url missing
    assert load_card(server.base_url, "fake-model") is None


def test_agent_doctor_as_a_command(server, tmp_path):
    server.routes["GET /props"] = {"default_generation_settings": {"n_ctx": 65536}}
    script_good_answers(server)
    script_good_answers(server)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    env = {**base, "HOME": str(tmp_path), "AGENT_MODEL": "fake-model"}
    done = subprocess.run([sys.executable, "-m", "agent", "doctor", "--base-url", server.base_url, "--json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    card = json.loads(done.stdout)
    assert (card["kind"], card["model"], card["context_window"]) == ("llamacpp", "fake-model", 65536)
    assert json.loads(card_path(server.base_url, "fake-model", tmp_path).read_text()) == card
    done = subprocess.run([sys.executable, "-m", "agent", "doctor", "--base-url", server.base_url],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "no problems; card saved to" in done.stdout
    assert "ok       context         65536 tokens" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "agent", "doctor", "--provider", "tgi"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "unknown provider 'tgi'" in bad.stderr


@pytest.mark.real_model
def test_the_card_of_a_real_llama_server(llama_server):
    card = examine(llama_server.base_url, "qwen2.5-coder-0.5b", chat_timeout=300)
    assert (card.kind, card.context_window, card.usage_in_stream) == ("llamacpp", 8192, True)
    assert finding(card, "context").status == "problem"  # the test server runs with -c 8192
    assert finding(card, "native tools").status in ("ok", "note")  # the 0.5B often writes text


def doctor_process(server, tmp_path, *flags):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    env = {**base, "HOME": str(tmp_path), "AGENT_MODEL": "fake-model"}
    return subprocess.Popen([sys.executable, "-m", "agent", "doctor", "--base-url", server.base_url,
                             *flags], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_doctor_prints_its_header_at_once_and_a_stalled_server_ends_at_the_timeout(server, tmp_path):
    server.fault(wait=float("inf"))  # the first chat request: accepted, never answered
    start = time.monotonic()
    with doctor_process(server, tmp_path, "--timeout", "1") as child:
        first = child.stdout.readline()
        header_after = time.monotonic() - start
        rest, _ = child.communicate(timeout=30)
    assert first.startswith(f"agent doctor  {server.base_url}") and header_after < 5
    assert "native tools" in rest and "timed out" in rest and child.returncode == 1
    assert rest.count("skipped: a chat request timed out after 1 s") >= 2  # not waited for again
    assert time.monotonic() - start < 15 and len(server.requests) == 1


def test_doctor_bounds_an_answer_that_drips(server, tmp_path):
    answer = json.dumps({"id": "c", "object": "chat.completion", "created": 0, "model": "m",
                         "choices": [{"index": 0, "finish_reason": "stop", "message":
                                      {"role": "assistant", "content": "5"}}]}).encode()
    server.fault(answer, content_type="application/json", length=True, drip=0.05)  # ~8 s
    start = time.monotonic()
    with doctor_process(server, tmp_path, "--timeout", "1") as child:
        out, _ = child.communicate(timeout=30)
    assert "no whole answer in 1 s" in out and time.monotonic() - start < 10
