"""Reference solution of exercises/06_git_branch: the current git branch, told when it changes."""

import subprocess
from pathlib import Path

from agent.loop.seams import FACTS


def git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def where(cwd: Path) -> str | None:
    """The branch checked out, "detached at <commit>", or None outside a repository."""
    branch = git(cwd, "branch", "--show-current")
    if branch:
        return branch
    commit = git(cwd, "rev-parse", "--short", "HEAD")
    return f"detached at {commit}" if commit else None


class Branch:
    """On the on_prompt seam: the branch with the first prompt, then again when it changed."""

    def __init__(self, cwd: Path):
        self.cwd, self.shown = cwd, None

    def __call__(self, prompt: str) -> str | None:
        now = where(self.cwd)
        if now is None or now == self.shown:
            return None
        self.shown = now
        if now.startswith("detached"):
            return f"Git: HEAD is {now}, on no branch."
        return f"The current git branch is {now}."

    def forget(self, messages: list[dict]) -> None:
        self.shown = None  # a new conversation has not been told


def register(session) -> None:
    branch = Branch(session.config.cwd)
    session.agent.on_prompt.add(branch, at=FACTS)
    session.agent.on_history_replaced.add(branch.forget)
