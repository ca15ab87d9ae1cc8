"""Print mode: one prompt, no questions, the answer or one result document on stdout.

    agent -p "fix the failing test"                            the answer (text)
    agent -p "..." --output-format json                        Claude Code's result document
    agent -p "..." --output-format stream-json                 its message lines, then the result
                                                               (both shaped in agent/app/output.py)

With --verbose the work is shown on stderr as in the REPL, the answer rendered as it streams;
when stdout is that same terminal, the answer (and how the turn ended) is not printed a
second time; stdout to a pipe or a file still gets the model's exact text.
Nobody can answer a question here, so a call that needs approval is refused with the rule or
flag that would allow it (agent/permissions/gate.py). A prompt that names a custom command
(`/review src`) runs it. Exit code 0 when the turn ended normally, 1 otherwise, 2 for a
plugin or a name that cannot be used; Ctrl-C, SIGTERM and SIGHUP end the run, and its
commands, with 128 + the signal (agent/app/signals.py).
Claude Code counterpart: `claude -p` and `--output-format`.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path


def print_mode(config, prompt: str, output_format: str, verbose: bool, permissions=None,
               report: Path | None = None, resume: Path | None = None, fork: bool = False,
               partial: bool = False, prompts: Iterator[str] | None = None) -> int:
    """One prompt; `resume`: the transcript of the session to go on with (its id is kept, or
    with `fork` a new session starts from a copy of it). `prompts` (--input-format
    stream-json): the prompts of a conversation, one turn each, instead of `prompt`;
    `partial`: stream-json's token deltas too (--include-partial-messages)."""
    from agent.app import custom_commands as custom, plugin_commands
    from agent.app.output import (Denials, StreamJson, denial_lines, dumps, init_line,
                                  result_document, stop_line)
    from agent.app.render import Terminal, filed_line
    from agent.app.signals import check
    from agent.app.slash import COMMANDS
    from agent.config.config import ConfigError
    from agent.events import PromptFiled
    from agent.session.compose import build_session
    from agent.session.resume import resume_at_start

    session_id = resume.stem if resume and not fork else str(uuid.uuid4())
    session = None
    if output_format == "stream-json":
        emit = StreamJson(lambda: session.id if session else session_id, config.model,
                          lambda line: print(dumps(line), flush=True), partial)
    elif verbose:
        emit = Terminal(sys.stderr, verbose=True)
    else:
        def emit(event: object) -> None:
            if isinstance(event, PromptFiled):  # the prompt did not go as it was: said once
                print(f"agent: {filed_line(event)}", file=sys.stderr)
    if not verbose and sys.stderr.isatty():  # a person watches: say what a long wait is for
        emit = _with_wait_line(emit)
    try:
        session = build_session(config, emit, ask=None, session_id=session_id,
                                permissions=permissions)
    except ConfigError as err:
        print(f"agent: {err}", file=sys.stderr)
        return 2
    denials = session.agent.authorize = Denials(session.agent.authorize)
    if resume:
        resumed, error = resume_at_start(session, resume, fork)
        if error:
            print(f"agent: {error}", file=sys.stderr)
            return 1
        if verbose or ";" in resumed:  # what was repaired or skipped is said once, always
            print(resumed, file=sys.stderr)
    if output_format == "stream-json":
        print(dumps(init_line(session, session.policy.mode)), flush=True)
    if session.sandbox.kind != "bubblewrap":  # said once, at the start: less, or no, sandbox
        print(f"agent: {session.sandbox.describe()}", file=sys.stderr)
    for problem in session.skills.problems if verbose and session.skills else ():
        print(f"agent: {problem}", file=sys.stderr)  # a skill skipped or hidden, when asked
    for line in mcp_lines(session):  # a server left out or failed: its tools are missing
        print(f"agent: {line}", file=sys.stderr)
    session.start("resume" if resume else "startup")
    code = 0
    from agent.app.stream_input import BadInput

    turns, ran = iter(prompts if prompts is not None else [prompt]), 0
    while True:
        try:
            prompt = next(turns)
        except StopIteration:
            if not ran:  # stdin closed before its first message: a script's mistake, said
                print("agent: --input-format stream-json: stdin held no user message",
                      file=sys.stderr)
                code = 2
            break
        except BadInput as err:  # the turns before it ran, and are saved
            print(f"agent: {err}", file=sys.stderr)
            code = 2
            break
        plugged = plugin_commands.from_prompt(prompt, session, COMMANDS)  # `-p "/calls"`
        try:  # `agent -p "/review src"` runs a custom command
            chosen = None if plugged else custom.from_prompt(
                prompt, session.policy.project or config.cwd, Path.home(),
                session.settings.trusted, builtins=COMMANDS,
                plugged=[name for name in session.commands if name not in COMMANDS])
        except ValueError as err:
            print(f"agent: {err}", file=sys.stderr)
            code = 2
            break
        seen, calls, start = len(denials.refused), len(session.meter.records), time.monotonic()
        ran += 1
        end = (plugin_commands.turn(*plugged, session) if plugged else
               custom.run(*chosen, session) if chosen else session.run(prompt))
        check()  # a stop signal ended the turn: the run ends with it (agent/app/signals.py)
        refused = denials.refused[seen:]
        document = result_document(end, session, time.monotonic() - start, refused,
                                   session.meter.records[calls:])
        if output_format != "text":
            print(dumps(document), flush=True)
        elif verbose and one_terminal() and (end.n_turns or not plugged):
            pass  # the Terminal on stderr has shown the answer and how the turn ended: once is enough
        else:
            if end.stop_reason in ("end_turn", "max_tokens", "max_turns") and (
                    end.text or end.stop_reason == "end_turn"):  # what came is shown, and said to be cut
                print(end.text, flush=True)
            if end.stop_reason != "end_turn":
                print(f"agent: {stop_line(end, config.max_turns)}", file=sys.stderr)
        if output_format == "text" or verbose:  # in every format, refusals are said whole
            for line in denial_lines(refused):
                print(line, file=sys.stderr)
        code = code or (0 if end.stop_reason == "end_turn" else 1)
    session.end("other")
    session.close()
    if session.transcript.error:
        print(f"agent: {session.transcript.error}; this session cannot be resumed", file=sys.stderr)
    if report:
        session.meter.write_csv(report)
    return code


def mcp_lines(session) -> list[str]:
    """The MCP servers that are not running, and why, one line each (agent/mcp/)."""
    if session.mcp is None:
        return []
    return [*session.mcp.problems, *(f"MCP server {name}: {c.status}" for name, c in
                                     session.mcp.connections.items() if c.status != "connected")]


def one_terminal() -> bool:
    """Are stdout and stderr the same terminal (a person reads both in one place)?"""
    try:
        return (sys.stdout.isatty() and sys.stderr.isatty()
                and os.path.samestat(os.fstat(sys.stdout.fileno()), os.fstat(sys.stderr.fileno())))
    except (OSError, ValueError):  # a closed or replaced stream: print as usual
        return False


def _with_wait_line(emit):
    from agent.app.render import WaitLine, wants_color

    waiting = WaitLine(sys.stderr, live=True, color=wants_color(sys.stderr))

    def both(event: object) -> None:
        waiting(event)
        emit(event)
    return both
