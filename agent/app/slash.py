"""Slash commands: typed at the REPL's prompt, handled on this side, never sent to the model.

    "/model qwen2.5-coder:14b"  ──► parse ──► ("/model", "qwen2.5-coder:14b")
                                   │
              COMMANDS["/model"].run(console, "qwen2.5-coder:14b")  ──► Action
              console.custom["/review"]  (agent/app/custom_commands.py)          ──► Action(turn=...)
              unknown: "Unknown command /x." and the list            ──► Action(text=...)

An `Action` says what the REPL does next: show a text, run a turn with the model (/init, a
custom command), or exit. Adding a command is one entry in `COMMANDS`: a help line and a
function `(console, rest) -> str | Action`.
What counts as a command: a first word of `/` and a name (`/help`, `/frontend:component`).
A line whose first word has another slash (`/etc/hosts is empty`) is a path, and goes to the
model as a prompt, as in Claude Code. A built-in name wins over a custom command's.
Simplified: `/model NAME` changes the name sent to the same endpoint, unchecked (the
server says so at the next request when it has no such model).
Not covered: completing names with Tab; Claude Code's other built-ins (/add-dir, /config,
/status, /agents, /mcp, ...).
Claude Code counterpart: the built-in slash commands and their dispatch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent.loop.turn import Agent

if TYPE_CHECKING:
    from agent.app.custom_commands import CustomCommand
    from agent.context.memory_notes import NewNotes

COMMAND = re.compile(r"^(/[A-Za-z][\w:.-]*)(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True)
class Action:
    """What the REPL does after a slash command."""

    text: str = ""
    """Shown to the user."""
    turn: Callable[[], object] | None = None
    """A turn with the model to run (through the REPL's Ctrl-C handling)."""
    exit: bool = False


@dataclass
class Console:
    """What the commands work on: the agent, the custom commands and their problems."""

    agent: Agent
    project: Path | None = None
    """Where project commands are looked for; None: no custom commands (tests, scripts)."""
    home: Path = field(default_factory=Path.home)
    trusted: bool = True
    """Whether a project command's allowed-tools count (agent.config.settings: project trust)."""
    custom: dict[str, CustomCommand] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: NewNotes | None = None
    """The `#` notes of this session (agent/context/memory_notes.py), told again after /clear."""

    def refresh(self) -> None:
        """Read the command files again: one written during the session works at once."""
        if self.project is None:
            return
        from agent.app.custom_commands import discover

        found, self.problems = discover(self.project, self.home, self.trusted)
        self.problems += [f"{c.path}: hidden by the built-in {name}"
                          for name, c in found.items() if name in COMMANDS]
        self.custom = {name: c for name, c in found.items() if name not in COMMANDS}


@dataclass(frozen=True)
class Command:
    """A built-in command: its help line, and the function that runs it."""

    help: str
    run: Callable[[Console, str], "str | Action"]


def parse(line: str) -> tuple[str, str] | None:
    """(name, the rest) when the line is a slash command, None when it is a prompt."""
    found = COMMAND.match(line.strip())
    return (found.group(1), (found.group(2) or "").strip()) if found else None


def dispatch(console: Console, name: str, rest: str) -> Action:
    """Run one command: a built-in, a custom one, or the list for an unknown name."""
    console.refresh()
    if name in COMMANDS:
        done = COMMANDS[name].run(console, rest)
        return done if isinstance(done, Action) else Action(text=done)
    if name in console.custom:
        from agent.app import custom_commands as custom
        command = console.custom[name]
        return Action(turn=lambda: custom.run(command, rest, console.agent))
    return Action(text=f"Unknown command {name}.\n" + help_text(console))


def command(agent: Agent, name: str, rest: str = "") -> str:
    """What a built-in command shows, run from code (scripts, tests)."""
    return dispatch(Console(agent), name, rest).text


def help_text(console: Console, rest: str = "") -> str:
    lines = ["Commands:"] + [f"  {name:<13} {c.help}" for name, c in COMMANDS.items()]
    if console.custom or console.problems:
        lines.append("Custom commands (.agent/commands/*.md, ~/.agent/commands/*.md, .claude/...):")
    for name, c in console.custom.items():
        usage = f"{name} {c.hint}".strip()
        about = c.description or (c.body.splitlines() or [""])[0][:60]
        lines.append(f"  {usage:<13} {about} ({c.scope}{', ' + c.model if c.model else ''})")
    lines += [f"  ! {problem}" for problem in console.problems]
    return "\n".join(lines)


def innermost(model):
    """The client under the layers (agent.model.types.Wrapper): it holds `name`."""
    from agent.model.types import Wrapper

    while isinstance(model, Wrapper):
        model = model.inner
    return model


def part(agent: Agent, kind: type):
    """The guard of this type the CLI attached (agent.session.compose.build_agent), or None."""
    return next((g for g in agent.after_tool if isinstance(g, kind)), None)


def clear(console: Console, rest: str) -> str:
    agent = console.agent
    hooks = getattr(agent.authorize, "session", None)  # agent.hooks.wiring.HookedSession
    if hooks:
        hooks.session_end("clear")
    agent.clear()
    if hooks:
        hooks.session_start("clear")
    if console.notes:
        console.notes.again()
    return "Conversation cleared."


def compact_now(console: Console, focus: str) -> str:
    """/compact: summarize all of it now (the PreCompact trigger is "manual")."""
    from agent.compact.ladder import summarize
    from agent.app.render import compacted_line

    agent = console.agent
    done = agent.compactor.compact(agent.messages, agent.schemas, "manual", focus,
                                   strategies=[summarize], tail_budget=0)
    return compacted_line(done).strip() if done else "Nothing to compact yet."


def context_picture(console: Console, rest: str) -> str:
    """/context: the window as a bar, and the tokens of each part."""
    from agent.context import memory_files as memory
    from agent.compact.window import picture, spend

    agent = console.agent
    ladder = agent.compactor
    subfolders = part(agent, memory.SubfolderMemory)
    text = memory.render(subfolders.startup) if subfolders else ""
    return picture(spend(agent.messages, agent.schemas, text, ladder.counter), ladder.window)


def memory_report(console: Console, rest: str) -> str:
    """/memory: each file with where it came from and its size."""
    from agent.context.memory_files import SubfolderMemory
    from agent.model.tokens import count

    subfolders = part(console.agent, SubfolderMemory)
    if subfolders is None:
        return "No memory files are tracked in this session."
    lines = ["Memory files in the system prompt (read when the session started):"]
    for f in subfolders.startup:
        origin = f", imported by {f.imported_from}" if f.imported_from else ""
        lines.append(f"  {f.path}  ({count(f.text):,} tokens{origin})")
    if not subfolders.startup:
        lines.append("  (none: add AGENT.md, AGENTS.md or CLAUDE.md, or run /init)")
    lines.append("Loaded from subfolders when a tool first touched them:")
    for folder, f in subfolders.loaded:
        lines.append(f"  {f.path}  ({count(f.text):,} tokens, for {folder})")
    if not subfolders.loaded:
        lines.append("  (none so far)")
    from agent.context.memory_notes import MEMORY_LINES, memory_path
    own = memory_path(console.agent.ctx.cwd, Path.home())
    lines.append(f"The model's own notes on this project (the first {MEMORY_LINES} lines are in "
                 f"the system prompt):\n  {own}" + ("" if own.is_file() else "  (none yet)"))
    return "\n".join(lines)


def init(console: Console, rest: str) -> Action:
    from agent.context.memory_files import INIT_PROMPT

    return Action(turn=lambda: console.agent.run(INIT_PROMPT))


def permissions(console: Console, rest: str) -> str:
    """/permissions [call]: the rules in force, or which one decides a call."""
    from agent.permissions.policy import explain, rules_report

    policy = console.agent.authorize.policy
    if not rest:
        return rules_report(policy) + "\nExplain one call: /permissions Bash(git push --force)"
    try:
        return explain(policy, rest, console.agent.tools)
    except ValueError as err:
        return str(err)


def mode(console: Console, rest: str) -> str:
    from agent.permissions.policy import MODES

    policy = console.agent.authorize.policy
    if not rest:
        return f"Permission mode: {policy.mode} (one of {', '.join(MODES)})"
    if rest not in MODES:
        return f"Unknown mode {rest!r}: use one of {', '.join(MODES)}."
    policy.mode = rest
    return f"Permission mode: {rest}"


def hooks(console: Console, rest: str) -> str:
    session = getattr(console.agent.authorize, "session", None)  # agent.hooks.wiring.HookedSession
    return session.hooks.describe() if session else "No hooks in this session."


def model(console: Console, rest: str) -> str:
    """/model [name]: the model, or another one for the rest of the session."""
    client = innermost(console.agent.model)
    if not rest:
        return f"Model: {client.name} (/model NAME switches for this session)"
    client.name = rest
    return f"Model: {rest} for the rest of this session."


def cost(console: Console, rest: str) -> str:
    """/cost: the Meter's totals (agent/model/meter.py), the response caches, the prefix reuse."""
    from agent.model.response_cache import layers
    from agent.model.meter import cost_text
    from agent.compact.prefix_stability import summary, summary_text

    agent = console.agent
    if not hasattr(agent.model, "totals"):
        return "This session's model is not metered (no agent.model.meter.Meter around it)."
    lines = [cost_text(agent.model.totals(), getattr(agent.model, "base_url", None))]
    lines += [f"Response cache {layer.kind} ({layer.path}): {layer.hits} hit(s), "
              f"{layer.misses} miss(es), {layer.skipped} skipped" for layer in layers(agent.model)]
    if hasattr(agent.compactor, "prefix"):  # agent.compact.ladder.Ladder
        lines.append(summary_text(summary(agent.compactor.prefix)))
    return "\n".join(lines)


def resume(console: Console, rest: str) -> str:
    """/resume: the sessions of this project; /resume N or ID goes on with one (agent/session/transcript.py)."""
    from agent.session.checkpoints import Checkpoints
    from agent.session.transcript import SessionError, Transcript, pick, resume_into, resume_menu

    agent = console.agent
    transcript = next((r for r in agent.on_message if isinstance(r, Transcript)), None)
    if transcript is None:
        return "This session keeps no transcript: there is nothing to resume."
    if not rest:
        return resume_menu(transcript.folder)
    try:
        chosen = pick(transcript.folder, rest)
    except SessionError as err:
        return f"{err}."
    if chosen.id == transcript.session_id:
        return "That is this session."
    hooks = getattr(agent.authorize, "session", None)  # agent.hooks.wiring.HookedSession
    if hooks:
        hooks.session_end("other")
    try:
        said = resume_into(agent, chosen.path)
    except OSError as err:  # gone or unreadable since it was listed: nothing was changed
        said = f"Could not read {chosen.path} ({err.strerror or err}); this session goes on."
    else:
        for note in agent.on_prompt:  # the checkpoints of that session, which a rewind may use
            if isinstance(note, Checkpoints):
                note.reopen(note.folder.parent.parent / chosen.id / "checkpoints")
    if hooks:
        hooks.session_start("resume")
    return said


def rewind(console: Console, rest: str) -> str:
    from agent.session.checkpoints import rewind_command
    return rewind_command(console.agent, rest)


def todos(console: Console, rest: str) -> str:
    from agent.tools.todo import todos_report
    return todos_report(console.agent)


def tools(console: Console, rest: str) -> str:
    lines = ["Tools the model may call (read-only ones run without a question in the workspace):"]
    for tool in console.agent.tools.values():
        first = tool.description.split(". ")[0].rstrip(".")
        lines.append(f"  {tool.name:<13} {'read-only' if tool.read_only else 'changes   '}  "
                     f"{first[:70]}")
    return "\n".join(lines)


COMMANDS: dict[str, Command] = {
    "/help": Command("show this list", help_text),
    "/clear": Command("forget the conversation (the system prompt stays)", clear),
    "/compact": Command("summarize the conversation to free the context (/compact <what to keep>)",
                        compact_now),
    "/context": Command("show where the context window goes", context_picture),
    "/memory": Command("show the memory files loaded, and from where", memory_report),
    "/init": Command("ask the model to survey the project and write a starter AGENT.md", init),
    "/model": Command("show the model; /model NAME switches to another for this session", model),
    "/tools": Command("list the tools, and which ones only read", tools),
    "/permissions": Command("list the rules in force; /permissions Tool(arg) explains one call",
                            permissions),
    "/mode": Command("show or set the permission mode: default, acceptEdits, plan, "
                     "bypassPermissions", mode),
    "/hooks": Command("list the hooks configured: event, matcher, command, file", hooks),
    "/cost": Command("calls, tokens in / cached / out, time and dollars of this session", cost),
    "/resume": Command("list this project's sessions; /resume N or ID goes on with one", resume),
    "/rewind": Command("list the prompts; /rewind N [code|conversation|both] goes back before one",
                       rewind),
    "/todos": Command("show the model's todo list", todos),
    "/exit": Command("leave (Ctrl-D does the same; /quit too)", lambda console, rest: Action(exit=True)),
    "/quit": Command("the same as /exit", lambda console, rest: Action(exit=True)),
}
