"""Memory written during sessions: the user's `#` notes, and the model's own MEMORY.md.

    > # the tests need a running redis         a line starting with # is a note:
      Add to (p)roject AGENT.md or (u)ser ~/.agent/AGENT.md? p
      Noted in /home/me/repo/AGENT.md.          appended as a markdown bullet

    ~/.agent/projects/-home-me-repo/MEMORY.md  the model's notes about the project in
                                               /home/me/repo: the first 200 lines are in
                                               each session's system prompt, and the model
                                               may Read, Write and Edit that one file

A note is in the memory file at once, so the next session's system prompt has it. This
session's system prompt is not rewritten: its bytes stay the same, and so does the server's
prefix cache (agent/context/system_prompt.py). `NewNotes`, a note of the loop (agent.loop.turn), tells the model
instead, in a <system-reminder> with the next prompt, and again after /clear (the history
that told it is gone). The project folder is named as Claude Code names it (`/` -> `-`);
session transcripts go to the same folder.
Simplified: the project file is the one in the working directory (the first of AGENT.md,
AGENTS.md, CLAUDE.md there, else a new AGENT.md), not the repository root's.
MEMORY.md is read when the session starts, like the memory files; what the model writes
there during the session is in the history already.
Not covered: a summary (/compact) may drop a note told in a reminder; `#` notes from print
mode; editing notes (open the file; /memory says where it is); topic files beside MEMORY.md.
Claude Code counterpart: the `#` memory shortcut, and auto memory (MEMORY.md).
"""

from __future__ import annotations

from pathlib import Path

from agent.context.memory_files import NAMES
from agent.config.paths import project_folder

MEMORY_LINES = 200


def note_file(folder: Path) -> Path:
    """The memory file a note goes to in `folder`: the first that exists, else AGENT.md."""
    return next((folder / name for name in NAMES if (folder / name).is_file()), folder / NAMES[0])


def add_note(path: Path, note: str) -> None:
    """Append the note as a markdown bullet, on a line of its own."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    separator = "\n" if text and not text.endswith("\n") else ""
    with path.open("a", encoding="utf-8") as f:
        f.write(f"{separator}- {' '.join(note.split())}\n")


class NewNotes:
    """A note of the loop: the `#` notes of this session, told with the next prompt."""

    def __init__(self) -> None:
        self.written: list[tuple[Path, str]] = []
        self.untold: list[tuple[Path, str]] = []

    def add(self, path: Path, note: str) -> None:
        add_note(path, note)
        self.written.append((path, note))
        self.untold.append((path, note))

    def again(self) -> None:
        """After /clear: the history that told the notes is gone, so tell them again."""
        self.untold = list(self.written)

    def __call__(self, prompt: str = "") -> str | None:
        if not self.untold:
            return None
        lines = [f"- {note} (in {path})" for path, note in self.untold]
        self.untold = []
        return "The user added to the memory files (follow these like the rest):\n" + "\n".join(lines)


def memory_path(cwd: Path, home: Path) -> Path:
    return project_folder(cwd, home) / "MEMORY.md"


def memory_section(path: Path) -> str:
    """The system prompt's part for MEMORY.md: where it is, what it is for, its first lines."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.is_file() else []
    intro = (f"# Your memory for this project\n{path} holds your own notes about this project, "
             "kept between sessions. When you learn something worth keeping for next time (a "
             "command that works, a convention, a pitfall), add it there with Write or Edit, in "
             f"a line or two. Keep it under {MEMORY_LINES} lines: only those are shown.")
    if not lines:
        return intro + " It is empty so far."
    shown = "\n".join(lines[:MEMORY_LINES])
    more = len(lines) - MEMORY_LINES
    cut = f"\n[... {more} more lines not shown: shorten the file]" if more > 0 else ""
    return f"{intro}\n\n{shown}{cut}"
