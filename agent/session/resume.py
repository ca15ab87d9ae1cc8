"""Finding a session and going on with it: the listing, the menu, and the resume itself.

    list_sessions(folder)          the sessions of a project folder, newest first
    survey(folder)                 those, and the files that hold nothing to resume, with why
    latest(folder)                 `agent --continue`
    find_session(folder, id)       `agent --resume ID` (a unique prefix will do)
    sessions_report(folder)        `agent sessions`
    resume_menu(folder, start), pick(folder, choice)    `/resume` in the REPL: a page at a time
    resume_into(session, path)     the history loaded, repaired and put in place
    resume_at_start(...)           the same for --resume/--continue: a line to show, or an error

The transcript's format, its writer, `load` and `repair` are in agent/session/transcript.py.
A damaged file is one entry in a listing, never an error for the others; resuming it by id
says it is damaged, which is not the same as "no session".
`/resume` offers the sessions the model answered at least once, ten to a page, numbered
newest first across pages; a run that never got an answer (the server was down, the model
name wrong, Ctrl-C before the first reply) is left out, and said to be: its id still resumes
it, and `agent sessions` lists every session.
Simplified: sessions are found by file name and modification time; a listing reads each file.
Not covered: sessions of other folders.
Claude Code counterpart: --continue, --resume, /resume, and the session picker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from agent.session.running import explain_cut_calls, running_calls
from agent.session.transcript import NO_RESULT, SessionError, SessionInUse, load, repair


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
    answered: bool = True
    """The model answered at least once (an assistant message): False for a failed run."""


@dataclass(frozen=True)
class Unusable:
    """A transcript file that holds nothing to resume."""

    path: Path
    why: str
    """What is wrong, to end the sentence "session ID cannot be resumed: its file ...". """
    damaged: bool
    """True for a file that cannot be read or holds no usable history; False for a session
    with no prompt yet (the system prompt alone: opened, never asked)."""


def survey(folder: Path) -> tuple[list[SessionInfo], list[Unusable]]:
    """Every transcript of a project folder: the sessions (newest first) and the files that
    hold nothing to resume. One bad file is one entry, never an error for the others."""
    found, unusable = [], []
    for path in folder.glob("*.jsonl") if folder.is_dir() else ():
        try:
            loaded, stat = load(path), path.stat()
        except OSError as err:
            unusable.append(Unusable(path, f"cannot be read ({err.strerror or err})", True))
            continue
        if loaded.first_prompt:
            answered = any(m["role"] == "assistant" for m in loaded.messages)
            found.append(SessionInfo(path.stem, path, stat.st_mtime, stat.st_size,
                                     len(loaded.messages), loaded.first_prompt, answered))
        elif loaded.damage:
            unusable.append(Unusable(path, f"holds no usable history ({loaded.damage})", True))
        elif not loaded.messages:
            unusable.append(Unusable(path, "is empty", True))
        else:
            unusable.append(Unusable(path, "has no prompt yet: there is nothing to resume", False))
    return sorted(found, key=lambda s: s.modified, reverse=True), unusable


def list_sessions(folder: Path) -> list[SessionInfo]:
    """The sessions in a project folder, newest first; files with no prompt yet are left out."""
    return survey(folder)[0]


def latest(folder: Path) -> SessionInfo:
    """The session written last (`agent --continue`); SessionError when there is none."""
    sessions, unusable = survey(folder)
    if sessions:
        return sessions[0]
    damaged = [u for u in unusable if u.damaged]
    if damaged:
        raise SessionError(f"no session to continue in this folder: {len(damaged)} transcript(s) "
                           f"there are damaged (`agent sessions` lists them; looked in {folder})")
    raise SessionError(f"no session to continue in this folder (looked in {folder})")


def find_session(folder: Path, session_id: str) -> SessionInfo:
    """The session with this id, or the one whose id starts with it (`agent --resume ID`).
    SessionError says which: none, several, or a file that holds nothing to resume."""
    sessions, unusable = survey(folder)
    everything = [(s.path.stem, s) for s in sessions] + [(u.path.stem, u) for u in unusable]
    exact = [item for stem, item in everything if stem == session_id]
    matches = exact or [item for stem, item in everything
                        if session_id and stem.startswith(session_id)]
    if len(matches) > 1:
        raise SessionError(f"{len(matches)} sessions start with {session_id!r}: give more of the id")
    if not matches:
        raise SessionError(f"no session {session_id!r} in this folder (`agent sessions` lists them)")
    if isinstance(matches[0], Unusable):
        bad = matches[0]
        raise SessionError(f"session {bad.path.stem} cannot be resumed: its file {bad.path} {bad.why}")
    return matches[0]


def describe(info: SessionInfo) -> str:
    """One line: time, messages, size, id, first prompt."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.modified))
    return (f"{when}  {info.n_messages:>4} messages  {size_text(info.size):>8}  {info.id}  "
            f"{_clip(info.first_prompt, 60)}")


def size_text(n: int) -> str:
    return f"{n} B" if n < 1000 else f"{n / 1000:.1f} kB" if n < 1_000_000 else f"{n / 1e6:.1f} MB"


def sessions_report(folder: Path) -> str:
    """`agent sessions`: this project's sessions, newest first, then the damaged files."""
    sessions, unusable = survey(folder)
    damaged = [u for u in unusable if u.damaged]
    if not sessions and not damaged:
        raise SessionError(f"no sessions in this folder yet (looked in {folder})")
    lines = ["Sessions of this folder, newest first (agent --resume ID to go on):",
             *("  " + describe(s) for s in sessions)] if sessions else []
    if damaged:
        lines += ["Damaged, cannot be resumed:", *(f"  {u.path.stem}  {u.why}" for u in damaged)]
    return "\n".join(lines)


PAGE = 10
"""Sessions per page of `/resume`."""


def menu_sessions(folder: Path, exclude: str | None = None) -> tuple[list[SessionInfo], int]:
    """What `/resume` offers, newest first: the sessions the model answered at least once,
    other than `exclude` (the session in use); and how many unanswered runs were left out."""
    sessions = [s for s in list_sessions(folder) if s.id != exclude]
    answered = [s for s in sessions if s.answered]
    return answered, len(sessions) - len(answered)


def resume_menu(folder: Path, start: int = 0, exclude: str | None = None) -> str:
    """/resume: the page of the menu from number `start` + 1 on (`PAGE` sessions), numbered
    as `pick` reads `/resume N`, whatever the page; then how to go on."""
    sessions, n_left_out = menu_sessions(folder, exclude)
    left_out = (f"\n({n_left_out} run(s) the model never answered are not listed: "
                "`agent sessions` lists them, and /resume ID goes on with one.)" if n_left_out else "")
    if not sessions:
        return "No earlier sessions in this folder." + left_out
    if start >= len(sessions):
        return (f"No more sessions: all {len(sessions)} were listed (/resume shows the newest "
                "again)." + left_out)
    page = sessions[start:start + PAGE]
    end = start + len(page)
    lines = [f"Sessions, newest first ({start + 1}-{end} of {len(sessions)}):",
             *(menu_line(n, s) for n, s in enumerate(page, start + 1))]
    more = (f"/resume more shows {end + 1}-{min(end + PAGE, len(sessions))}"
            if end < len(sessions) else "that is all of them")
    return "\n".join(lines + [f"/resume N or ID goes on with one; {more}."]) + left_out


def menu_line(n: int, info: SessionInfo) -> str:
    """`  3. 2025-06-01 14:02    12 messages  3f2a9c1e  fix the failing test`: a short id (a
    unique prefix does for /resume ID) and as much of the first prompt as fits on a line."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.modified))
    return f"{n:>4}. {when}  {info.n_messages:>4} messages  {info.id[:8]}  {_clip(info.first_prompt, 50)}"


def pick(folder: Path, choice: str, exclude: str | None = None) -> SessionInfo:
    """The session a `/resume` argument names: a number in `resume_menu`'s numbering (with the
    same `exclude`), or an id or a unique prefix of one (any session, answered or not); digits
    beyond the list are tried as an id prefix."""
    if choice.isdigit():
        sessions, _ = menu_sessions(folder, exclude)
        if 1 <= int(choice) <= len(sessions):  # a number in the list wins over an id prefix
            return sessions[int(choice) - 1]
        try:  # an id may begin with digits alone (8 hex digits are, one id in 43)
            return find_session(folder, choice)
        except SessionError:
            raise SessionError(f"no session number {choice}: /resume lists "
                               f"{len(sessions)}") from None
    return find_session(folder, choice)


def _clip(text: str, limit: int) -> str:
    """One line of at most `limit` characters, cut at a word when it must be, with " …"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[:cut if cut > limit // 2 else limit - 2].rstrip() + " …"


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
    messages, commands = explain_cut_calls(fixed.messages, running_calls(path), NO_RESULT)
    if fork:
        transcript.fork(messages)
    else:
        transcript.resume(path.stem, messages, loaded.messages, lock)  # it writes there
    agent.replace_history(messages)  # the todo list of that history; files read again
    notes = ([loaded.damage] if loaded.damage else []) + list(fixed.notes) + commands
    n = len(agent.messages) - 1
    what = (f"Forked session {path.stem} into {transcript.session_id}" if fork
            else f"Resumed session {path.stem}")
    return f"{what} ({n} messages)" + (f"; {'; '.join(notes)}." if notes else ".")


def resume_at_start(session, path: Path, fork: bool = False) -> tuple[str, str]:
    """`resume_into` for `--resume` and `--continue`: (the line to show, "") or ("", why it
    could not), the error worded for the user. Nothing was written when it could not."""
    try:
        return resume_into(session, path, fork), ""
    except SessionInUse as err:  # one writer per session
        return "", str(err)
    except OSError as err:  # gone or unreadable since it was found
        return "", f"{path} cannot be read ({err.strerror or err})"
