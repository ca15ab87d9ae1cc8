"""The server's real window: asked of the fake server dressed as each kind, odd answers, a
server that is down or hangs, the cache on the doctor's card, and who wins over whom."""

import json
import socket
import time

import pytest

from agent.config.config import load_config
from agent.config.doctor_card import Card, card_path, load_card, save_card
from agent.config.server_window import Answer, ask_window, settle_window
from openai_server import FakeOpenAI, Raw

PROPS = "GET /props"
VLLM_MODELS = {"object": "list", "data": [
    {"id": "other", "object": "model", "owned_by": "vllm", "max_model_len": 4096},
    {"id": "fake-model", "object": "model", "owned_by": "vllm", "max_model_len": 24576}]}


def probes(server) -> list[str]:
    """The requests that were not chats."""
    return [s for s in server.seen if not s.endswith("/chat/completions")]


@pytest.mark.parametrize("routes, expected", [
    ({PROPS: {"default_generation_settings": {"n_ctx": 32768}}},
     Answer(32768, "llama.cpp /props n_ctx", "llamacpp")),
    ({PROPS: {"default_generation_settings": {"params": {"n_ctx": 16384}}}},
     Answer(16384, "llama.cpp /props n_ctx", "llamacpp")),
    ({PROPS: {"default_generation_settings": {}, "n_ctx": 12288}},
     Answer(12288, "llama.cpp /props n_ctx", "llamacpp")),
    ({"GET /api/ps": {"models": [{"name": "fake-model:latest", "model": "fake-model:latest",
                                  "context_length": 8192}]}},
     Answer(8192, "Ollama /api/ps, as loaded", "ollama")),
    ({"POST /api/show": {"parameters": "num_ctx                        32768\nstop \"<|im_end|>\"",
                         "model_info": {"qwen2.context_length": 131072}}},
     Answer(32768, "Ollama num_ctx in the Modelfile", "ollama")),
    ({"POST /api/show": {"parameters": "stop \"<|im_end|>\"",
                         "model_info": {"qwen2.context_length": 131072}}},
     Answer(4096, "Ollama's default 4096: no num_ctx, model not loaded yet", "ollama", settled=False)),
    ({"POST /api/show": {"model_info": {"llama.context_length": 2048}}},
     Answer(2048, "Ollama's default 4096: no num_ctx, model not loaded yet", "ollama", settled=False)),
    ({"GET /v1/models": VLLM_MODELS}, Answer(24576, "vLLM /v1/models max_model_len", "vllm")),
    ({"GET /api/v0/models": {"data": [{"id": "fake-model", "state": "loaded", "max_context_length": 131072,
                                       "loaded_context_length": 16384}]}},
     Answer(16384, "LM Studio /api/v0/models loaded_context_length", "lmstudio")),
    ({"GET /api/v0/models": {"data": [{"id": "fake-model", "state": "not-loaded",
                                       "max_context_length": 131072}]}},
     Answer(None, "LM Studio: the model is not loaded yet", "lmstudio", settled=False)),
    ({}, Answer(None, "not reported by this server")),
], ids=["llamacpp", "llamacpp-params", "llamacpp-top", "ollama-ps", "ollama-num_ctx",
        "ollama-default", "ollama-small-model", "vllm", "lmstudio", "lmstudio-not-loaded", "none"])
def test_each_kind_of_server_says_its_window(server, routes, expected):
    server.routes.update(routes)
    assert ask_window(server.base_url, "fake-model") == expected
    assert server.requests == []  # no chat request is spent on it


def test_ollama_is_asked_with_the_model_and_the_kind_expected_goes_first(server):
    server.routes["POST /api/show"] = {"parameters": "num_ctx 16384"}
    server.routes[PROPS] = {"default_generation_settings": {"n_ctx": 8192}}  # not asked
    assert ask_window(server.base_url, "fake-model", kind="ollama").size == 16384
    assert probes(server) == ["GET /api/ps", "POST /api/show"]
    assert server.route_bodies == [{"model": "fake-model"}]


@pytest.mark.parametrize("n_ctx, expected", [
    ("32768", 32768), (32768.0, 32768), (0, None), (-4096, None), (10**30, None), (True, None),
    (None, None), ("lots", None), ([8192], None), ({"n": 8192}, None), (100, None),
])
def test_odd_numbers_are_not_windows(server, n_ctx, expected):
    server.routes[PROPS] = {"default_generation_settings": {"n_ctx": n_ctx}}
    assert ask_window(server.base_url, "fake-model").size == expected


@pytest.mark.parametrize("answer", [
    Raw("<html><body>It works!</body></html>", content_type="text/html"),
    Raw('{"default_generation_settings": ', status=200),
    Raw('{"error": "not found"}', status=404),
    Raw("[]"), Raw('"text"'), Raw("null"), Raw('{"default_generation_settings": [1, 2]}'),
    Raw('{"models": "none", "data": {"id": 1}, "parameters": 7}'), Raw(b"\xff\xfe\x00"),
], ids=["html", "cut", "404", "list", "string", "null", "list-settings", "wrong-types", "binary"])
def test_garbage_from_every_endpoint_is_no_window_and_no_error(server, answer):
    for route in (PROPS, "GET /api/ps", "POST /api/show", "GET /v1/models", "GET /api/v0/models"):
        server.routes[route] = answer
    assert ask_window(server.base_url, "fake-model") == Answer(None, "not reported by this server")


def test_an_answer_cut_short_is_no_answer_and_not_kept(server, capfd):
    server.routes[PROPS] = Raw('{"default_generation_settings": {"n_ctx": 32768}}', length=500)
    assert ask_window(server.base_url, "fake-model") is None  # not "not reported": asked again
    assert capfd.readouterr().err == ""  # no traceback from the thread


def test_a_server_that_is_down_costs_nothing():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    assert ask_window(f"http://127.0.0.1:{port}/v1", "m") is None
    assert time.monotonic() - start < 0.5


@pytest.mark.parametrize("route", [PROPS, "GET /api/ps", "GET /v1/models"])
def test_a_server_that_hangs_costs_the_bound_and_no_more(server, route):
    server.routes[route] = Raw(wait=float("inf"))
    start = time.monotonic()
    assert ask_window(server.base_url, "fake-model", seconds=0.6) is None
    assert time.monotonic() - start < 0.9


def test_a_slow_server_within_the_bound_is_heard(server):
    server.routes[PROPS] = Raw(json.dumps({"default_generation_settings": {"n_ctx": 20480}}), wait=0.3)
    assert ask_window(server.base_url, "fake-model", seconds=2).size == 20480


@pytest.mark.parametrize("tail", ["", "/"])
def test_a_base_url_with_a_path_prefix_or_a_trailing_slash(tail):
    with FakeOpenAI(prefix="/proxy/llm") as server:
        server.routes[PROPS] = {"default_generation_settings": {"n_ctx": 32768}}
        assert ask_window(server.base_url + tail, "fake-model").size == 32768
        assert probes(server) == ["GET /proxy/llm/props"]
        server.routes.clear()
        server.routes["GET /v1/models"] = VLLM_MODELS
        assert ask_window(server.base_url + tail, "fake-model", kind="vllm").size == 24576
        assert probes(server)[-1] == "GET /proxy/llm/v1/models"


# What a start does with it: settle_window after load_config, as the CLI does.

def start(server, home, model="fake-model", flags=None, environ=None):
    environ = {"HOME": str(home), **(environ or {})}
    config = load_config({"base_url": server.base_url, "model": model, **(flags or {})},
                         environ, home)
    settle_window(config, home)
    return config


def test_asked_once_then_read_from_the_card(server, tmp_path):
    server.routes[PROPS] = {"default_generation_settings": {"n_ctx": 32768}}
    config = start(server, tmp_path)
    assert (config.context_window, config.sources["context_window"]) == (
        32768, "server (llama.cpp /props n_ctx)")
    assert (config.provider, config.sources["provider"]) == ("llamacpp", "the server")
    card = load_card(server.base_url, "fake-model", tmp_path)
    assert (card.context_window, card.window_source, card.kind) == (32768, "llama.cpp /props n_ctx", "llamacpp")
    assert card_path(server.base_url, "fake-model", tmp_path).parent == tmp_path / ".agent" / "cache" / "doctor"
    n_seen = len(server.seen)
    again = start(server, tmp_path)
    assert len(server.seen) == n_seen  # no request: the card answered
    assert (again.context_window, again.sources["context_window"]) == (
        32768, "server (llama.cpp /props n_ctx)")
    assert (again.provider, again.sources["provider"]) == ("llamacpp", "the server")


def test_the_smaller_of_the_profile_and_the_server(server, tmp_path):
    model = "qwen2.5-coder:7b"  # its profile says 32768
    server.routes[PROPS] = {"default_generation_settings": {"n_ctx": 65536}}
    config = start(server, tmp_path / "a", model)
    assert (config.context_window, config.sources["context_window"]) == (32768, "profile qwen2.5-coder")
    server.routes[PROPS] = {"default_generation_settings": {"n_ctx": 16384}}
    config = start(server, tmp_path / "b", model)
    assert (config.context_window, config.sources["context_window"]) == (16384, "server (llama.cpp /props n_ctx)")
    server.routes[PROPS] = {"default_generation_settings": {"n_ctx": 32768}}
    config = start(server, tmp_path / "c", model)  # a tie: the server's is the hard limit
    assert (config.context_window, config.sources["context_window"]) == (32768, "server (llama.cpp /props n_ctx)")


@pytest.mark.parametrize("flags, environ, source", [
    ({"context_window": 4096}, {}, "flag"),
    ({}, {"AGENT_CONTEXT_WINDOW": "6144"}, "environment"),
])
def test_what_the_user_sets_wins_and_nothing_is_asked(server, tmp_path, flags, environ, source):
    server.routes[PROPS] = {"default_generation_settings": {"n_ctx": 32768}}
    config = start(server, tmp_path, flags=flags, environ=environ)
    assert config.sources["context_window"] == source and config.context_window in (4096, 6144)
    assert probes(server) == [] and load_card(server.base_url, "fake-model", tmp_path) is None


def test_a_dotenv_window_wins_too(server, tmp_path):
    (tmp_path / ".env").write_text("AGENT_CONTEXT_WINDOW=12288\n")
    server.routes[PROPS] = {"default_generation_settings": {"n_ctx": 32768}}
    config = start(server, tmp_path)
    assert (config.context_window, config.sources["context_window"]) == (12288, ".env")
    assert probes(server) == []


def test_a_guess_is_used_but_not_kept(server, tmp_path):
    server.routes["POST /api/show"] = {"parameters": "", "model_info": {"qwen2.context_length": 32768}}
    config = start(server, tmp_path)
    assert (config.context_window, config.sources["context_window"]) == (
        4096, "server (Ollama's default 4096: no num_ctx, model not loaded yet)")
    assert load_card(server.base_url, "fake-model", tmp_path) is None
    server.routes["GET /api/ps"] = {"models": [{"name": "fake-model", "context_length": 32768}]}
    config = start(server, tmp_path)  # asked again; loaded now, and kept
    assert (config.context_window, config.sources["context_window"]) == (32768, "server (Ollama /api/ps, as loaded)")
    assert load_card(server.base_url, "fake-model", tmp_path).context_window == 32768


def test_a_server_that_says_nothing_is_asked_once(server, tmp_path):
    config = start(server, tmp_path)
    assert config.context_window == 8192 and "context_window" not in config.sources
    card = load_card(server.base_url, "fake-model", tmp_path)
    assert (card.context_window, card.window_source) == (None, "not reported by this server")
    n_seen = len(server.seen)
    assert start(server, tmp_path).context_window == 8192 and len(server.seen) == n_seen


def test_down_or_hanging_keeps_the_default_and_keeps_nothing(server, tmp_path):
    server.routes[PROPS] = Raw(wait=float("inf"))
    config = load_config({"base_url": server.base_url, "model": "fake-model"}, {"HOME": str(tmp_path)}, tmp_path)
    start_time = time.monotonic()
    settle_window(config, tmp_path, seconds=0.5)
    assert time.monotonic() - start_time < 0.8
    assert config.context_window == 8192 and "context_window" not in config.sources
    assert not (tmp_path / ".agent").exists()


def test_a_doctor_card_is_kept_and_an_old_one_is_completed(server, tmp_path):
    server.routes[PROPS] = {"default_generation_settings": {"n_ctx": 32768}}
    old = Card(server.base_url, "fake-model", kind="llamacpp", context_window=8192, native_tools=False)
    save_card(old, tmp_path)  # an older doctor's card: a window, but not where it came from
    config = start(server, tmp_path)
    assert (config.context_window, config.sources["context_window"]) == (32768, "server (llama.cpp /props n_ctx)")
    card = load_card(server.base_url, "fake-model", tmp_path)
    assert (card.native_tools, card.window_source, config.tool_mode) == (False, "llama.cpp /props n_ctx", "text")
    server.routes[PROPS] = {"default_generation_settings": {"n_ctx": 4096}}  # restarted: not seen
    assert start(server, tmp_path).context_window == 32768


def test_no_question_for_a_cloud_api_or_a_replay(server, tmp_path):
    server.routes[PROPS] = {"default_generation_settings": {"n_ctx": 32768}}
    config = start(server, tmp_path, flags={"provider": "openai"})
    assert config.context_window == 8192
    recording = tmp_path / "r.jsonl"
    recording.write_text("")
    config = start(server, tmp_path, flags={"replay": recording})
    assert config.context_window == 8192 and probes(server) == []
