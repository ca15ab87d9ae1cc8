"""Shared fixtures: `server` is a started fake OpenAI-compatible server (tests/openai_server.py);
`llama_server` a real llama-server with a real small model (tests/real_model.py), for the tests
marked `real_model`, skipped with the reason shown until `scripts/local-llm.sh setup` has run.
`home` is an empty home folder set as $HOME, `repo` an empty project folder beside it (the
session's files under ~/.agent must not be inside the project a test searches)."""

import signal

import pytest

from openai_server import FakeOpenAI
from real_model import LlamaServer, cached_paths

# A run started in the background (`.ci/run &` in a script) inherits SIGINT ignored, and so
# would every command the tests start: the tests of Ctrl-C need it as a terminal delivers it.
signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def server():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    return repo


@pytest.fixture(scope="session")
def llama_server():
    paths = cached_paths()
    if paths is None:
        pytest.skip("no cached llama-server and model: run `bash scripts/local-llm.sh setup` "
                    "(about 10 minutes once, then cached)")
    with LlamaServer(*paths) as real:
        yield real
