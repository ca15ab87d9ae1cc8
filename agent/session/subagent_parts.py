"""A subagent's parts, built from its parent session's: the composition root of one Task.

    build_child(session, kind, ...)   an Agent with a fresh history and its own window, on
                                      the parent's rules, hooks, sandbox and endpoint

What it shares with the parent: the permission gate and PreToolUse hooks (`authorize`, with
the refused calls also kept for the Task result), PostToolUse hooks, the sandbox (`confine`),
the working folder and environment, and the model stack when the model is the same (so a
scripted model, a recording or a response cache serves the subagent too). What is its own:
the history, the files read (Read before Edit again), the compaction ladder, the repeat
guard, the transcript, SubagentStop hooks as its stop check, and the Meter (its figures are
added to the parent's when it ends: agent/session/subagents.py).
Questions to the user and events from subagents running side by side go one at a time, the
questions on the loop's thread (where Ctrl-C reaches them: agent/loop/side_by_side.py).
Not covered: TodoWrite and ExitPlanMode in a subagent (the todo list and the plan are the
parent's); a subagent's own memory files of subfolders.
Claude Code counterpart: how the Task tool sets up a subagent's context.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from agent.events import ReasoningDelta, TextDelta, ToolStart, Waiting

if TYPE_CHECKING:
    from agent.loop.turn import Agent
    from agent.session.session import Session
    from agent.session.subagents import AgentType
    from agent.session.transcript import Transcript

PARENT_ONLY = ("Task", "TodoWrite", "ExitPlanMode")
"""Tools a subagent never gets: no nesting; the todo list and the plan are the parent's."""
_asking = threading.Lock()  # one question to the user at a time
_showing = threading.Lock()  # one event at a time on the parent's screen


@dataclass(frozen=True)
class SubagentStep:
    """A subagent started a tool call: shown under the parent's Task line."""

    agent_id: str
    subagent_type: str
    event: object


def build_child(session: Session, kind: AgentType, agent_id: str, stopping: threading.Event,
                refused: list[str]) -> tuple[Agent, str, Transcript]:
    """(the subagent's Agent, its model's name, its transcript)."""
    from agent.compact.ladder import Ladder, ResultBudget
    from agent.config.paths import project_folder
    from agent.config.server_window import llamacpp_body
    from agent.context.system_prompt import system_prompt
    from agent.loop.repeat_guard import RepeatGuard
    from agent.loop.seams import JUDGE, RESHAPE, Verdict
    from agent.loop.turn import Agent
    from agent.model.meter import Meter
    from agent.model.tokens import TokenCounter
    from agent.session.call_notes import CallNotes
    from agent.session.compose import model_stack
    from agent.session.transcript import Transcript

    config, parent, home = session.config, session.agent, Path.home()
    name = kind.model or config.subagent_model or config.model
    counter = TokenCounter()
    if name == config.model:
        inner = session.meter.inner  # the same stack: the caches and replays serve it too
    else:
        body = {k: v for k, v in session.client.extra_body.items() if k != "id_slot"}
        body |= llamacpp_body(config, home, agent_id)  # a slot of its own, when there are several
        inner = model_stack(config, name, body, counter, lean=False)[1]
    meter = Meter(inner, session.meter.prices, local=session.meter.local)

    def emit(event: object) -> None:
        # the user stopped the group it runs in: end at this step, where the loop answers
        # every call (a request starting or streaming, a tool starting), never after a reply
        if stopping.is_set() and isinstance(event, (ToolStart, Waiting, TextDelta, ReasoningDelta)):
            raise KeyboardInterrupt
        if isinstance(event, ToolStart):
            with _showing:
                parent.emit(SubagentStep(agent_id, kind.name, event))

    def authorize(tool, args: dict, call) -> Verdict:
        judge = lambda: parent.authorize(tool, args, call)  # noqa: E731
        there = ctx.on_loop_thread  # side by side: the question is asked on the loop's thread
        with _asking:
            verdict = there(judge) if there else judge()
        if not verdict.allowed:
            refused.append(verdict.refusal)
        return verdict

    tools = [t for t in parent.tools.values() if t.name not in PARENT_ONLY
             and (kind.tools is None or t.name in kind.tools)]
    startup = getattr(session.memory, "startup", None)
    system = system_prompt(config.cwd, files=startup, role=kind.prompt)
    ctx = replace(parent.ctx, read_files={}, stopping=stopping)
    window = session.compaction.window
    ladder = Ladder(window, list(session.compaction.strategies), model=meter,
                    save_dir=session.folder / "subagents", counter=counter)
    child = Agent(meter, tools, system, ctx, authorize=authorize, emit=emit,
                  max_turns=config.max_turns, compactor=ladder)
    transcript = Transcript(project_folder(config.cwd, home) / session.id / "subagents",
                            f"agent-{agent_id}")
    child.on_message.add(transcript)
    child.on_message.add(CallNotes(transcript, meter))
    child.on_stop.add(session.hooks.subagent_stop(agent_id, kind.name, str(transcript.path)))
    repeats = 3 if config.max_repeats is None else config.max_repeats
    child.after_tool.add(ResultBudget(window.result_budget, session.folder / "tool-results"),
                         at=RESHAPE)
    child.after_tool.add(session.hooks.after_tool)
    child.after_tool.add(RepeatGuard(lambda: child.messages, repeats), at=JUDGE)
    return child, name, transcript
