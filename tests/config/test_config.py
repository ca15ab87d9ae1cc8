"""Where each setting comes from: defaults < .env < environment < flags."""

import pytest

from agent.config.config import DEFAULT_BASE_URL, DEFAULT_CONTEXT_WINDOW, ConfigError, load_config

NO_FLAGS = {"base_url": None, "api_key": None, "model": None}


def test_defaults(tmp_path):
    config = load_config(NO_FLAGS, {}, tmp_path)
    assert config.base_url == DEFAULT_BASE_URL == "http://localhost:11434/v1"
    assert config.stream is True and config.permission_mode == "default"


def test_dotenv_then_environment_then_flags(tmp_path):
    (tmp_path / ".env").write_text("OPENAI_BASE_URL=http://dotenv/v1\nAGENT_MODEL=dot-model\n"
                                   "OPENAI_API_KEY=dot-key\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    config = load_config(NO_FLAGS, {}, sub)  # found in a parent folder
    assert (config.base_url, config.model, config.api_key) == ("http://dotenv/v1", "dot-model", "dot-key")
    assert config.sources["model"] == ".env"

    config = load_config(NO_FLAGS, {"AGENT_MODEL": "env-model"}, sub)
    assert (config.base_url, config.model) == ("http://dotenv/v1", "env-model")

    config = load_config({**NO_FLAGS, "model": "flag-model"}, {"AGENT_MODEL": "env-model"}, sub)
    assert config.model == "flag-model" and config.sources["model"] == "flag"


def test_dotenv_does_not_touch_the_process_environment(tmp_path, monkeypatch):
    import os
    monkeypatch.delenv("AGENT_MODEL", raising=False)
    (tmp_path / ".env").write_text("AGENT_MODEL=dot-model\n")
    load_config(NO_FLAGS, os.environ, tmp_path)
    assert "AGENT_MODEL" not in os.environ


# --provider, --context-window and what the model's profile and `agent doctor` fill in.

def test_a_provider_sets_the_base_url_unless_one_is_given(tmp_path):
    config = load_config({"provider": "vllm"}, {}, tmp_path)
    assert (config.base_url, config.sources["base_url"]) == ("http://localhost:8000/v1", "provider vllm")
    config = load_config({}, {"AGENT_PROVIDER": "LMStudio"}, tmp_path)
    assert (config.provider, config.base_url) == ("lmstudio", "http://localhost:1234/v1")
    for flags, environ in (({"base_url": "http://gpu:9000/v1"}, {}), ({}, {"OPENAI_BASE_URL": "http://gpu:9000/v1"})):
        config = load_config({"provider": "vllm", **flags}, environ, tmp_path)
        assert (config.base_url, config.provider) == ("http://gpu:9000/v1", "vllm")
    (tmp_path / ".env").write_text("OPENAI_BASE_URL=http://dotenv:9000/v1\n")
    assert load_config({"provider": "vllm"}, {}, tmp_path).base_url == "http://dotenv:9000/v1"


def test_without_a_provider_the_kind_is_guessed_from_the_url(tmp_path):
    assert load_config({}, {}, tmp_path).provider == "ollama"  # the default base URL is Ollama's
    config = load_config({"base_url": "http://127.0.0.1:8080/v1"}, {}, tmp_path)
    assert (config.provider, config.sources["provider"]) == ("llamacpp", "the base URL")
    assert load_config({"base_url": "http://box:5000/v1"}, {}, tmp_path).provider is None


def test_bad_values_are_errors_that_name_their_source(tmp_path):
    with pytest.raises(ConfigError, match="unknown provider 'tgi'"):
        load_config({"provider": "tgi"}, {}, tmp_path)
    with pytest.raises(ConfigError, match=r"AGENT_CONTEXT_WINDOW \(environment\) must be a positive"):
        load_config({}, {"AGENT_CONTEXT_WINDOW": "32k"}, tmp_path)
    with pytest.raises(ConfigError, match=r"AGENT_MAX_TOKENS \(environment\) must be a positive"):
        load_config({}, {"AGENT_MAX_TOKENS": "0"}, tmp_path)
    assert load_config({}, {"AGENT_MAX_TOKENS": "700"}, tmp_path).max_tokens == 700


def test_context_window_flag_then_environment_then_profile_then_doctor_then_default(tmp_path):
    from agent.config.doctor_card import save_card
    from agent.config.doctor_card import Card

    unknown = {"base_url": "http://box:5000/v1", "model": "my-finetune"}
    home = {"HOME": str(tmp_path)}
    config = load_config(unknown, home, tmp_path)
    assert config.context_window == DEFAULT_CONTEXT_WINDOW == 8192
    save_card(Card("http://box:5000/v1", "my-finetune", kind="vllm", context_window=24576,
                   native_tools=False), home=tmp_path)
    config = load_config(unknown, home, tmp_path)
    assert (config.context_window, config.sources["context_window"]) == (24576, "agent doctor")
    assert (config.provider, config.tool_mode) == ("vllm", "text")  # the server refused tools
    config = load_config({**unknown, "model": "qwen2.5-coder:7b"}, home, tmp_path)
    assert (config.context_window, config.sources["context_window"]) == (32768, "profile qwen2.5-coder")
    assert (config.tool_mode, config.temperature) == ("auto", 0.2)
    # the server gives less than the model can take (Ollama's default context): the smaller wins
    save_card(Card("http://box:5000/v1", "qwen2.5-coder:7b", kind="ollama", context_window=4096),
              home=tmp_path)
    config = load_config({**unknown, "model": "qwen2.5-coder:7b"}, home, tmp_path)
    assert (config.context_window, config.sources["context_window"]) == (4096, "agent doctor")
    config = load_config({**unknown, "model": "qwen2.5-coder:7b"}, {**home, "AGENT_CONTEXT_WINDOW": "16384"}, tmp_path)
    assert (config.context_window, config.sources["context_window"]) == (16384, "environment")
    config = load_config({**unknown, "context_window": 4096}, {**home, "AGENT_CONTEXT_WINDOW": "16384"}, tmp_path)
    assert config.context_window == 4096
    assert load_config({**unknown, "tool_mode": "native"}, home, tmp_path).tool_mode == "native"


def test_response_caches_from_the_environment_are_checked(tmp_path):
    from agent.config.config import ConfigError, load_config
    environ = {"HOME": str(tmp_path), "AGENT_CACHE": "/somewhere"}  # local-llm.sh's, not ours
    assert load_config({}, {**environ, "AGENT_RESPONSE_CACHE": "exact, semantic"}, tmp_path).cache == "exact,semantic"
    assert load_config({}, environ, tmp_path).cache == ""
    with pytest.raises(ConfigError, match="AGENT_RESPONSE_CACHE .environment.: unknown cache 'exakt'; known: exact, semantic"):
        load_config({}, {**environ, "AGENT_RESPONSE_CACHE": "exakt"}, tmp_path)
