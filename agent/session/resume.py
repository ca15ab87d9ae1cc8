"""Finding a session and going on with it: the listing, the menu, and the resume itself.

    list_sessions(folder)          the sessions of a project folder, newest first
    latest(folder)                 `agent --continue`
    find_session(folder, id)       `agent --resume ID` (a unique prefix will do)
    sessions_report(folder)        `agent sessions`
    resume_menu(folder), pick(folder, choice)    `/resume` in the REPL
    resume_into(session, path)     the history loaded, repaired and put in place

The transcript's format, its writer, `load` and `repair` are in agent/session/transcript.py.
Simplified: sessions are found by file name and modification time; a listing reads each file.
Not covered: sessions of other folders.
Claude Code counterpart: --continue, --resume, /resume, and the session picker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from agent.session.transcript import SessionError, load, repair


@dataclass(frozen=True)
class SessionInfo:
    """One session of a project, as listed."""

    id: str
    path: Path
    modified: float
    """When it was last written (seconds since the epoch)."""
    size: int
    """Bytes on disk."""
    n_messages: int
    """Messages in the history it resumes to (the system prompt included)."""
    first_prompt: str


def list_sessions(folder: Path) -> list[SessionInfo]:
    """The sessions in a project folder, newest first; files with no prompt yet are left out."""
    found = []
    for path in folder.glob("*.jsonl") if folder.is_dir() else ():
        loaded, stat = load(path), path.stat()
        if loaded.first_prompt:
            found.append(SessionInfo(path.stem, path, stat.st_mtime, stat.st_size,
                                     len(loaded.messages), loaded.first_prompt))
    return sorted(found, key=lambda s: s.modified, reverse=True)


def latest(folder: Path) -> SessionInfo:
    """The session written last (`agent --continue`); SessionError when there is none."""
    sessions = list_sessions(folder)
    if not sessions:
        raise SessionError(f"no session to continue in this folder (looked in {folder})")
    return sessions[0]


def find_session(folder: Path, session_id: str) -> SessionInfo:
    """The session with this id, or the one whose id starts with it (`agent --resume ID`)."""
    sessions = list_sessions(folder)
    exact = [s for s in sessions if s.id == session_id]
    matches = exact or [s for s in sessions if session_id and s.id.startswith(session_id)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise SessionError(f"{len(matches)} sessions start with {session_id!r}: give more of the id")
    raise SessionError(f"no session {session_id!r} in this folder (`agent sessions` lists them)")


def describe(info: SessionInfo) -> str:
    """One line: time, messages, size, id, first prompt."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.modified))
    prompt = " ".join(info.first_prompt.split())
    prompt = prompt if len(prompt) <= 60 else prompt[:57] + "..."
    return f"{when}  {info.n_messages:>4} messages  {size_text(info.size):>8}  {info.id}  {prompt}"


def size_text(n: int) -> str:
    return f"{n} B" if n < 1000 else f"{n / 1000:.1f} kB" if n < 1_000_000 else f"{n / 1e6:.1f} MB"


def sessions_report(folder: Path) -> str:
    """`agent sessions`: this project's sessions, newest first."""
    sessions = list_sessions(folder)
    if not sessions:
        raise SessionError(f"no sessions in this folder yet (looked in {folder})")
    return "\n".join(["Sessions of this folder, newest first (agent --resume ID to go on):",
                      *("  " + describe(s) for s in sessions)])


def resume_menu(folder: Path) -> str:
    """/resume with no argument: the numbered list to choose from. The REPL shows it, and
    `/resume N` (or `/resume ID`) then calls `pick` and `resume_into`."""
    sessions = list_sessions(folder)
    if not sessions:
        return "No earlier sessions in this folder."
    lines = [f"  {i:>2}. {describe(s)}" for i, s in enumerate(sessions, 1)]
    return "\n".join(["Sessions, newest first (/resume N to go on with one):", *lines])


def pick(folder: Path, choice: str) -> SessionInfo:
    """The session a `/resume` argument names: a number in `resume_menu`'s list, or an id."""
    if choice.isdigit():
        sessions = list_sessions(folder)
        if not 1 <= int(choice) <= len(sessions):
            raise SessionError(f"no session number {choice}: /resume lists {len(sessions)}")
        return sessions[int(choice) - 1]
    return find_session(folder, choice)


def resume_into(session, path: Path, fork: bool = False) -> str:
    """Load the session at `path` into `session` (agent/session/session.py): its history
    replaces the conversation, repaired, behind the agent's own system prompt (rebuilt at
    start: memory files and the date may have changed), and the transcript goes on writing to
    that file. With `fork` (`--fork-session`), the transcript keeps its own new id and starts
    its file with a copy of that history; `path` is only read. Returns the line to show.
    Raises SessionInUse, before anything changes, when another process writes that session.
    The caller runs the SessionStart hooks with source "resume" (agent.app.cli does)."""
    agent, transcript = session.agent, session.transcript
    lock = None if fork else transcript.lock(path.stem)  # first: no other writer while we read
    try:
        loaded = load(path)
    except OSError:
        if lock:
            transcript.let_go(lock)
        raise
    fixed = repair(loaded.messages, agent.messages[0])
    if fork:
        transcript.fork(fixed.messages)
    else:
        transcript.resume(path.stem, fixed.messages, loaded.messages, lock)  # it writes there
    agent.replace_history(fixed.messages)  # the todo list of that history; files read again
    notes = list(fixed.notes)
    if loaded.n_dropped:
        notes.insert(0, f"{loaded.n_dropped} unreadable line(s) dropped (a write cut off)")
    if loaded.n_skipped:
        notes.append(f"{loaded.n_skipped} line(s) of an unknown kind skipped")
    n = len(agent.messages) - 1
    what = (f"Forked session {path.stem} into {transcript.session_id}" if fork
            else f"Resumed session {path.stem}")
    return f"{what} ({n} messages)" + (f"; {'; '.join(notes)}." if notes else ".")
