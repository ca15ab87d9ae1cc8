"""Fixtures of the starter tests: `home` is an empty home folder set as $HOME (the session's
files go under ~/.agent there), `workspace` an empty project folder beside it. The helpers
the tests import are in kit.py, next to this file."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `from kit import ...` in every test


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def workspace(tmp_path, home):
    workspace = tmp_path / "work"
    workspace.mkdir()
    return workspace
