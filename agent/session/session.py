"""A Session: the agent and every part built around it, each under its own name.

    session = build_session(config, emit, ask)        agent/session/compose.py
    session.run("fix the failing test")               a turn of the loop
    session.policy.mode = "plan"                      a part, by its name
    session.add_tool(WORD_COUNT)                      the plugin API (docs/18-plugins.md)

The composition root builds the parts once and hands back this object, so no caller digs
them out of the agent again (`agent.authorize.policy`, the todo list among the guards). The
parts are plain attributes; what a caller does with several of them at once (start and end
with the hooks, /clear, /resume, the reports of print mode) is a method here, written once.

The plugin API is the `add_*` methods. A tool, a hook or a slash command (which the face
runs: agent/app/plugin_commands.py) takes effect at once. A
compaction strategy, a model layer or a permission mode is registered under a name; the
names the configuration selects (`--compaction`, `--model-layer`, `--permission-mode`, the
`compaction`, `modelLayers` and `defaultMode` settings) are put in place or checked by
`select()`, which the composition root calls after the plugins have registered, and which
names what is unknown.
Claude Code counterpart: the session behind one `claude` run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the parts' types, for the reader; nothing is imported at run time
    from agent.compact.ladder import Ladder, Strategy
    from agent.compact.prompt_budget import PromptBudget
    from agent.config.config import Config
    from agent.config.settings import Settings
    from agent.context.memory_files import SubfolderMemory
    from agent.context.skills import Skills
    from agent.mcp.tools import McpServers
    from agent.session.subagents import AgentType, Subagents
    from agent.events import TurnEnd
    from agent.hooks.wiring import SessionHooks
    from agent.loop.turn import Agent
    from agent.model.meter import Meter
    from agent.model.types import Model
    from agent.permissions.gate import Gate
    from agent.permissions.plugin_modes import Decide
    from agent.permissions.policy import Policy
    from agent.permissions.sandbox import Sandbox
    from agent.session.checkpoints import Checkpoints
    from agent.session.transcript import Transcript
    from agent.tools import Tool
    from agent.tools.todo import Todos

ModelLayer = Callable[["Model"], "Model"]
"""Makes a layer around a model: `lambda inner: MyLayer(inner)` (an agent.model.types.Wrapper)."""

COMMAND_NAME = re.compile(r"[A-Za-z][\w:.-]*")
"""A slash command's name without its slash: the syntax the REPL reads (COMMAND in
agent/app/custom_commands.py; tests/app/test_plugin_commands.py checks they agree)."""


@dataclass(frozen=True)
class PluginCommand:
    """A slash command a plugin added with `add_command`; the REPL and print mode run it
    (agent/app/plugin_commands.py)."""

    name: str
    """As typed, with the slash: `/calls`."""
    run: Callable[[Session, str], str | None]
    """`run(session, arguments)`: the text to show, or (with `prompt`) the prompt to send;
    None: nothing."""
    description: str = ""
    argument_hint: str = ""
    prompt: bool = False
    """The returned text is sent to the model as the user's prompt, as a command file's body is."""


def plugin_command(name: str, run: Callable, description: str = "", argument_hint: str = "",
                   prompt: bool = False, taken: Collection[str] = ()) -> PluginCommand:
    """The command `add_command` registers, checked: ValueError for a name that is not one
    (empty, with a slash or a space), one in `taken`, or a `run` that is not a function."""
    if not isinstance(name, str) or not COMMAND_NAME.fullmatch(name):
        why = ("starts with a slash: give the name alone, the slash is typed"
               if str(name).startswith("/") else
               "is empty" if not name else "is not a letter then letters, digits, _ - . :")
        raise ValueError(f"command name {name!r} {why}")
    if f"/{name}" in taken:
        raise ValueError(f"there is a plugin command named /{name} already")
    if not callable(run):
        raise ValueError(f"command /{name}: run must be a function (session, arguments)")
    return PluginCommand(f"/{name}", run, description, argument_hint, prompt)

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
    sandbox: Sandbox
    """Where the model's commands run (agent/permissions/sandbox.py); `describe()` says how."""
    prompts: PromptBudget
    """Files away a prompt too large for the window; on on_prompt, refuses one still too large."""
    strategies: dict[str, Strategy] = field(default_factory=dict)
    """Compaction strategies by name; `config.compaction` selects and orders them."""
    model_layers: dict[str, ModelLayer] = field(default_factory=dict)
    """Model layers by name; `config.model_layers` selects them, innermost first."""
    skills: Skills | None = None
    """The skills found at start, their problems, which were loaded (agent/context/skills.py);
    None: a session built without them."""
    subagents: Subagents | None = None
    """The subagent types, the Task tool and the runs so far (agent/session/subagents.py)."""
    mcp: McpServers | None = None
    """The MCP servers, their status and tools (agent/mcp/tools.py); closed by close()."""
    commands: dict[str, PluginCommand] = field(default_factory=dict)
    """Slash commands from plugins, by name with the slash (`/calls`)."""

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

    # The plugin API

    def add_tool(self, tool: Tool) -> None:
        """Offer a tool to the model. Its paths are judged by Read rules when it only reads,
        by Edit rules otherwise (agent/permissions/policy.py), hooks match its name."""
        self.agent.add_tool(tool)

    def add_hook(self, event: str, fn: Callable[[dict], dict | None], matcher: str | None = None,
                 timeout: float = 60.0) -> None:
        """A Python hook: `fn` gets the event's input dict and returns the output dict (or
        None), as a command hook reads stdin and prints JSON (docs/07-hooks.md)."""
        self.hooks.hooks.add(event, fn, matcher or "*", timeout)

    def add_strategy(self, name: str, strategy: Strategy) -> None:
        """A compaction strategy, `(messages, job) -> messages`, selectable by `name`."""
        self.strategies[name] = strategy

    def add_model_layer(self, name: str, make: ModelLayer) -> None:
        """A model layer, `make(inner) -> model`, selectable by `name`."""
        self.model_layers[name] = make

    def add_command(self, name: str, run: Callable[[Session, str], str | None],
                    description: str = "", argument_hint: str = "", prompt: bool = False) -> None:
        """A slash command, typed `/name arguments`: `run(session, arguments)` returns the text
        to show (None: nothing), or with `prompt=True` the prompt to send to the model. A
        built-in of the same name wins over it, and it wins over a command file
        (docs/10-commands.md). A name with a slash or a space, an empty one, or one another
        plugin took, raises ValueError."""
        command = plugin_command(name, run, description, argument_hint, prompt, self.commands)
        self.commands[command.name] = command

    def add_agent_type(self, kind: AgentType) -> None:
        """A subagent type for the Task tool (agent/session/subagents.py): callable by name at
        once, and listed in the Task tool's description, which is rewritten for it. A name
        taken by a built-in or a definition file raises ValueError."""
        if self.subagents is None:
            raise ValueError("this session has no subagents")
        self.subagents.add(kind)
        if "Task" in self.agent.tools:  # offered (not in the lean profile without --tools)
            # the rewritten tool in the old one's place, before the first request: the
            # prompt prefix holds
            task = self.agent.tools["Task"] = self.subagents.tool()
            self.agent.schemas[list(self.agent.tools).index("Task")] = task.schema()

    def add_mode(self, name: str, decide: Decide, description: str = "") -> None:
        """A permission mode, `decide(tool, args, default) -> Decision | None`, that can make
        default mode's decision stricter or allow its plain question, nothing else
        (agent/permissions/plugin_modes.py); chosen by --permission-mode, defaultMode or
        /mode. A name taken, or one a flag cannot carry, raises ValueError."""
        from agent.permissions.plugin_modes import mode

        self.policy.modes[name] = mode(name, decide, description, tuple(self.policy.modes))

    def select(self) -> None:
        """Put the configured strategies and model layers in place, and check the permission
        mode's name. Raises ValueError naming an unknown one and the known names."""
        from agent.permissions.plugin_modes import check

        given = "permission_mode" in self.config.sources or not self.settings.default_mode
        check(self.policy, "--permission-mode" if given
              else f"defaultMode in {self.settings.default_mode_source}")
        chosen = [name for name in self.config.compaction.split(",") if name]
        self.compaction.strategies = [_known(self.strategies, name, "compaction strategy")
                                      for name in chosen]
        for name in (n for n in self.config.model_layers.split(",") if n):
            make = _known(self.model_layers, name, "model layer")
            self.meter.inner = make(self.meter.inner)  # under the meter: it counts what they do
            if not callable(getattr(self.meter.inner, "complete", None)):
                raise ValueError(f"model layer {name!r} made {self.meter.inner!r}, which has no "
                                 "complete(messages, tools, emit)")

    # What a caller does with several parts at once

    def run(self, prompt: str) -> TurnEnd:
        """One prompt, from the REPL, print mode or a command: a prompt too large for the
        window is saved to a file first and the model told to Read it (or, when it cannot be
        saved, refused before anything is sent: agent/compact/prompt_budget.py). However the
        turn ends, the kept sandbox ends with it (agent/permissions/sandbox.py)."""
        try:
            return self.agent.run(self.prompts.file_away(prompt))
        finally:
            self.sandbox.rest()

    def start(self, source: str = "startup") -> None:
        """SessionStart hooks: "startup", "resume" (after --continue or --resume), "clear"."""
        self.hooks.session_start(source)

    def end(self, reason: str = "other") -> None:
        """SessionEnd hooks: "prompt_input_exit" (the REPL), "clear", "other"."""
        self.hooks.session_end(reason)

    def close(self) -> None:
        """What lives as long as the session and must end with it: the MCP servers."""
        if self.mcp is not None:
            self.mcp.close()

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
        return {"window": ladder.window.size, "window_source": self.window_source(),
                "limit": ladder.window.limit,
                "compactions": [asdict(c) for c in ladder.compactions],
                "prefix": [asdict(p) for p in ladder.prefix],
                "prefix_summary": summary(ladder.prefix)}

    def window_source(self) -> str:
        """Where the window's size came from: "--context-window", "profile qwen2.5-coder",
        "server (llama.cpp /props n_ctx)", "default", ... (agent/config/config.py), or that the
        server refused a request and the window shrank to it (agent/compact/ladder.py)."""
        named = {"flag": "--context-window", "environment": "AGENT_CONTEXT_WINDOW",
                 ".env": "AGENT_CONTEXT_WINDOW in .env"}
        source = self.config.sources.get("context_window", "default")
        source = named.get(source, source)
        if self.compaction.window.size < self.config.context_window:
            return (f"shrunk after the server refused a longer prompt (was "
                    f"{self.config.context_window}, {source})")
        return source

    def cost_report(self) -> dict:
        """The `cost` part of the json result: the Meter's totals and each cache's counts."""
        from agent.model.response_cache import layers

        return {**self.meter.totals(),
                "caches": [{"kind": layer.kind, "file": str(layer.path), **layer.counts()}
                           for layer in layers(self.meter)]}


def _known(table: dict, name: str, what: str):
    if name not in table:
        known = ", ".join(table) or "none"
        raise ValueError(f"unknown {what} {name!r}; known: {known} (a plugin may add more)")
    return table[name]
