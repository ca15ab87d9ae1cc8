"""Hooks, a conformance suite against Claude Code's hook contract, with real processes.

The hooks are real shell scripts and Python scripts written to tmp_path, and Python
functions; the tables below are the contract: what each event receives, what each exit code
does for each event, what each JSON field does, which matcher takes which name.
"""

import dataclasses
import itertools
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.hooks.runner import EVENTS, Block, Hook, Hooks, Outcome
from agent.hooks.from_settings import parse_hooks

# The reference, written out again rather than imported: the test is the specification.
BLOCKING = {"PreToolUse", "UserPromptSubmit", "Stop", "SubagentStop", "PostToolUse",
            "PostToolUseFailure"}
PLAIN_CONTEXT = {"UserPromptSubmit", "SessionStart"}
FIELDS = {  # each event's own input fields
    "SessionStart": {"source": "startup"},
    "UserPromptSubmit": {"prompt": "fix the bug"},
    "PreToolUse": {"tool_name": "Bash", "tool_input": {"command": "ls"}, "tool_use_id": "call_1"},
    "PostToolUse": {"tool_name": "Bash", "tool_input": {"command": "ls"}, "tool_use_id": "call_1",
                    "tool_response": "a.txt\nb.txt"},
    "PostToolUseFailure": {"tool_name": "Bash", "tool_input": {"command": "ls"},
                           "tool_use_id": "call_1", "error": "exit code 2"},
    "Notification": {"message": "The agent needs your permission to use Bash"},
    "Stop": {"stop_hook_active": False},
    "SubagentStop": {"stop_hook_active": True},
    "PreCompact": {"trigger": "manual", "custom_instructions": "keep the plan"},
    "SessionEnd": {"reason": "exit"},
}
TARGETS = {"SessionStart": "startup", "PreToolUse": "Bash", "PostToolUse": "Bash",
           "PostToolUseFailure": "Bash", "PreCompact": "manual"}  # what the matcher sees
_names = itertools.count()


def script(tmp_path: Path, body: str, shebang: str = "#!/bin/sh", mode: int = 0o755) -> str:
    """A hook script in tmp_path; returns the command that runs it."""
    path = tmp_path / f"hook{next(_names)}"
    path.write_text(f"{shebang}\n{body}\n")
    path.chmod(mode)
    return shlex.quote(str(path))


def make_hooks(tmp_path: Path, event: str, *commands: str, timeout: float = 10.0,
               **options) -> Hooks:
    hooks = [Hook(event, "", command=c, timeout=timeout, source="settings.json") for c in commands]
    return Hooks(hooks, cwd=tmp_path, project=tmp_path, **options)


def fire(hooks: Hooks, event: str) -> Outcome:
    return hooks.run(event, TARGETS.get(event), **FIELDS[event])


def combined(outcome: Outcome) -> Outcome:
    """The outcome without the runs and their output: what the hooks said, not how they ran."""
    return dataclasses.replace(outcome, runs=(), shown=())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")  # a zombie still answers kill(pid, 0)
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X"))


# --- the input ----------------------------------------------------------------------------

@pytest.mark.parametrize("event", EVENTS)
def test_every_event_sends_its_input_on_stdin(tmp_path, event):
    seen = tmp_path / "seen.json"
    hooks = make_hooks(tmp_path, event, f"cat > {seen}", session_id="s-1",
                       transcript_path=lambda: str(tmp_path / "s-1.jsonl"),
                       permission_mode=lambda: "acceptEdits")
    fire(hooks, event)
    assert json.loads(seen.read_text()) == {
        "session_id": "s-1", "transcript_path": str(tmp_path / "s-1.jsonl"), "cwd": str(tmp_path),
        "permission_mode": "acceptEdits", "hook_event_name": event, **FIELDS[event]}


def test_the_mode_and_transcript_are_read_at_each_run(tmp_path):
    seen, mode = tmp_path / "seen.json", ["default"]
    hooks = make_hooks(tmp_path, "Stop", f"cat > {seen}", permission_mode=lambda: mode[0],
                       transcript_path="fixed.jsonl")
    fire(hooks, "Stop")
    mode[0] = "plan"
    fire(hooks, "Stop")
    assert json.loads(seen.read_text())["permission_mode"] == "plan"
    assert json.loads(seen.read_text())["transcript_path"] == "fixed.jsonl"


def test_no_matching_hook_returns_at_once_without_building_the_input(tmp_path):
    def transcript() -> str:
        raise AssertionError("transcript_path must not be called")
    hooks = make_hooks(tmp_path, "PreToolUse", "exit 2", transcript_path=transcript)
    hooks.hooks = [dataclasses.replace(hooks.hooks[0], matcher="Edit")]
    assert hooks.run("PreToolUse", "Bash", tool_name="Bash") == Outcome()
    assert hooks.run("Stop", stop_hook_active=False) == Outcome()


def test_environment_and_working_directory(tmp_path, monkeypatch):
    out, project = tmp_path / "env.txt", tmp_path / "project"
    work = project / "sub"
    work.mkdir(parents=True)
    command = (f'printf "%s\\n" "$AGENT_PROJECT_DIR" "$CLAUDE_PROJECT_DIR" "$(pwd -P)" '
               f'"${{ONLY_MINE-unset}}" "${{HOOK_TEST_OUTER-unset}}" > {out}')
    monkeypatch.setenv("HOOK_TEST_OUTER", "outer")
    given = Hooks([Hook("Stop", "", command=command)], cwd=work, project=project,
                  env={"PATH": os.environ["PATH"], "ONLY_MINE": "mine"})
    given.run("Stop", stop_hook_active=False)
    expected = [str(project), str(project), str(work.resolve())]
    assert out.read_text().splitlines() == [*expected, "mine", "unset"]
    Hooks([Hook("Stop", "", command=command)], cwd=work, project=project).run("Stop")
    assert out.read_text().splitlines() == [*expected, "unset", "outer"]


# --- exit codes, for every event --------------------------------------------------------

NOTES = {1: "exited 1", 3: "exited 3", 126: "not executable", 127: "command not found"}


def command_for(tmp_path: Path, code: int) -> str:
    if code == 126:
        return script(tmp_path, "echo never", mode=0o644)
    if code == 127:
        return shlex.quote(str(tmp_path / "missing-hook.sh"))
    return script(tmp_path, f"cat > /dev/null\necho out\necho err >&2\nexit {code}")


@pytest.mark.parametrize("code", [0, 2, 1, 3, 126, 127])
@pytest.mark.parametrize("event", EVENTS)
def test_exit_codes(tmp_path, event, code):
    command = command_for(tmp_path, code)
    outcome = fire(make_hooks(tmp_path, event, command), event)
    assert outcome.runs[0].exit_code == code
    if code == 0:  # success: plain stdout is context for two events, ignored elsewhere
        assert combined(outcome) == Outcome(context=("out",) if event in PLAIN_CONTEXT else ())
    elif code == 2 and event in BLOCKING:  # blocking: stderr is the reason
        assert combined(outcome) == Outcome(blocked=True, reason="err",
                                            permission="deny" if event == "PreToolUse" else None)
    elif code == 2:  # exit 2 cannot block here: stderr is shown to the user
        assert combined(outcome) == Outcome(messages=(f"{event} hook: err",))
    else:  # a non-blocking error: the user is told, nothing else changes
        (message,) = outcome.messages
        assert combined(outcome) == Outcome(messages=(message,))
        assert NOTES[code] in message and command in message and "settings.json" in message
        mistake = code == 1 and event in BLOCKING  # exit 1 where exit 2 would have blocked
        assert ("which does not block (exit 2 blocks)" in message) == mistake
        assert ("err" in message) == (code in (1, 3))


def test_a_hook_killed_by_a_signal(tmp_path):
    outcome = fire(make_hooks(tmp_path, "PostToolUse", "kill -9 $$"), "PostToolUse")
    assert outcome.runs[0].exit_code == -9 and not outcome.blocked
    assert "was killed by signal 9" in outcome.messages[0]


def test_stdout_json_is_ignored_on_exit_2(tmp_path):
    command = script(tmp_path, """echo '{"decision": "approve"}'\necho no >&2\nexit 2""")
    outcome = fire(make_hooks(tmp_path, "PreToolUse", command), "PreToolUse")
    assert combined(outcome) == Outcome(blocked=True, reason="no", permission="deny")


def test_exit_2_without_stderr_still_gives_a_reason(tmp_path):
    outcome = fire(make_hooks(tmp_path, "Stop", "exit 2"), "Stop")
    assert outcome.blocked and outcome.reason == "blocked by the Stop hook exit 2 (settings.json)"


def test_only_the_first_lines_of_stderr_are_shown(tmp_path):
    command = "for i in 1 2 3 4 5 6; do echo line$i >&2; done; exit 1"
    (message,) = fire(make_hooks(tmp_path, "Notification", command), "Notification").messages
    assert "line3" in message and "line4" not in message


def test_a_hook_that_cannot_start(tmp_path):
    hooks = Hooks([Hook("Stop", "", command="true")], cwd=tmp_path / "gone", project=tmp_path)
    outcome = hooks.run("Stop", stop_hook_active=False)
    assert outcome.runs[0].exit_code is None and not outcome.blocked
    assert "could not be started" in outcome.messages[0]


# --- JSON output: one table, run as a shell script, a Python script and a Python function --

def specific(event: str, **fields) -> dict:
    return {"hookSpecificOutput": {"hookEventName": event, **fields}}


JSON_CASES = [  # (event, the hook's JSON output, the Outcome it gives, runs aside)
    ("Stop", {"continue": False, "stopReason": "tests pass"},
     Outcome(stop=True, stop_reason="tests pass")),
    ("PreToolUse", {"continue": False}, Outcome(stop=True)),
    ("SessionStart", {"systemMessage": "welcome back"}, Outcome(messages=("welcome back",))),
    ("UserPromptSubmit", {"suppressOutput": True}, Outcome()),
    ("Stop", {}, Outcome()),
    *[(event, {"decision": "block", "reason": "why"}, Outcome(blocked=True, reason="why"))
      for event in ("UserPromptSubmit", "PostToolUse", "PostToolUseFailure", "Stop",
                    "SubagentStop")],
    *[(event, {"decision": "block", "reason": "why"}, Outcome())  # no decisions there
      for event in ("SessionStart", "Notification", "PreCompact", "SessionEnd")],
    ("PreToolUse", {"decision": "approve"}, Outcome(permission="allow")),  # the legacy form
    ("PreToolUse", {"decision": "block", "reason": "no"},
     Outcome(blocked=True, reason="no", permission="deny")),
    ("PreToolUse", specific("PreToolUse", permissionDecision="allow",
                            permissionDecisionReason="read-only"),
     Outcome(permission="allow", messages=("read-only",))),  # allow, ask: the user reads why
    ("PreToolUse", specific("PreToolUse", permissionDecision="ask",
                            permissionDecisionReason="touches prod"),
     Outcome(permission="ask", messages=("touches prod",))),
    ("PreToolUse", specific("PreToolUse", permissionDecision="deny",
                            permissionDecisionReason="use the Read tool"),
     Outcome(blocked=True, reason="use the Read tool", permission="deny")),
    ("PreToolUse", {"decision": "approve", **specific("PreToolUse", permissionDecision="deny")},
     Outcome(blocked=True, reason="blocked by the PreToolUse hook {label} (settings.json)",
             permission="deny")),  # the new field wins over the legacy one
    ("PreToolUse", specific("PreToolUse", permissionDecision="allow",
                            updatedInput={"command": "ls -a"}),
     Outcome(permission="allow", updated_input={"command": "ls -a"})),
    ("PreToolUse", specific("PreToolUse", updatedInput={"command": "ls -a"}),
     Outcome(updated_input={"command": "ls -a"})),
    *[(event, specific(event, additionalContext="the tests live in t/"),
       Outcome(context=("the tests live in t/",)))
      for event in ("SessionStart", "UserPromptSubmit", "PostToolUse", "PreToolUse")],
    ("PostToolUse", {"decision": "block", "reason": "lint failed", "systemMessage": "linted",
                     **specific("PostToolUse", additionalContext="ruff output: ...")},
     Outcome(blocked=True, reason="lint failed", context=("ruff output: ...",),
             messages=("linted",))),
]


def json_hook(tmp_path: Path, kind: str, event: str, output: dict) -> Hooks:
    text = json.dumps(output)
    if kind == "function":
        hooks = Hooks([], cwd=tmp_path, project=tmp_path)
        hooks.add(event, lambda data: json.loads(text))
        return hooks
    if kind == "sh":
        body = f"cat > /dev/null\nprintf '%s\\n' {shlex.quote(text)}"
        return make_hooks(tmp_path, event, script(tmp_path, body))
    body = ("import json, sys\ndata = json.load(sys.stdin)\n"
            f"assert data['hook_event_name'] == {event!r}\nprint({text!r})")
    return make_hooks(tmp_path, event, script(tmp_path, body, shebang="#!/usr/bin/env python3"))


@pytest.mark.parametrize("kind", ["sh", "python3", "function"])
@pytest.mark.parametrize("event, output, expected", JSON_CASES)
def test_json_output(tmp_path, kind, event, output, expected):
    outcome = fire(json_hook(tmp_path, kind, event, output), event)
    label = outcome.runs[0].hook.label
    if kind == "function":
        expected = dataclasses.replace(expected, reason=expected.reason.replace(
            "(settings.json)", "(python)"))
    assert combined(outcome) == dataclasses.replace(
        expected, reason=expected.reason.replace("{label}", label))


@pytest.mark.parametrize("event", EVENTS)
def test_python_block_is_exit_2(tmp_path, event):
    def gate(data: dict) -> dict:
        raise Block("not now")
    python = Hooks([], cwd=tmp_path, project=tmp_path)
    python.add(event, gate)
    shell = make_hooks(tmp_path, event, "echo 'not now' >&2; exit 2")
    assert combined(fire(python, event)) == combined(fire(shell, event))
    assert fire(python, event).runs[0].exit_code == 2


@pytest.mark.parametrize("event, stdout, context, broken", [
    ("UserPromptSubmit", "{oops", ("{oops",), True),  # looks like JSON: the user is told
    ("PreToolUse", '{"decision": "block"', (), True),
    ("SessionStart", "[1, 2]", ("[1, 2]",), False),  # JSON, but not an object: plain text
    ("SessionStart", 'note: {"a": 1}', ('note: {"a": 1}',), False),
    ("Stop", "all good", (), False),
])
def test_stdout_that_is_not_a_json_object(tmp_path, event, stdout, context, broken):
    command = f"cat > /dev/null; printf '%s\\n' {shlex.quote(stdout)}"
    outcome = fire(make_hooks(tmp_path, event, command), event)
    assert outcome.runs[0].output is None and outcome.context == context
    assert not outcome.blocked and outcome.permission is None
    assert bool(outcome.messages) == broken
    assert all("broken JSON" in message for message in outcome.messages)


def test_a_python_script_as_a_gate(tmp_path):
    gate = script(tmp_path, """import json, sys
data = json.load(sys.stdin)
if "rm -rf" in data["tool_input"]["command"]:
    print("rm -rf is not allowed here", file=sys.stderr)
    sys.exit(2)
print(json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse",
                  "permissionDecision": "allow", "permissionDecisionReason": "checked"}}))""",
                  shebang="#!/usr/bin/env python3")
    hooks = Hooks([Hook("PreToolUse", "Bash", command=gate)], cwd=tmp_path, project=tmp_path)
    denied = hooks.run("PreToolUse", "Bash", tool_name="Bash", tool_input={"command": "rm -rf /"})
    allowed = hooks.run("PreToolUse", "Bash", tool_name="Bash", tool_input={"command": "ls"})
    assert combined(denied) == Outcome(blocked=True, reason="rm -rf is not allowed here",
                                       permission="deny")
    assert combined(allowed) == Outcome(permission="allow", messages=("checked",))
    assert hooks.run("PreToolUse", "Edit", tool_name="Edit") == Outcome()


# --- several hooks ------------------------------------------------------------------------

@pytest.mark.parametrize("order", list(itertools.permutations(["allow", "ask", "deny"])))
def test_deny_beats_ask_beats_allow(tmp_path, order):
    outputs = [specific("PreToolUse", permissionDecision=d, permissionDecisionReason=f"{d} reason")
               for d in order]
    commands = [f"printf '%s' {shlex.quote(json.dumps(output))}" for output in outputs]
    outcome = fire(make_hooks(tmp_path, "PreToolUse", *commands), "PreToolUse")
    assert outcome.permission == "deny" and outcome.blocked and outcome.reason == "deny reason"
    assert outcome.messages == tuple(f"{d} reason" for d in order if d != "deny")
    without_deny = fire(make_hooks(tmp_path, "PreToolUse", *[c for c, d in zip(commands, order)
                                                             if d != "deny"]), "PreToolUse")
    assert without_deny.permission == "ask" and not without_deny.blocked


def test_results_come_in_hook_order_not_finishing_order(tmp_path):
    slow = ("sleep 0.3; echo '{\"systemMessage\": \"first\", \"continue\": false, "
            "\"stopReason\": \"one\", \"hookSpecificOutput\": {\"hookEventName\": \"PreToolUse\", "
            "\"additionalContext\": \"first\", \"updatedInput\": {\"n\": 1}}}'")
    fast = ("echo '{\"systemMessage\": \"second\", \"continue\": false, \"stopReason\": \"two\", "
            "\"hookSpecificOutput\": {\"hookEventName\": \"PreToolUse\", "
            "\"additionalContext\": \"second\", \"updatedInput\": {\"n\": 2}}}'")
    outcome = fire(make_hooks(tmp_path, "PreToolUse", slow, fast), "PreToolUse")
    assert outcome.context == ("first", "second") and outcome.messages == ("first", "second")
    assert outcome.stop and outcome.stop_reason == "one\ntwo"
    assert outcome.updated_input == {"n": 2}  # the last one given wins


def test_one_blocking_hook_blocks_and_the_others_still_count(tmp_path):
    context = "echo '{\"hookSpecificOutput\": {\"additionalContext\": \"more\"}}'"
    outcome = fire(make_hooks(tmp_path, "PostToolUse", context, "echo bad >&2; exit 2",
                              "echo worse >&2; exit 2", "exit 1"), "PostToolUse")
    assert outcome.blocked and outcome.reason == "bad\nworse" and outcome.context == ("more",)
    assert len(outcome.messages) == 1 and "exited 1" in outcome.messages[0]


def test_hooks_run_in_parallel(tmp_path):
    # Each hook waits for the other's marker: run one after the other, the first gives up.
    wait = ("touch {mine}; i=0; while [ ! -e {other} ]; do i=$((i+1)); "
            "[ $i -gt 100 ] && exit 1; sleep 0.05; done")
    a, b = tmp_path / "a", tmp_path / "b"
    hooks = make_hooks(tmp_path, "Stop", wait.format(mine=a, other=b),
                       wait.format(mine=b, other=a))
    hooks.add("Stop", lambda data: None)  # Python hooks share the pool
    assert [run.exit_code for run in fire(hooks, "Stop").runs] == [0, 0, 0]


@pytest.mark.parametrize("event", EVENTS)
def test_what_a_hook_prints_is_shown_unless_it_asks_suppress_output(tmp_path, event):
    plain = "cat > /dev/null; echo formatted 3 files"
    quiet = """cat > /dev/null; echo '{"suppressOutput": true, "systemMessage": "done"}'"""
    loud = """cat > /dev/null; echo '{"suppressOutput": false}'"""
    failed = "cat > /dev/null; echo partial; exit 1"
    outcome = fire(make_hooks(tmp_path, event, plain, quiet, loud, failed), event)
    assert outcome.shown == (f"{plain}: formatted 3 files", f'{loud}: {{"suppressOutput": false}}')
    assert "done" in outcome.messages  # suppressOutput hides stdout, not the systemMessage


def interrupted_stop_hook(tmp_path, before: str = "") -> tuple[subprocess.Popen, Path]:
    """A Python process running a Stop hook that starts `sleep 60` and writes its pid, and
    printing "interrupted" on Ctrl-C; `before`: code run first (it may patch the runner)."""
    child_pid = tmp_path / "child.pid"
    hook = script(tmp_path, f"sleep 60 & echo $! > {child_pid}; wait")
    program = (f"import sys; sys.path.insert(0, {str(Path.cwd())!r})\n"
               "from pathlib import Path\nimport agent.hooks.runner as runner\n" + before +
               f"hooks = runner.Hooks([runner.Hook('Stop', '', command={hook!r})], Path('.'), Path('.'))\n"
               "try:\n    hooks.run('Stop', stop_hook_active=False)\n"
               "except KeyboardInterrupt:\n    print('interrupted', flush=True)\n")
    return subprocess.Popen([sys.executable, "-c", program], cwd=tmp_path,
                            stdout=subprocess.PIPE, text=True), child_pid


def gone(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def test_ctrl_c_kills_the_running_hooks_and_what_they_started(tmp_path):
    proc, child_pid = interrupted_stop_hook(tmp_path)
    deadline = time.monotonic() + 10
    while not (child_pid.exists() and child_pid.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(child_pid.read_text())
    assert alive(pid)
    proc.send_signal(signal.SIGINT)
    assert proc.communicate(timeout=10)[0] == "interrupted\n"
    assert gone(pid)


def test_ctrl_c_before_a_hook_has_started_stops_it_as_it_starts(tmp_path):
    """The interrupt comes first, the hook's process after (a busy machine: the worker had
    not spawned it yet). It must not run on to its timeout, which the exit would wait for."""
    proc, child_pid = interrupted_stop_hook(tmp_path, before=(
        "import os, signal, threading, time\nreal = runner.run_command\n"
        "def late(*args, **kwargs):\n    time.sleep(0.5)\n    return real(*args, **kwargs)\n"
        "runner.run_command = late\n"
        "threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT)).start()\n"))
    assert proc.communicate(timeout=20)[0] == "interrupted\n"
    if child_pid.exists() and child_pid.read_text().strip():  # it had started: it is gone
        assert gone(int(child_pid.read_text()))

# --- processes that misbehave -------------------------------------------------------------

def test_a_hanging_hook_is_killed_with_its_children(tmp_path):
    marker = tmp_path / "written-by-the-child"
    hooks = make_hooks(tmp_path, "PreToolUse", f"(sleep 3; touch {marker}) & sleep 60", timeout=1)
    start = time.monotonic()  # it does not read its input either, and the input is large
    outcome = hooks.run("PreToolUse", "Bash", tool_name="Bash", tool_input={"command": "x" * 10**6})
    assert time.monotonic() - start < 2.5
    assert outcome.runs[0].exit_code is None
    assert outcome.runs[0].note == "timed out after 1 s and was stopped"
    assert not outcome.blocked and outcome.permission is None  # a non-blocking error
    assert "timed out after 1 s and was stopped" in outcome.messages[0]
    time.sleep(max(0.0, start + 4 - time.monotonic()))
    assert not marker.exists()


def test_a_hanging_python_hook_is_left_behind_at_its_timeout(tmp_path):
    import threading
    release = threading.Event()
    hooks = Hooks([], tmp_path, tmp_path)
    hooks.add("PreToolUse", lambda data: release.wait(30) and {"decision": "block"}, timeout=0.5)
    hooks.add("PreToolUse", lambda data: {"systemMessage": "the quick one answered"})
    start = time.monotonic()
    outcome = hooks.run("PreToolUse", "Bash", tool_name="Bash", tool_input={"command": "ls"})
    assert time.monotonic() - start < 5
    release.set()
    assert not outcome.blocked and outcome.runs[0].exit_code == 1
    assert "did not return within 0.5 s: its answer is ignored" in outcome.messages[0]
    assert outcome.messages[1] == "the quick one answered"


def test_a_flood_of_output_is_capped(tmp_path):
    command = ("head -c 10000000 /dev/zero | tr '\\0' x; "
               "head -c 10000000 /dev/zero | tr '\\0' y >&2")
    outcome = fire(make_hooks(tmp_path, "UserPromptSubmit", command), "UserPromptSubmit")
    run = outcome.runs[0]
    assert run.exit_code == 0
    for text, char in ((run.stdout, "x"), (run.stderr, "y")):
        assert text.startswith(char * 65536) and len(text) < 66_000
        assert "10,000,000 bytes in all" in text
    assert outcome.context == (run.stdout,)


@pytest.mark.parametrize("command", ["exit 0", "sleep 0.3", "exec 0<&-; sleep 0.3"])
def test_a_hook_that_ignores_its_stdin(tmp_path, command):
    hooks = make_hooks(tmp_path, "UserPromptSubmit", command, timeout=5)
    outcome = hooks.run("UserPromptSubmit", prompt="x" * 1_000_000)  # far more than a pipe holds
    assert outcome.runs[0].exit_code == 0 and outcome.messages == ()


def test_a_background_job_holding_the_output_is_stopped(tmp_path):
    pid_file = tmp_path / "pid"
    hooks = make_hooks(tmp_path, "SessionStart", f"sleep 30 & echo $! > {pid_file}; echo started")
    start = time.monotonic()
    outcome = fire(hooks, "SessionStart")
    assert time.monotonic() - start < 5
    assert outcome.runs[0].exit_code == 0 and outcome.context == ("started",)
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 3
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


# --- matchers -----------------------------------------------------------------------------

@pytest.mark.parametrize("matcher, target, expected", [
    ("", "Bash", True), ("*", "Bash", True),
    ("Bash", "Bash", True), ("Bash", "BashOutput", False), ("bash", "Bash", False),
    ("Edit|Write", "Write", True), ("Edit|Write", "Edit", True), ("Edit|Write", "MultiEdit", False),
    ("Notebook.*", "NotebookEdit", True), ("Notebook.*", "Notebook", True),
    ("Notebook.*", "MyNotebookEdit", False),  # the whole name must match
    ("mcp__.*__write.*", "mcp__fs__write_file", True), ("mcp__github__.*", "mcp__fs__read", False),
    ("Write(", "Write(", True), ("Write(", "Write", False),  # not a regex: compared as text
    ("[Edit", "Edit", False), ("Read|[Edit", "Read", True),
    ("startup", "startup", True), ("startup|resume", "resume", True), ("manual", "auto", False),
])
def test_matchers(matcher, target, expected):
    hooks = Hooks([Hook("PreToolUse", matcher, command="true")], Path("."), Path("."))
    assert bool(hooks.matching("PreToolUse", target)) is expected


def test_matching_takes_the_event_and_no_target_takes_all():
    hooks = Hooks([Hook("Stop", "Bash", command="a"), Hook("Stop", "", command="b"),
                   Hook("PreToolUse", "*", command="c")], Path("."), Path("."))
    assert [h.command for h in hooks.matching("Stop")] == ["a", "b"]
    assert [h.command for h in hooks.matching("Stop", "Edit")] == ["b"]
    assert [h.command for h in hooks.matching("PreToolUse", "Bash")] == ["c"]
    with pytest.raises(ValueError, match="did you mean PreToolUse"):
        hooks.matching("PreTooluse")


# --- Python hooks -------------------------------------------------------------------------

def test_python_hooks_get_their_own_copy_of_the_input(tmp_path):
    seen = []

    def rewrite(data: dict) -> None:
        data["tool_input"]["command"] = "rm -rf /"

    def record(data: dict) -> dict:
        seen.append(data)
        return {"systemMessage": "recorded"}
    hooks = Hooks([], cwd=tmp_path, project=tmp_path, session_id="s")
    hooks.add("PreToolUse", rewrite, matcher="Bash")
    hooks.add("PreToolUse", record)
    fields = {"tool_name": "Bash", "tool_input": {"command": "ls"}}
    outcome = hooks.run("PreToolUse", "Bash", **fields)
    assert fields["tool_input"] == {"command": "ls"}
    assert seen[0]["tool_input"] == {"command": "ls"} and seen[0]["hook_event_name"] == "PreToolUse"
    assert combined(outcome) == Outcome(messages=("recorded",))
    assert [run.exit_code for run in outcome.runs] == [0, 0]


def test_a_python_hook_returning_none_is_a_silent_success(tmp_path):
    hooks = Hooks([], cwd=tmp_path, project=tmp_path)
    hooks.add("UserPromptSubmit", lambda data: None)
    outcome = hooks.run("UserPromptSubmit", prompt="hi")
    assert combined(outcome) == Outcome() and outcome.runs[0].exit_code == 0


@pytest.mark.parametrize("event", ["PreToolUse", "SessionStart"])
def test_a_python_hook_that_raises_is_a_non_blocking_error(tmp_path, event):
    def broken(data: dict) -> dict:
        raise KeyError("tool_input")
    hooks = Hooks([], cwd=tmp_path, project=tmp_path)
    hooks.add(event, broken)
    outcome = fire(hooks, event)
    assert not outcome.blocked and outcome.permission is None
    (message,) = outcome.messages
    assert "broken" in message and "raised KeyError('tool_input')" in message
    assert "does not block" not in message


def test_a_python_hook_returning_something_else(tmp_path):
    hooks = Hooks([], cwd=tmp_path, project=tmp_path)
    hooks.add("UserPromptSubmit", lambda data: "some context")
    outcome = hooks.run("UserPromptSubmit", prompt="hi")
    assert outcome.context == () and "returned a str, not a dict" in outcome.messages[0]


def test_adding_a_hook_for_an_unknown_event():
    with pytest.raises(ValueError, match="'PostToolUsed' is not an event; did you mean PostTool"):
        Hooks([], Path("."), Path(".")).add("PostToolUsed", lambda data: None)


# --- configuration ------------------------------------------------------------------------

def test_parse_hooks_keeps_every_file_in_order():
    user = {"PreToolUse": [{"matcher": "Edit|Write", "hooks": [
        {"type": "command", "command": "fmt", "timeout": 5},
        {"type": "command", "command": "lint"}]}],
        "Stop": [{"hooks": [{"type": "command", "command": "make test"}]}]}
    project = {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": "gate", "timeout": 0.5}]}]}
    home, ours = "~/.claude/settings.json", "p/.agent/settings.json"
    assert parse_hooks([(user, home), (project, ours)]) == [
        Hook("PreToolUse", "Edit|Write", command="fmt", timeout=5.0, source=home),
        Hook("PreToolUse", "Edit|Write", command="lint", timeout=60.0, source=home),
        Hook("Stop", "", command="make test", source=home),
        Hook("PreToolUse", "Bash", command="gate", timeout=0.5, source=ours)]
    assert parse_hooks([]) == [] and parse_hooks([({}, "x.json")]) == []


def entry(**fields) -> dict:
    return {"Stop": [{"hooks": [{"type": "command", "command": "ok"}, fields]}]}


@pytest.mark.parametrize("config, message", [
    ([], "hooks: must be an object, got []"),
    ({"PreToolUs": []}, "hooks.PreToolUs: 'PreToolUs' is not an event; did you mean PreToolUse?"),
    ({"BeforeAll": []}, "'BeforeAll' is not an event; known: SessionStart, UserPromptSubmit"),
    ({"Stop": {"hooks": []}}, "hooks.Stop: must be a list of matcher groups"),
    ({"Stop": ["echo hi"]}, 'hooks.Stop[0]: must be {"matcher": "...", "hooks": [...]}'),
    ({"Stop": [{"matcher": ""}]}, "hooks.Stop[0]: must be"),
    ({"Stop": [{"hooks": "echo hi"}]}, "hooks.Stop[0]: must be"),
    ({"Stop": [{"matcher": 3, "hooks": []}]}, "hooks.Stop[0].matcher: must be a string, got 3"),
    ({"Stop": [{"hooks": ["echo hi"]}]}, 'hooks.Stop[0].hooks[0]: must be {"type": "command"'),
    (entry(command="x"), 'hooks.Stop[0].hooks[1].type: must be "command", got null'),
    (entry(type="http", url="x"), 'hooks.Stop[0].hooks[1].type: must be "command", got "http"'),
    (entry(type="prompt", prompt="done?"), '"prompt" hooks are not supported'),
    (entry(type="command"), "hooks.Stop[0].hooks[1].command: must be a non-empty string, got null"),
    (entry(type="command", command=" "), "command: must be a non-empty string"),
    (entry(type="command", command=["ls"]), "command: must be a non-empty string"),
    *[(entry(type="command", command="x", timeout=bad), "hooks.Stop[0].hooks[1].timeout: must "
       "be a positive number of seconds") for bad in (0, -1, "60", True, None)],
])
def test_parse_hooks_errors(config, message):
    with pytest.raises(ValueError) as info:
        parse_hooks([({"Stop": []}, "a.json"), (config, "p/.agent/settings.json")])
    assert str(info.value).startswith("p/.agent/settings.json: ")
    assert message in str(info.value)


def test_describe(tmp_path):
    assert Hooks([], tmp_path, tmp_path).describe() == "No hooks are configured."

    def format_on_save(data: dict) -> None:
        return None
    hooks = Hooks(parse_hooks([({"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": "~/gate.sh", "timeout": 5}]}]}, "~/.claude/settings.json")]),
        tmp_path, tmp_path)
    hooks.add("PostToolUse", format_on_save, matcher="Edit|Write")
    first, second = hooks.describe().splitlines()
    assert first.split() == ["PreToolUse", "Bash", "~/gate.sh", "(timeout", "5", "s,",
                             "~/.claude/settings.json)"]
    assert second.split() == ["PostToolUse", "Edit|Write", "python", "format_on_save",
                              "(timeout", "60", "s,", "python)"]
