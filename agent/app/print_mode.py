"""Print mode: one prompt, no questions, the answer or one result document on stdout.

    agent -p "fix the failing test"                            the answer (text)
    agent -p "..." --output-format json                        one document: result, usage, cost
    agent -p "..." --output-format stream-json                 one event per line, then the document

Nobody can answer a question here, so a call that needs approval is refused with the rule or
flag that would allow it (agent/permissions/gate.py). A prompt that names a custom command
(`/review src`) runs it. Exit code 0 when the turn ended normally, 1 otherwise, 2 for a
plugin or a name that cannot be used; Ctrl-C, SIGTERM and SIGHUP end the run, and its
commands, with 128 + the signal (agent/app/signals.py).
Claude Code counterpart: `claude -p` and `--output-format`.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path


def result_document(end, session_id: str, seconds: float, tool_calls: dict | None = None,
                    context: dict | None = None, cost: dict | None = None) -> dict:
    """The `--output-format json` document (also the last line of stream-json). `tool_calls`:
    the repair ladder's counts per model and rung (agent/model/tool_repair.py); `context`: see
    `context_report`; `cost`: see `cost_report`."""
    from dataclasses import asdict

    ok = end.stop_reason == "end_turn"
    return {"type": "result", "subtype": "success" if ok else f"error_{end.stop_reason}",
            "is_error": not ok, "result": end.text, "stop_reason": end.stop_reason,
            "session_id": session_id, "num_turns": end.n_turns,
            "duration_ms": round(seconds * 1000), "usage": asdict(end.usage),
            **({"tool_calls": tool_calls} if tool_calls is not None else {}),
            **({"context": context} if context is not None else {}),
            **({"total_cost_usd": cost.get("cost_usd"), "cost": cost} if cost is not None else {})}


def print_mode(config, prompt: str, output_format: str, verbose: bool, permissions=None,
               report: Path | None = None, resume: Path | None = None, fork: bool = False) -> int:
    """One prompt; `resume`: the transcript of the session to go on with (its id is kept, or
    with `fork` a new session starts from a copy of it)."""
    from agent.app import custom_commands as custom
    from agent.app.render import Terminal, filed_line, to_json
    from agent.app.signals import check
    from agent.app.slash import COMMANDS
    from agent.config.config import ConfigError
    from agent.events import PromptFiled
    from agent.session.compose import build_session
    from agent.session.resume import resume_at_start

    session_id = resume.stem if resume and not fork else str(uuid.uuid4())
    if output_format == "stream-json":
        def emit(event: object) -> None:
            if type(event).__name__ not in ("TurnEnd", "Waiting"):  # the result closes the stream
                print(json.dumps(to_json(event), ensure_ascii=False), flush=True)
        print(json.dumps({"type": "system", "subtype": "init", "session_id": session_id,
                          "model": config.model, "cwd": str(config.cwd),
                          "permission_mode": config.permission_mode}), flush=True)
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
    start = time.monotonic()
    if resume:
        resumed, error = resume_at_start(session, resume, fork)
        if error:
            print(f"agent: {error}", file=sys.stderr)
            return 1
        if verbose or ";" in resumed:  # what was repaired or skipped is said once, always
            print(resumed, file=sys.stderr)
    try:  # `agent -p "/review src"` runs a custom command
        chosen = custom.from_prompt(prompt, session.policy.project or config.cwd, Path.home(),
                                    session.settings.trusted, builtins=COMMANDS)
    except ValueError as err:
        print(f"agent: {err}", file=sys.stderr)
        return 2
    if session.sandbox.kind != "bubblewrap":  # said once, at the start: less, or no, sandbox
        print(f"agent: {session.sandbox.describe()}", file=sys.stderr)
    session.start("resume" if resume else "startup")
    end = custom.run(*chosen, session) if chosen else session.run(prompt)
    check()  # a stop signal ended the turn: the run ends with it (agent/app/signals.py)
    session.end("other")
    if session.transcript.error:
        print(f"agent: {session.transcript.error}; this session cannot be resumed", file=sys.stderr)
    document = result_document(end, session_id, time.monotonic() - start,
                               getattr(session.meter, "stats", None), session.context_report(),
                               session.cost_report())
    if report:
        session.meter.write_csv(report)
    if output_format == "text":
        if end.stop_reason == "end_turn":
            print(end.text)
        elif end.stop_reason == "max_tokens":  # what came is shown, and said to be cut
            print(end.text)
            print("agent: max_tokens: the answer was cut off at the server's output limit",
                  file=sys.stderr)
        else:
            print(f"agent: {end.stop_reason}: {end.text or 'no answer'}", file=sys.stderr)
    else:
        print(json.dumps(document, ensure_ascii=False), flush=True)
    return 0 if end.stop_reason == "end_turn" else 1


def _with_wait_line(emit):
    from agent.app.render import WaitLine

    waiting = WaitLine(sys.stderr, live=True)

    def both(event: object) -> None:
        waiting(event)
        emit(event)
    return both
