"""Where the harness keeps its own files: every place under ~/.agent, named once.

    ~/.agent/
      settings.json  AGENT.md  commands/         the user's settings, memory and commands
      prices.json  profiles.json                 the user's prices and model profiles
      trusted.json                               the projects the user trusts
      history                                    the REPL's line history
      projects/<project>/<session-id>.jsonl      transcripts (<project>: the absolute cwd
      projects/<project>/MEMORY.md               with "/" -> "-"), the model's own notes
      sessions/<session-id>/                     checkpoints, tool results and prompts filed
                                                 away, transcripts saved before a summary
      cache/                                     response caches, the doctor's cards

`home` is always passed in (a test's HOME is a temporary folder): nothing here reads the
environment. The folders that hold what a session saw are the user's alone (`PRIVATE`).
Claude Code counterpart: ~/.claude and its projects/ folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

DATA = ".agent"
PRIVATE = ("projects", "sessions", "cache")
"""Folders holding transcripts, checkpoints, saved results and cached replies: mode 0700."""


def data_folder(home: Path) -> Path:
    """~/.agent itself."""
    return home / DATA


def user_file(home: Path, name: str) -> Path:
    """A file of the user's own: settings.json, prices.json, profiles.json, trusted.json, ..."""
    return home / DATA / name


def project_folder(cwd: Path, home: Path) -> Path:
    """Where the sessions of the project in `cwd` live (Claude Code's naming: the absolute
    path with each separator replaced by "-", so /work/app is -work-app)."""
    return home / DATA / "projects" / re.sub(r"[/\\:]", "-", str(cwd.resolve()))


def session_folder(home: Path, session_id: str) -> Path:
    """One session's own files: checkpoints/, tool-results/, transcripts before a summary."""
    return home / DATA / "sessions" / session_id


def cache_folder(home: Path, *parts: str) -> Path:
    """~/.agent/cache, or a file or folder in it (cache_folder(home, "doctor"))."""
    return home.joinpath(DATA, "cache", *parts)


def private_folders(home: Path) -> None:
    """Make the PRIVATE folders the user's alone (0700), whatever ~/.agent itself is. A home
    that cannot be written is not an error here: each writer says so when it fails."""
    for name in PRIVATE:
        try:
            (home / DATA / name).mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(home / DATA / name, 0o700)
        except OSError:
            pass
