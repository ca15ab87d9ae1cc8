"""The interactive loop a person types into.

    > fix the failing test          a prompt: the agent works, streaming as it goes
    > /help                         a slash command (agent/app/slash.py), never sent to the model
    > # always run ruff             a note for AGENT.md (agent/context/memory_notes.py), asked where
    Ctrl-C                          cancels the running turn, not the program
    Ctrl-D                          exits
    SIGTERM, SIGHUP                 end the commands and exit (agent/app/signals.py)

Lines are edited with readline (history kept in ~/.agent/history when the module exists).
Calls that need approval are asked about here, one line each.
Claude Code counterpart: its interactive mode and built-in slash commands.
"""

from __future__ import annotations

import sys
from pathlib import Path

from agent import __version__
from agent.config.config import Config, ConfigError
from agent.config.paths import data_folder, user_file
from agent.loop.seams import AFTER_HOOKS
from agent.permissions.policy import Decision, describe
from agent.permissions.gate import Answer
from agent.app.render import Terminal
from agent.app.signals import check
from agent.app.slash import Action, Console, dispatch, parse
from agent.tools import Tool


def ask_on_terminal(tool: Tool, args: dict, decision: Decision) -> Answer:
    """Ask whether a call may run: y (yes), a (always: remembered as a rule), n or anything
    else (no); text after "n" goes to the model as the reason."""
    if tool.name == "ExitPlanMode":
        print("  The plan:\n" + "\n".join("    " + line for line in str(args.get("plan", "")).splitlines()))
        question = "  Start the work? [y = yes, a = yes and accept edits, n <note> = no] "
    else:
        print(f"  ({decision.reason})")
        shown = describe(tool, args)
        whole = str(args.get("command") or args.get("file_path") or args.get("pattern") or "")
        if whole.replace("\n", " ") not in shown:  # shortened: what is approved is seen whole
            print("  The whole call:\n" + "\n".join("    " + line for line in whole.splitlines()))
        question = f"  Allow {shown}? [y = yes, a = always, n <note> = no] "
    answer = ask_line(question)
    word, _, note = answer.partition(" ")
    if word.lower() in ("y", "yes"):
        return Answer(True)
    if word.lower() in ("a", "always"):
        return Answer(True, remember=True)
    return Answer(False, feedback=note.strip() if word.lower() in ("n", "no") else answer)


def ask_mcp(spec) -> bool:
    """Asked once per project MCP server, as it is written (an edit asks again)."""
    print(f"{spec.source} would start the MCP server {spec.name}:\n  {spec.describe()}")
    return ask_line("Start it, now and in later sessions? (remembered) [y/N] ").lower() in ("y", "yes")


def ask_trust(project: Path, reasons: list[str]) -> bool:
    """Asked once per project whose settings would allow more than they deny."""
    print(f"The project {project} has settings that would change what the agent may do:")
    for reason in reasons:
        print(f"  - {reason}")
    answer = ask_line("Trust this project and use them? (remembered) [y/N] ").lower()
    return answer in ("y", "yes")


PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


def ask_line(question: str) -> str:
    """An answer typed after the question was shown. What was typed or pasted before it is
    discarded (a line pasted into the prompt must not say "always"), and pasted text, which a
    terminal in bracketed-paste mode marks, never answers. Not through readline, which would
    hide those marks. Off a terminal (a pipe, a test), the next line as it is."""
    if not sys.stdin.isatty():
        return input(question).strip()
    import termios
    termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)
    print("\x1b[?2004h" + question, end="", flush=True)
    try:
        while True:
            line = sys.stdin.readline()
            if not line:
                raise EOFError
            if PASTE_START not in line and PASTE_END not in line:
                return line.strip()
            termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)  # the rest of the paste
            print("  (pasted text does not answer; type the answer) " + question, end="", flush=True)
    finally:
        print("\x1b[?2004l", end="", flush=True)


def start_readline() -> None:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input() still works
        return
    history = user_file(Path.home(), "history")
    try:
        history.parent.mkdir(parents=True, exist_ok=True)
        if history.exists():
            readline.read_history_file(history)
    except OSError:
        return
    import atexit
    atexit.register(lambda: _save_history(readline, history))


def _save_history(readline, history: Path) -> None:
    try:
        readline.write_history_file(history)
    except OSError:
        pass


def note(console: Console, text: str) -> str:
    """A `#` line: ask which memory file gets it (another answer cancels), append it there."""
    from agent.context.memory_notes import note_file

    if not text:
        return "Nothing to note: write the note after the #."
    project, user = note_file(console.session.agent.ctx.cwd), note_file(data_folder(Path.home()))
    shown = "~/" + user.relative_to(Path.home()).as_posix()
    try:
        answer = input(f"  Add to (p)roject {project.name} or (u)ser {shown}? ").strip().lower()
    except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C: no note, and the REPL goes on
        answer = ""
    path = {"p": project, "project": project, "u": user, "user": user}.get(answer)
    if path is None or console.notes is None:
        return "Not noted."
    console.notes.add(path, text)
    return f"Noted in {path}."


def repl(config: Config, first_prompt: str | None = None, permissions=None,
         verbose: bool = False, report: Path | None = None, resume: Path | None = None,
         fork: bool = False) -> int:
    """`report`: the per-call CSV written at exit (--report); `resume`: the transcript of a
    session to go on with (agent --continue / --resume), in a copy with `fork`."""
    from agent.context.memory_notes import NewNotes
    from agent.session.compose import build_session
    from agent.session.resume import resume_at_start

    term = Terminal(sys.stdout, verbose=verbose)
    try:
        session = build_session(config, term, ask_on_terminal, permissions=permissions,
                                session_id=resume.stem if resume and not fork else None,
                                approve_mcp=ask_mcp)
    except ConfigError as err:  # a plugin, or a strategy or layer name, that cannot be used
        print(f"agent: {err}", file=sys.stderr)
        return 2
    console = Console(session, session.policy.project or config.cwd,
                      trusted=session.settings.trusted, notes=NewNotes())
    session.agent.on_prompt.add(console.notes, at=AFTER_HOOKS)  # new notes go with the next prompt
    if resume:
        said, error = resume_at_start(session, resume, fork)
        if error:
            print(f"agent: {error}", file=sys.stderr)
            return 1
        term.line(said)
    session.start("resume" if resume else "startup")
    try:
        return prompt_loop(console, term, config, first_prompt)
    finally:
        session.end("prompt_input_exit")
        session.close()
        if report:
            session.meter.write_csv(report)


def disk_problems(session) -> set[str]:
    """What could not be written under ~/.agent (a full disk, a read-only home), as notes."""
    problems = {session.checkpoints.error}
    if session.transcript.error:
        problems.add(f"{session.transcript.error}; this session cannot be resumed")
    return problems - {None}


def prompt_loop(console: Console, term: Terminal, config: Config, first_prompt: str | None) -> int:
    session, warned = console.session, set()
    start_readline()
    term.line(term.paint("\033[2m", f"agent {__version__} · {config.model} at {config.base_url} · "
                                    f"{console.session.policy.mode} mode · /help, Ctrl-D to exit"))
    if console.session.sandbox.kind != "bubblewrap":
        term.line(console.session.sandbox.describe())
    from agent.app.print_mode import mcp_lines
    for line in mcp_lines(console.session):  # a server left out or failed: said once
        term.line(f"Note: {line} (/mcp shows the servers).")
    for problem in console.session.skills.problems if console.session.skills else ():
        term.line(f"Note: {problem} (/skills lists the skills).")  # a skill skipped: said once
    from agent.app.plugin_commands import hidden
    from agent.app.slash import COMMANDS
    for problem in hidden(console.session, COMMANDS):  # a plugin's command a built-in hides
        term.line(f"Note: {problem} (/help lists the commands).")
    pending = first_prompt
    while True:
        check()  # SIGTERM or SIGHUP ended the turn or the question: the REPL ends too
        if pending is not None:
            line, pending = pending, None
        else:
            try:
                line = input("> ")
            except EOFError:
                term.line("")
                return 0
            except KeyboardInterrupt:
                term.line("")
                continue
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):  # a note for a memory file (agent/context/memory_notes.py)
            term.line(note(console, line[1:].strip()))
            continue
        command = parse(line)
        action = dispatch(console, *command) if command else Action(turn=lambda: session.run(line))
        if action.exit:
            return 0
        if action.text:
            term.line(action.text)
        if action.turn is None:
            continue
        try:
            action.turn()
        except KeyboardInterrupt:  # the loop handles Ctrl-C itself; this is a last guard
            term.line("Interrupted.")
        for problem in disk_problems(console.session) - warned:  # a home that says no: once
            warned.add(problem)
            term.line(f"Note: {problem}. The work goes on.")
