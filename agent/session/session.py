"""A Session: the agent and every part built around it, each under its own name.

    session = build_session(config, emit, ask)        agent/session/compose.py
    session.run("fix the failing test")               a turn of the loop
    session.policy.mode = "plan"                      a part, by its name

The composition root builds the parts once and hands back this object, so no caller digs
them out of the agent again (`agent.authorize.policy`, the todo list among the guards). The
parts are plain attributes; what a caller does with several of them at once (start and end
with the hooks, /clear, /resume, the reports of print mode) is a method here, written once.
Claude Code counterpart: the session behind one `claude` run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the parts' types, for the reader; nothing is imported at run time
    from agent.compact.ladder import Ladder
    from agent.config.config import Config
    from agent.config.settings import Settings
    from agent.context.memory_files import SubfolderMemory
    from agent.events import TurnEnd
    from agent.hooks.wiring import SessionHooks
    from agent.loop.turn import Agent
    from agent.model.meter import Meter
    from agent.model.types import Model
    from agent.permissions.policy import Policy
    from agent.permissions.gate import Gate
    from agent.session.checkpoints import Checkpoints
    from agent.session.transcript import Transcript
    from agent.tools import Tool
    from agent.tools.todo import Todos

@dataclass
class Session:
    """One session's parts, by name. Built by agent.session.compose.build_session."""

    config: Config
    settings: Settings
    agent: Agent
    """The loop: the history, the tools, the seams."""
    meter: Meter
    """The outermost model layer: what every request cost. `agent.model` is this object."""
    client: Model
    """The innermost model: the OpenAI-compatible client (its `name` is the model's)."""
    policy: Policy
    gate: Gate
    hooks: SessionHooks
    """The hooks, run at their events (agent/hooks/wiring.py); `hooks.hooks` is the runner."""
    compaction: Ladder
    transcript: Transcript
    checkpoints: Checkpoints
    todos: Todos
    memory: SubfolderMemory
    """The memory files: those of the system prompt, and those of subfolders as they load."""
    folder: Path
    """This session's own files: checkpoints, tool results filed away (~/.agent/sessions/<id>)."""

    @property
    def id(self) -> str:
        return self.transcript.session_id

    @property
    def model(self) -> Model:
        """The whole model stack, as the loop calls it."""
        return self.agent.model

    @property
    def tools(self) -> dict[str, Tool]:
        return self.agent.tools

    @property
    def messages(self) -> list[dict]:
        """The history, as the loop sends it."""
        return self.agent.messages

    # What a caller does with several parts at once

    def run(self, prompt: str) -> TurnEnd:
        return self.agent.run(prompt)

    def start(self, source: str = "startup") -> None:
        """SessionStart hooks: "startup", "resume" (after --continue or --resume), "clear"."""
        self.hooks.session_start(source)

    def end(self, reason: str = "other") -> None:
        """SessionEnd hooks: "prompt_input_exit" (the REPL), "clear", "other"."""
        self.hooks.session_end(reason)

    def clear(self) -> None:
        """/clear: a new conversation, and for the hooks a new session."""
        self.end("clear")
        self.agent.clear()
        self.start("clear")

    def context_report(self) -> dict:
        """The `context` part of the json result: the window, the compactions, and per
        request how much of the previous one it repeated (agent/compact/prefix_stability.py)."""
        from agent.compact.prefix_stability import summary

        ladder = self.compaction
        return {"window": ladder.window.size, "limit": ladder.window.limit,
                "compactions": [asdict(c) for c in ladder.compactions],
                "prefix": [asdict(p) for p in ladder.prefix],
                "prefix_summary": summary(ladder.prefix)}

    def cost_report(self) -> dict:
        """The `cost` part of the json result: the Meter's totals and each cache's counts."""
        from agent.model.response_cache import layers

        return {**self.meter.totals(),
                "caches": [{"kind": layer.kind, "file": str(layer.path), **layer.counts()}
                           for layer in layers(self.meter)]}
