"""The system prompt: the role, the working rules, the environment and the project's memory files.

It is built once, when the session starts, and then never changes: servers keep a cache of
the prompt prefix they have already processed (llama.cpp, vLLM and OpenAI all do), and a
prompt whose first bytes stay the same turn after turn is answered far sooner. So there is no
clock time in here, and the git status is a snapshot taken at the start ("at session start"
says so). Facts that change go at the end of the history: `ChangingFacts` adds today's date
to the first prompt (and again when it changes), and the git status when it moved.

Memory files (agent.context.memory_files): the user's own in ~/.agent/, then AGENT.md, AGENTS.md and
CLAUDE.md (and their .local.md variants) from the repository root down to the working
directory, each with its path, each capped, with their `@path` imports. Those of subfolders
below the working directory come later, with the first tool call that touches them. Last,
the model's own notes on the project (MEMORY.md, agent/context/memory_notes.py), when the caller asks.
Claude Code counterpart: the system prompt plus CLAUDE.md memory.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from collections.abc import Callable
from pathlib import Path

from agent.context import memory_files as memory
from agent.context.memory_files import MemoryFile

STATUS_LINES = 40

ROLE = """\
You are a coding agent working in the user's repository through tools. You read code, run
commands, edit files and check your work, the way a careful pair programmer would.

Working rules:
- Look before you change: Read a file before you Edit or Write it, and Grep or Glob to find things.
- Make the smallest change that does the job, in the style of the surrounding code.
- After a change, check it: run the tests or the command that shows it works.
- Use the tools for all file and shell work; do not ask the user to do what a tool can do.
- When the task is done, or you are stuck, stop calling tools and answer in a few plain sentences:
  what you changed, how you checked it, and anything left open."""


class ChangingFacts:
    """On the loop's on_prompt seam (agent.loop.seams.OnPrompt): with the first prompt, today's date; later, the
    date again when it changed, and the git status when it differs from the last one shown
    (the system prompt shows it at session start)."""

    def __init__(self, cwd: Path, today: Callable[[], datetime.date] = datetime.date.today):
        self.cwd, self.today = cwd, today
        self.date: datetime.date | None = None
        self.status = git_status(cwd)

    def __call__(self, prompt: str = "") -> str | None:
        facts = []
        if self.today() != self.date:
            self.date = self.today()
            facts.append(f"Today's date is {self.date.isoformat()}.")
        status = git_status(self.cwd)
        if status != self.status:
            facts.append(status_change(self.status, status))
            self.status = status
        return " ".join(facts) or None


def status_change(before: list[str] | None, now: list[str] | None) -> str:
    """What changed in `git status --short`, as its difference: the lines that appeared (+)
    and went (-). The whole status again each time would pile up in the history, since every
    reminder stays in it (measured in benchmarks/caching.py)."""
    if not now:
        return "The git status changed since it was last shown: clean."
    old = set(before or ())
    lines = [f"+ {line}" for line in now if line not in old]
    lines += [f"- {line}" for line in before or () if line not in set(now)]
    if len(lines) > STATUS_LINES:
        lines = lines[:STATUS_LINES] + [f"... and {len(lines) - STATUS_LINES} more"]
    return "The git status changed since it was last shown (+ new, - gone):\n" + "\n".join(lines)


def git_status(cwd: Path) -> list[str] | None:
    """`git status --short` as lines; None outside a repository."""
    out = git(cwd, "status", "--short")
    return None if out is None else out.splitlines()


def git(cwd: Path, *args: str) -> str | None:
    """The output of a git command, or None outside a repository or without git."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def environment(cwd: Path) -> str:
    """The facts about the machine and the repository, as of the start of the session."""
    lines = [f"Working directory: {cwd}",
             f"Platform: {platform.system()} {platform.release()}",
             f"Shell: {os.environ.get('SHELL', '/bin/sh')}"]
    if git(cwd, "rev-parse", "--show-toplevel") is None:
        lines.append("Git: not a git repository")
        return "\n".join(lines)
    status = (git(cwd, "status", "--short") or "").splitlines()
    shown = status[:STATUS_LINES]
    if len(status) > STATUS_LINES:
        shown.append(f"... and {len(status) - STATUS_LINES} more")
    lines.append(f"Git branch: {git(cwd, 'branch', '--show-current') or '(detached HEAD)'}")
    lines.append("Git status at session start: " + ("clean" if not status else "\n" + "\n".join(shown)))
    return "\n".join(lines)


def memory_files(cwd: Path, home: Path | None = None,
                 confine: Path | None = None) -> list[MemoryFile]:
    """The memory files for a session in cwd, imports included (see agent.context.memory_files;
    `confine`: an untrusted project, read only inside)."""
    top = git(cwd, "rev-parse", "--show-toplevel")
    root = Path(top).resolve() if top else cwd
    home = Path.home() if home is None else home
    return memory.load(memory.discover(cwd, root, home), home, confine=confine)


def system_prompt(cwd: Path, home: Path | None = None, files: list[MemoryFile] | None = None,
                  project_memory: Path | None = None, role: str = ROLE) -> str:
    """The whole system prompt for a session that starts in `cwd` (with these memory files,
    when the caller has loaded them already, and the model's MEMORY.md at `project_memory`,
    agent/context/memory_notes.py; `role`: another opening, the lean profile's)."""
    cwd = cwd.resolve()
    parts = [role, "# Environment\n" + environment(cwd)]
    files = memory_files(cwd, home) if files is None else files
    if files:
        parts.append("# Project instructions (memory files)\n"
                     "Follow these instructions from the user's and the project's files.\n\n"
                     + memory.render(files))
    if project_memory is not None:
        from agent.context.memory_notes import memory_section
        parts.append(memory_section(project_memory))
    return "\n\n".join(parts) + "\n"
