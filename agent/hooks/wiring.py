"""Hooks on the loop's seams: which seam each event uses, and what its outcome does there.

    SessionStart         session start (source "startup"), /clear ("clear"), after a
                         compaction ("compact"); its context goes with the next prompt
    UserPromptSubmit     on_prompt (agent/loop/seams.py): a block drops the prompt; context goes with it
    PreToolUse           around the permission gate: deny refuses, ask asks, allow skips the
                         question (never a deny rule); updatedInput replaces the arguments
    PostToolUse(Failure) a guard: a block's reason and additionalContext join the call's one
                         result, never a second result
    Stop                 a stop check: a block sends the model back with the reason, at most
                         MAX_SENT_BACK times per prompt
    PreCompact           Ladder.pre_compact, with trigger and custom_instructions
    Notification         when the harness asks the user a question
    SessionEnd           when the REPL or print mode ends
    SubagentStop         a stop check of each subagent's loop (matcher: its type): a block
                         sends the subagent back, as Stop does the main agent

`continue: false` from any hook ends the turn (stop reason "hook_stopped") with its
stopReason; `systemMessage` and the notes on failed hooks reach the user as `HookMessage`
events, never the model. The runner, the input JSON and the exit-code rules are agent.hooks.runner.
Claude Code counterpart: hooks, as wired into its query loop.
"""

from __future__ import annotations


from agent.events import HookMessage, HookOutput
from agent.hooks.runner import Hooks, Outcome
from agent.model.types import BadArguments, Emit, ToolCall, parse_arguments
from agent.loop.seams import StopTurn, Verdict
from agent.loop.turn import check_arguments
from agent.permissions.policy import Decision
from agent.permissions.gate import Gate
from agent.tools import Tool
from agent.model.reminders import remind

MAX_SENT_BACK = 3
HOOK_STOPPED = "hook_stopped"


class SessionHooks:
    """The hooks of one session, and the objects that attach them to the loop."""

    def __init__(self, hooks: Hooks, emit: Emit):
        self.hooks, self.emit = hooks, emit
        self.pending: list[str] = []  # SessionStart context, for the next prompt
        self.n_sent_back = 0

    def run(self, event: str, target: str | None = None, **fields) -> Outcome:
        outcome = self.hooks.run(event, target, **fields)
        for text in outcome.shown:
            self.emit(HookOutput(event, text))
        for text in outcome.messages:
            self.emit(HookMessage(event, text))
        return outcome

    def session_start(self, source: str) -> None:
        self.pending += self.run("SessionStart", source, source=source).context

    def session_end(self, reason: str) -> None:
        self.run("SessionEnd", None, reason=reason)

    def pre_compact(self, trigger: str, focus: str) -> None:
        self.run("PreCompact", trigger, trigger=trigger, custom_instructions=focus)

    def notify(self, message: str) -> None:
        self.run("Notification", None, message=message)

    def notifying(self, ask):
        """`ask` (the question on a terminal), with the Notification hook run first."""
        def ask_and_notify(tool: Tool, args: dict, decision: Decision):
            self.notify(f"The agent needs your permission to use {tool.name}")
            return ask(tool, args, decision)
        return ask_and_notify

    # UserPromptSubmit: on the loop's on_prompt seam
    def on_prompt(self, prompt: str) -> str | None:
        outcome = self.run("UserPromptSubmit", None, prompt=prompt)
        if outcome.stop:
            raise StopTurn(HOOK_STOPPED, outcome.stop_reason or "A UserPromptSubmit hook stopped.")
        if outcome.blocked:
            raise StopTurn("blocked", f"Prompt blocked by a UserPromptSubmit hook: {outcome.reason}")
        texts, self.pending = [*self.pending, *outcome.context], []
        return "\n".join(texts) or None

    # PostToolUse and PostToolUseFailure: on the loop's after_tool seam
    def after_tool(self, call: ToolCall, result: str, is_error: bool = False) -> str:
        event = "PostToolUseFailure" if is_error else "PostToolUse"
        fields = {"error": result} if is_error else {}
        outcome = self.run(event, call.name, tool_name=call.name, tool_input=arguments(call),
                           tool_use_id=call.id, tool_response=result, **fields)
        if outcome.stop:
            raise StopTurn(HOOK_STOPPED, outcome.stop_reason or f"A {event} hook stopped.")
        told = [f"{event} hook: {outcome.reason}"] if outcome.blocked and outcome.reason else []
        return remind(result, [*told, *outcome.context])

    # Stop: a stop check of the loop
    def on_stop(self, text: str, sent_back: bool) -> str | None:
        if not sent_back:
            self.n_sent_back = 0
        outcome = self.run("Stop", None, stop_hook_active=sent_back)
        more, self.n_sent_back = self.sent_back("Stop", outcome, self.n_sent_back)
        return more

    # SubagentStop: a stop check of a subagent's loop (agent/session/subagents.py)
    def subagent_stop(self, agent_id: str, agent_type: str, transcript: str):
        """The stop check for one subagent; the matcher is its type, as in Claude Code."""
        count = [0]

        def check(text: str, sent_back: bool) -> str | None:
            outcome = self.run("SubagentStop", agent_type, stop_hook_active=sent_back,
                               agent_id=agent_id, agent_type=agent_type,
                               agent_transcript_path=transcript)
            more, count[0] = self.sent_back("SubagentStop", outcome, count[0] if sent_back else 0)
            return more
        return check

    def sent_back(self, event: str, outcome: Outcome, n: int) -> tuple[str | None, int]:
        """A blocking Stop or SubagentStop hook sends the model back, MAX_SENT_BACK times in a
        row at most: (what it is told, or None to let it stop; the new count)."""
        if outcome.stop or not outcome.blocked:
            return None, n
        if n >= MAX_SENT_BACK:
            self.emit(HookMessage(event, f"{event} hooks sent the model back {MAX_SENT_BACK} "
                                         "times in a row; it stops here."))
            return None, n
        return f"A {event} hook says the work is not done: {outcome.reason or 'carry on.'}", n + 1


class HookedGate:
    """The loop's `authorize`: PreToolUse hooks first, then the permission gate."""

    def __init__(self, gate: Gate, hooks: SessionHooks):
        self.gate, self.hooks = gate, hooks
        self.policy = gate.policy

    def __call__(self, tool: Tool, args: dict, call: ToolCall) -> Verdict:
        outcome = self.hooks.run("PreToolUse", tool.name, tool_name=tool.name,
                                   tool_input=dict(args), tool_use_id=call.id)
        if outcome.stop:
            raise StopTurn(HOOK_STOPPED, outcome.stop_reason or "A PreToolUse hook stopped.")
        if outcome.permission == "deny" or outcome.blocked:
            return Verdict(False, args, f"Blocked by a PreToolUse hook: "
                                        f"{outcome.reason or 'no reason given'}")
        if outcome.updated_input is not None:
            problem = check_arguments(tool, outcome.updated_input)
            if problem:
                return Verdict(False, args, "Error: a PreToolUse hook changed the arguments and "
                                            f"they are wrong: {problem}")
            args = dict(outcome.updated_input)
        decision = self.policy.decide(tool, args)
        if decision.outcome != "deny" and outcome.permission == "allow":
            decision = Decision("allow", "a PreToolUse hook allowed it")
        elif decision.outcome != "deny" and outcome.permission == "ask":
            why = "; ".join(outcome.messages) or "confirm"  # an ask's reason is for the user
            decision = Decision("ask", f"a PreToolUse hook asks: {why}")
        return self.gate.settle(tool, args, decision)


def arguments(call: ToolCall) -> dict:
    try:
        return parse_arguments(call.arguments)
    except BadArguments:
        return {"raw": call.arguments}
