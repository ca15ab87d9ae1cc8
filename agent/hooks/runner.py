"""Hooks: the user's own commands, run at fixed points of a session, to watch, add context or
block: rules the model cannot talk its way around (a formatter after each Edit, a test gate on
Stop). Matching hooks run at once, each as `bash -c COMMAND` in its own process group with the
event as JSON on stdin (agent/tools/process.py, the Bash tool's runner too); their answers
are combined into one Outcome:

    exit 0      success; stdout is parsed if it is a JSON object (decision, context, ...)
    exit 2      blocks: stderr goes to the model (PreToolUse, PostToolUse, Stop, ...), or the
                prompt is dropped (UserPromptSubmit); for the other events, to the user
    otherwise   a non-blocking error, noted for the user (exit 1 does not block!)

Python hooks get the input dict and return the output dict, or raise Block; past their
timeout they are left running and ignored. Simplified: 64 KB kept per stream. A hook's plain
stdout is shown only in the --verbose trace and the stream-json events (Claude Code: transcript mode), unless the hook
answers `suppressOutput`. Ctrl-C kills the running hooks. The settings' `hooks` objects are read by
agent/hooks/from_settings.py. Not covered: "prompt" hooks, plugins.
Claude Code counterpart: `hooks`, /hooks.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

from agent.tools.process import run_command, shell, stop

EVENTS = ("SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "PostToolUseFailure",
          "Notification", "Stop", "SubagentStop", "PreCompact", "SessionEnd")
BLOCKING = ("PreToolUse", "UserPromptSubmit", "Stop", "SubagentStop", "PostToolUse",
            "PostToolUseFailure")  # exit 2 or `decision: "block"` acts; elsewhere it informs
PLAIN_CONTEXT = ("UserPromptSubmit", "SessionStart")  # plain stdout on exit 0 is context
STRICTNESS = {"allow": 0, "ask": 1, "deny": 2}
LEGACY = {"approve": "allow", "block": "deny"}  # PreToolUse's old `decision` values
KEEP_BYTES = 64 * 1024
MISTAKES = {126: "not executable: the hook did not run (chmod +x the script?)",
            127: "command not found: the hook did not run (is the script there and executable?)"}


@dataclass(frozen=True)
class Hook:
    """One configured hook: a shell command or a Python function, for one event."""

    event: str
    """One of EVENTS."""
    matcher: str
    """"" or "*": everything; else an exact name, "A|B", or a regular expression (fullmatch)."""
    command: str | None = None
    """A shell command, run with `bash -c` (sh when there is no bash)."""
    function: Callable[[dict], dict | None] | None = None
    """A Python hook: takes the input, returns the JSON output (None: nothing to say)."""
    timeout: float = 60.0
    """Seconds before a command hook is killed, with everything it started."""
    source: str = "python"
    """The settings file it came from, for /hooks and messages."""

    @property
    def label(self) -> str:
        """The command, or the Python function's name."""
        return self.command or getattr(self.function, "__name__", repr(self.function))


class Block(Exception):
    """A Python hook raises Block("reason") to do what exit 2 does (the message is the stderr)."""


@dataclass(frozen=True)
class HookRun:
    """How one hook ran."""

    hook: Hook
    """The hook that ran."""
    exit_code: int | None
    """None: killed on timeout or not started (see note). Python: 0 ok, 2 Block, 1 error."""
    stdout: str
    """The first KEEP_BYTES, with a note when cut (a Python hook: its result as JSON)."""
    stderr: str
    """The first KEEP_BYTES, with a note when cut."""
    output: dict | None
    """stdout parsed as a JSON object on exit 0, else None."""
    note: str
    """For the user: "" or what went wrong, or a likely mistake."""


@dataclass(frozen=True)
class Outcome:
    """Every matching hook of one event, combined."""

    runs: tuple[HookRun, ...] = ()
    """Each hook's run, in configuration order."""
    blocked: bool = False
    """Exit 2 or block/deny where it acts: skip the call, drop the prompt, go on, tell the model."""
    reason: str = ""
    """Why, for the model (UserPromptSubmit: for the user), one line per blocking hook."""
    permission: str | None = None
    """PreToolUse: the strictest permissionDecision given: deny > ask > allow."""
    updated_input: dict | None = None
    """PreToolUse: hookSpecificOutput.updatedInput (the last hook that gives one wins)."""
    context: tuple[str, ...] = ()
    """For the model: additionalContext, and plain stdout for UserPromptSubmit and SessionStart."""
    stop: bool = False
    """Some hook said `"continue": false`: the agent stops."""
    stop_reason: str = ""
    """Their stopReasons, for the user."""
    messages: tuple[str, ...] = ()
    """For the user: systemMessage, errors, likely mistakes, an allow's or ask's reason."""
    shown: tuple[str, ...] = ()
    """For the verbose trace: each succeeding hook's stdout, unless it asked `suppressOutput`."""


class Hooks:
    """The hooks of a session, and what they run with: the cwd, the project, the env."""

    def __init__(self, hooks: list[Hook], cwd: Path, project: Path,
                 env: Mapping[str, str] | None = None, session_id: Callable[[], str] | str = "",
                 transcript_path: Callable[[], str] | str = "",
                 permission_mode: Callable[[], str] | str = "default"):
        self.hooks, self.cwd, self.project, self.env = list(hooks), cwd, project, env
        self.session_id, self.transcript_path = session_id, transcript_path
        self.permission_mode = permission_mode

    def add(self, event: str, function: Callable[[dict], dict | None], matcher: str = "*",
            timeout: float = 60.0) -> None:
        """Register a Python hook."""
        check_event(event, "hook event")
        self.hooks.append(Hook(event, matcher, function=function, timeout=timeout))

    def matching(self, event: str, target: str | None = None) -> list[Hook]:
        """The event's hooks whose matcher takes the target: the tool name (tool events), the
        source (SessionStart), the trigger (PreCompact); None: every hook of the event."""
        check_event(event, "hook event")
        return [hook for hook in self.hooks if hook.event == event
                and (target is None or _matches(hook.matcher, target))]

    def run(self, event: str, target: str | None = None, **fields: object) -> Outcome:
        """Run the matching hooks at once, the event's fields on stdin; combine their answers."""
        hooks = self.matching(event, target)
        if not hooks:
            return Outcome()
        path, mode, sid = self.transcript_path, self.permission_mode, self.session_id  # /clear: a new id
        data = {"session_id": sid() if callable(sid) else sid, "cwd": str(self.cwd), "hook_event_name": event,
                "transcript_path": path() if callable(path) else path,
                "permission_mode": mode() if callable(mode) else mode, **fields}
        payload = json.dumps(data, default=str)
        env = {**(os.environ if self.env is None else self.env),
               "AGENT_PROJECT_DIR": str(self.project), "CLAUDE_PROJECT_DIR": str(self.project)}
        pool, live, start = ThreadPoolExecutor(max_workers=len(hooks)), _Live(), time.monotonic()
        try:  # from the first submit: a Ctrl-C may come while the hooks are being started
            futures = [pool.submit(_call, hook, payload) if hook.command is None else
                       pool.submit(_execute, hook, payload.encode(), self.cwd, env, live)
                       for hook in hooks]
            pool.shutdown(wait=False)  # so that Ctrl-C need not wait for the hooks
            return _combine(event, [_result(f, hook, start) for f, hook in zip(futures, hooks)])
        except BaseException:  # Ctrl-C: the hooks die with the turn, and what they started
            live.closed = True  # and one a worker starts from now on dies as it is added
            for proc in list(live):
                stop(proc, grace=0, wait=False)
            raise

    def describe(self) -> str:
        """For /hooks: one line per hook."""
        lines = [f"{h.event:<18} {h.matcher or '*':<14} {'' if h.command else 'python '}"
                 f"{h.label}  (timeout {h.timeout:g} s, {h.source})" for h in self.hooks]
        return "\n".join(lines) or "No hooks are configured."


class _Live(set):
    """The hooks' processes running now. Once closed (Ctrl-C), a process added is stopped:
    a worker may start its hook just after the turn was interrupted, and it would run on to
    its timeout, which the interpreter's exit waits for."""

    closed = False

    def add(self, proc) -> None:
        super().add(proc)
        if self.closed:
            stop(proc, grace=0, wait=False)


def _matches(matcher: str, target: str) -> bool:
    if matcher in ("", "*") or target == matcher or target in matcher.split("|"):
        return True
    with contextlib.suppress(re.error):  # not a regular expression: compared as text above
        return re.fullmatch(matcher, target) is not None
    return False


def _execute(hook: Hook, payload: bytes, cwd: Path, env: dict, live: set) -> HookRun:
    """Run a command hook in its own process group (agent/tools/process.py), killed with
    its children on timeout; `live` holds it while it runs, for Ctrl-C."""
    try:
        done = run_command(shell(hook.command), cwd, env, hook.timeout, stdin=payload,
                           merge_stderr=False, head=KEEP_BYTES, tail=0, grace=0, live=live)
    except OSError as e:
        return HookRun(hook, None, "", "", None, f"could not be started: {e.strerror or e}")
    stdout, output, note = done.out.text(), None, _exit_note(done.code, hook)
    if done.code == 0 and stdout.lstrip().startswith("{"):
        with contextlib.suppress(json.JSONDecodeError):
            output = json.loads(stdout)
        if not isinstance(output, dict):
            output, note = None, "printed broken JSON (not a JSON object): taken as plain text"
    return HookRun(hook, done.code, stdout, done.err.text(), output, note)


def _call(hook: Hook, payload: str) -> HookRun:
    try:
        result = hook.function(json.loads(payload))  # a Python hook gets its own copy
    except Block as e:
        return HookRun(hook, 2, "", str(e), None, "")
    except Exception as e:  # a broken hook is a non-blocking error, as a failing command is
        return HookRun(hook, 1, "", repr(e), None, f"raised {e!r}")
    if result is not None and not isinstance(result, dict):
        return HookRun(hook, 1, "", "", None, f"returned a {type(result).__name__}, not a dict")
    return HookRun(hook, 0, json.dumps(result) if result else "", "", result, "")


def _result(future: Future, hook: Hook, start: float) -> HookRun:
    """A command hook times itself out (_collect). A Python hook is waited for until its
    timeout, then left to run on, since a thread cannot be killed, and its answer ignored."""
    if hook.command is not None:
        return future.result()
    try:
        return future.result(max(0.0, start + hook.timeout - time.monotonic()))
    except FutureTimeout:
        return HookRun(hook, 1, "", "", None, f"did not return within {hook.timeout:g} s: "
                       "its answer is ignored (a Python hook cannot be stopped)")


def _exit_note(code: int | None, hook: Hook) -> str:
    """What a non-blocking exit code means, naming the likely mistakes."""
    if code is None:
        return f"timed out after {hook.timeout:g} s and was stopped"
    if code == 1 and hook.event in BLOCKING:
        return "exited 1, which does not block (exit 2 blocks): the action went ahead"
    if code in (0, 2):
        return ""
    return MISTAKES.get(code) or (f"was killed by signal {-code}" if code < 0 else f"exited {code}")


def _combine(event: str, runs: list[HookRun]) -> Outcome:
    """All hooks' answers as one, in hook order (not the order they finished in)."""
    blocked, stop, permission, updated = False, False, None, None
    reasons, stop_reasons, context, messages, shown = [], [], [], [], []
    for run in runs:
        label, out = f"{event} hook {run.hook.label} ({run.hook.source})", run.output or {}
        specific = inner if isinstance(inner := out.get("hookSpecificOutput"), dict) else {}
        decision, reason = out.get("decision"), str(out.get("reason") or "")
        if run.exit_code == 2:
            decision, reason = "block", run.stderr.strip()
            messages += [] if event in BLOCKING else [f"{event} hook: {reason or 'exited 2'}"]
        elif run.exit_code != 0:
            messages.append("\n  ".join([f"{label}: {run.note}", *run.stderr.splitlines()[:3]]))
            continue
        elif run.note:
            messages.append(f"{label}: {run.note}")
        if run.exit_code == 0 and run.stdout.strip() and not out.get("suppressOutput"):
            shown.append(f"{run.hook.label}: {run.stdout.strip()}")
        if run.exit_code == 0 and run.output is None and event in PLAIN_CONTEXT:
            context += [run.stdout.strip()] if run.stdout.strip() else []
        if out.get("continue") is False:
            stop = True
            stop_reasons += [str(out["stopReason"])] if out.get("stopReason") else []
        messages += [str(out["systemMessage"])] if out.get("systemMessage") else []
        context += [str(specific["additionalContext"])] if specific.get("additionalContext") else []
        if event == "PreToolUse":
            decision = specific.get("permissionDecision") or LEGACY.get(decision)
            reason = str(specific.get("permissionDecisionReason") or reason)
            if decision in STRICTNESS:
                permission = max(permission or decision, decision, key=STRICTNESS.get)
                messages += [reason] if reason and decision != "deny" else []  # for the user
            if isinstance(specific.get("updatedInput"), dict):
                updated = specific["updatedInput"]
        if event in BLOCKING and decision == ("deny" if event == "PreToolUse" else "block"):
            blocked = True
            reasons.append(reason or f"blocked by the {label}")
    return Outcome(tuple(runs), blocked, "\n".join(reasons), permission, updated,
                   tuple(context), stop, "\n".join(stop_reasons), tuple(messages), tuple(shown))


def check_event(event: str, where: str) -> None:
    if event not in EVENTS:
        near = get_close_matches(event, EVENTS, n=1)
        hint = f"did you mean {near[0]}?" if near else f"known: {', '.join(EVENTS)}"
        raise ValueError(f"{where}: {event!r} is not an event; {hint}")

