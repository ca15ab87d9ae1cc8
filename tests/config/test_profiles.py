"""Presets per server and profiles per model family: the packaged data, the user's overrides,
and a malformed user file that stops the program instead of being ignored."""

import json
import os
import subprocess
import sys

import pytest

from agent.config.config import ConfigError
from agent.config.profiles import TOOL_MODES, Profile, load_profiles, profile_for

PACKAGED = load_profiles(None)


@pytest.mark.parametrize("name, base_url", [
    ("ollama", "http://localhost:11434/v1"),
    ("vllm", "http://localhost:8000/v1"),
    ("llamacpp", "http://localhost:8080/v1"),
    ("lmstudio", "http://localhost:1234/v1"),
    ("openai", "https://api.openai.com/v1"),
    ("openrouter", "https://openrouter.ai/api/v1"),
    ("deepseek", "https://api.deepseek.com/v1"),
])
def test_presets(name, base_url):
    preset = PACKAGED.preset(name.upper())  # names are case-insensitive
    assert (preset.name, preset.base_url) == (name, base_url)
    assert PACKAGED.guess_provider(base_url.replace("localhost", "127.0.0.1")) == name


def test_preset_quirks_and_fixes_are_data():
    ollama = PACKAGED.preset("ollama")
    assert {"no_tool_choice", "parallel_index_zero", "truncates_silently"} <= set(ollama.quirks)
    assert "OLLAMA_CONTEXT_LENGTH=32768" in ollama.fix_context(32768)
    assert "--enable-auto-tool-choice --tool-call-parser" in PACKAGED.preset("vllm").tools_fix
    assert "--jinja" in PACKAGED.preset("llamacpp").tools_fix
    assert "usage_in_timings" in PACKAGED.preset("llamacpp").quirks
    with pytest.raises(ConfigError, match="unknown provider 'tgi'; known: deepseek, llamacpp"):
        PACKAGED.preset("tgi")


@pytest.mark.parametrize("model, family, context_window, tool_mode", [
    ("qwen2.5-coder:7b", "qwen2.5-coder", 32768, "auto"),
    ("Qwen/Qwen2.5-Coder-0.5B-Instruct", "qwen2.5-coder", 32768, "auto"),
    ("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "qwen2.5-coder", 32768, "auto"),
    ("qwen3-coder:30b", "qwen3-coder", 262144, "auto"),
    ("qwen3:8b", "qwen3", 32768, "auto"),
    ("qwen2.5:14b", "qwen2.5", 32768, "auto"),
    ("llama3.1:8b", "llama3.x", 131072, "auto"),
    ("meta-llama/Llama-3.3-70B-Instruct", "llama3.x", 131072, "auto"),
    ("llama3:8b", "llama3", 8192, "text"),
    ("mistral-nemo:12b", "mistral-nemo", 131072, "auto"),
    ("devstral:24b", "mistral-small", 131072, "auto"),
    ("mistral:7b", "mistral", 32768, "auto"),
    ("deepseek-coder:6.7b", "deepseek-coder", 16384, "text"),
    ("deepseek-coder-v2:16b", "deepseek-coder-v2", 163840, "text"),
    ("deepseek-r1:7b", "deepseek-r1", 131072, "text"),
    ("deepseek-chat", "deepseek-chat", 65536, "native"),
    ("gemma3:4b", "gemma3", 131072, "text"),
    ("gpt-4o-mini", "gpt-4o", 128000, "native"),
    ("openai/gpt-4.1", "gpt-4.1", 1047576, "native"),
    ("my-finetune", "unknown", None, "auto"),
])
def test_model_names_match_their_family(model, family, context_window, tool_mode):
    profile = PACKAGED.profile_for(model)
    assert (profile.family, profile.context_window, profile.tool_mode) == (family, context_window, tool_mode)


def test_the_qwen_coder_profile():
    profile = PACKAGED.profile_for("qwen2.5-coder:1.5b")
    assert profile.temperature == 0.2 and "fenced_json_calls" in profile.quirks
    assert "Qwen2.5-Coder" in profile.source  # every family says where its values came from


def test_the_packaged_file_is_well_formed():
    for family in PACKAGED.families:
        assert family["tool_mode"] in TOOL_MODES and family["patterns"] and family["_source"]
    for name, entry in PACKAGED.providers.items():
        assert entry["base_url"].endswith("/v1") and "_source" in entry, name


def test_the_user_file_overrides_the_packaged_one(tmp_path):
    user = tmp_path / ".agent" / "profiles.json"
    user.parent.mkdir()
    user.write_text(json.dumps({
        "providers": {"ollama": {"base_url": "http://gpu-box:11434/v1"},
                      "tgi": {"base_url": "http://localhost:3000/v1", "context_fix": "--max-total-tokens {n}"}},
        "families": [{"name": "house-coder", "patterns": ["qwen2.5-coder:32b*"], "context_window": 65536,
                      "tool_mode": "native"}]}))
    profiles = load_profiles(user)
    assert profiles.preset("ollama").base_url == "http://gpu-box:11434/v1"
    assert "OLLAMA_CONTEXT_LENGTH" in profiles.preset("ollama").context_fix  # the rest is kept
    assert profiles.preset("tgi").fix_context(4096) == "--max-total-tokens 4096"
    mine = profile_for("qwen2.5-coder:32b", home=tmp_path)
    assert (mine.family, mine.context_window, mine.source) == ("house-coder", 65536, str(user))
    assert profile_for("qwen2.5-coder:7b", home=tmp_path).family == "qwen2.5-coder"
    assert profile_for("qwen2.5-coder:32b", home=tmp_path / "nobody") == PACKAGED.profile_for("qwen2.5-coder:32b")


@pytest.mark.parametrize("text, message", [
    ('{"families": [\n  {"name": "x",}\n]}', "line 2, column 16"),
    ('{"families": {"name": "x"}}', '"families" must be a list'),
    ('{"families": [{"name": "x", "patterns": ["x*"], "tool_mode": "json"}]}', "tool_mode must be one of"),
    ('{"families": [{"name": "x", "patterns": ["x*"], "context_window": "32k"}]}', "context_window must be"),
    ('{"providers": {"ollama": "http://x"}}', '"providers" must map names to objects'),
])
def test_a_malformed_user_file_is_an_error_with_its_path(tmp_path, text, message):
    user = tmp_path / "profiles.json"
    user.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_profiles(user)
    assert str(user) in str(caught.value) and message in str(caught.value)


def test_a_malformed_user_file_stops_the_cli(tmp_path):
    (tmp_path / ".agent").mkdir()
    (tmp_path / ".agent" / "profiles.json").write_text('{"families": [}\n')
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    done = subprocess.run([sys.executable, "-m", "agent", "-p", "hi", "--base-url", "http://127.0.0.1:9/v1"],
                          cwd=tmp_path, env={**base, "HOME": str(tmp_path)}, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert f"{tmp_path / '.agent' / 'profiles.json'} is not valid JSON" in done.stderr
    assert "line 1, column 15" in done.stderr and "Traceback" not in done.stderr


def test_the_unknown_profile():
    assert PACKAGED.profile_for("") == Profile()
