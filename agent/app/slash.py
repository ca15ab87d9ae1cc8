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
model as a prompt, as in Claude Code. A built-in wins over a plugin's command
(agent/app/plugin_commands.py), which wins over a custom command.
Simplified: `/model NAME` changes the name sent to the same endpoint, unchecked (the
server says so at the next request when it has no such model).
Not covered: completing names with Tab; Claude Code's other built-ins (/add-dir, /config,
/status, ...); /agents lists the subagent types but does not create them. `/skills`
lists the skills; Claude Code's skills are also slash commands (`/changelog`), here not.
Claude Code counterpart: the built-in slash commands and their dispatch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent.app import plugin_commands
from agent.app.custom_commands import CustomCommand, command_line
from agent.app.render import first_sentence

if TYPE_CHECKING:
    from agent.context.memory_notes import NewNotes
    from agent.session.session import Session

parse = command_line  # what counts as a command is the custom commands' syntax too

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
    """What the commands work on: the session, the custom commands and their problems."""

    session: Session
    project: Path | None = None
    """Where project commands are looked for; None: no custom commands (tests, scripts)."""
    home: Path = field(default_factory=Path.home)
    trusted: bool = True
    """Whether a project command's allowed-tools count (agent.config.settings: project trust)."""
    custom: dict[str, CustomCommand] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: NewNotes | None = None
    """The `#` notes of this session (agent/context/memory_notes.py), told again after /clear."""
    resume_next: int = 0
    """Where `/resume more` starts: the number of sessions the pages shown so far hold."""

    def refresh(self) -> None:
        """Read the command files again: one written during the session works at once."""
        if self.project is None:
            return
        from agent.app.custom_commands import discover

        found, self.problems = discover(self.project, self.home, self.trusted)
        hider = {**dict.fromkeys(self.session.commands, "the plugin command"),
                 **dict.fromkeys(COMMANDS, "the built-in")}
        self.problems += [f"{c.path}: hidden by {hider[name]} {name}"
                          for name, c in found.items() if name in hider]
        self.custom = {name: c for name, c in found.items() if name not in hider}


@dataclass(frozen=True)
class Command:
    """A built-in command: its help line, and the function that runs it."""

    help: str
    run: Callable[[Console, str], "str | Action"]


def dispatch(console: Console, name: str, rest: str) -> Action:
    """Run one command: a built-in, a custom one, or the list for an unknown name."""
    console.refresh()
    if name in COMMANDS:
        done = COMMANDS[name].run(console, rest)
        return done if isinstance(done, Action) else Action(text=done)
    if name in console.session.commands:  # a plugin's
        return plugin_commands.action(console.session.commands[name], rest, console.session)
    if name in console.custom:
        from agent.app import custom_commands as custom
        command = console.custom[name]
        return Action(turn=lambda: custom.run(command, rest, console.session))
    return Action(text=f"Unknown command {name}.\n" + help_text(console))


def command(session: Session, name: str, rest: str = "") -> str:
    """What a built-in command shows, run from code (scripts, tests)."""
    return dispatch(Console(session), name, rest).text


def help_text(console: Console, rest: str = "") -> str:
    lines = ["Commands:"] + [f"  {name:<13} {c.help}" for name, c in COMMANDS.items()]
    lines += plugin_commands.help_lines(console.session, COMMANDS)
    if console.custom or console.problems:
        lines.append("Custom commands (.agent/commands/*.md, ~/.agent/commands/*.md, .claude/...):")
    for name, c in console.custom.items():
        usage = f"{name} {c.hint}".strip()
        about = c.description or first_sentence(next(iter(c.body.strip().splitlines()), ""))
        lines.append(f"  {usage:<13} {about} ({c.scope}{', ' + c.model if c.model else ''})")
    lines += [f"  ! {problem}" for problem in console.problems]
    return "\n".join(lines)


def clear(console: Console, rest: str) -> str:
    console.session.clear()
    if console.notes:
        console.notes.again()
    return "Conversation cleared."


def compact_now(console: Console, focus: str) -> str:
    """/compact [focus]: summarize now, keeping nothing of the recent turns as they are."""
    from agent.app.render import compacted_line
    from agent.compact.ladder import summarize

    agent = console.session.agent
    done = console.session.compaction.compact(agent.messages, agent.schemas, "manual", focus,
                                              strategies=[summarize], tail_budget=0)
    return compacted_line(done).strip() if done else "Nothing to compact yet."


def context_picture(console: Console, rest: str) -> str:
    """/context: the window as a bar, and the tokens of each part."""
    from agent.compact.window import picture, spend
    from agent.context import memory_files as memory

    session = console.session
    ladder, agent = session.compaction, session.agent
    text = memory.render(session.memory.startup)
    used = spend(agent.messages, agent.schemas, text, ladder.counter)
    return (f"Window: {ladder.window.size:,} tokens, from {session.window_source()}\n"
            + picture(used, ladder.window))


def memory_report(console: Console, rest: str) -> str:
    """/memory: each file with where it came from and its size."""
    from agent.context.memory_notes import MEMORY_LINES, memory_path
    from agent.model.tokens import count

    memory = console.session.memory
    lines = ["Memory files in the system prompt (read when the session started):"]
    for f in memory.startup:
        origin = f", imported by {f.imported_from}" if f.imported_from else ""
        lines.append(f"  {f.path}  ({count(f.text):,} tokens{origin})")
    if not memory.startup:
        lines.append("  (none: add AGENT.md, AGENTS.md or CLAUDE.md, or run /init)")
    lines.append("Loaded from subfolders when a tool first touched them:")
    for folder, f in memory.loaded:
        lines.append(f"  {f.path}  ({count(f.text):,} tokens, for {folder})")
    if not memory.loaded:
        lines.append("  (none so far)")
    own = memory_path(console.session.config.cwd, Path.home())
    lines.append(f"The model's own notes on this project (the first {MEMORY_LINES} lines are in "
                 f"the system prompt):\n  {own}" + ("" if own.is_file() else "  (none yet)"))
    return "\n".join(lines)


def init(console: Console, rest: str) -> Action:
    from agent.context.memory_files import INIT_PROMPT

    return Action(turn=lambda: console.session.run(INIT_PROMPT))


def permissions(console: Console, rest: str) -> str:
    """/permissions [call]: the rules in force, or which one decides a call."""
    from agent.permissions.explain import explain, rules_report

    policy = console.session.policy
    if not rest:
        return "\n".join([rules_report(policy), console.session.sandbox.describe(),
                          "Explain one call: /permissions Bash(git push --force)"])
    try:
        return explain(policy, rest, console.session.tools)
    except ValueError as err:
        return str(err)


def mode(console: Console, rest: str) -> str:
    """/mode [name]: the permission mode, the built-in ones and those plugins added."""
    from agent.permissions.plugin_modes import known

    policy = console.session.policy
    names = ", ".join(known(policy))
    if not rest:
        added = [f"  {m.name}: {m.description or '(no description)'} (a plugin's)"
                 for m in policy.modes.values()]
        return "\n".join([f"Permission mode: {policy.mode} (one of {names})", *added])
    if rest not in known(policy):
        return f"Unknown mode {rest!r}: use one of {names}."
    if rest == "bypassPermissions" and console.session.settings.bypass_disabled:  # as at start
        return "bypassPermissions is disabled by permissions.disableBypassPermissionsMode."
    policy.mode = rest
    return f"Permission mode: {rest}"


def hooks(console: Console, rest: str) -> str:
    return console.session.hooks.hooks.describe()


def model(console: Console, rest: str) -> str:
    """/model [name]: the model, or another one for the rest of the session."""
    client = console.session.client
    if not rest:
        return f"Model: {client.name} (/model NAME switches for this session)"
    client.name = rest
    return f"Model: {rest} for the rest of this session."


def cost(console: Console, rest: str) -> str:
    """/cost: the Meter's totals (agent/model/meter.py), the response caches, the prefix reuse."""
    from agent.compact.prefix_stability import summary, summary_text
    from agent.model.meter import cost_text
    from agent.model.response_cache import layers

    session = console.session
    lines = [cost_text(session.meter.totals(), getattr(session.client, "base_url", None))]
    lines += [f"Response cache {layer.kind} ({layer.path}): {layer.hits} hit(s), "
              f"{layer.misses} miss(es), {layer.skipped} skipped" for layer in layers(session.meter)]
    lines.append(summary_text(summary(session.compaction.prefix)))
    return "\n".join(lines)


def resume(console: Console, rest: str) -> str:
    """/resume: the newest sessions of this project, a page at a time (/resume more: the
    next page); /resume N or ID goes on with one (agent/session/resume.py)."""
    from agent.session.resume import PAGE, pick, resume_into, resume_menu
    from agent.session.transcript import SessionError, SessionInUse

    session = console.session
    if rest in ("", "more"):
        start = console.resume_next if rest == "more" else 0
        shown = resume_menu(session.transcript.folder, start, exclude=session.id)
        console.resume_next = start + PAGE if shown.startswith("Sessions") else 0
        return shown
    try:
        chosen = pick(session.transcript.folder, rest, exclude=session.id)
    except SessionError as err:
        return f"{err}."
    if chosen.id == session.id:
        return "That is this session."
    session.end("other")
    try:
        said = resume_into(session, chosen.path)
    except SessionInUse as err:  # another process writes it: one writer per session
        holder = f" (pid {err.pid})" if err.pid else ""
        said = (f"Session {chosen.id} is in use by another agent{holder}; this session goes on. "
                f"`agent --resume {chosen.id} --fork-session` goes on in a copy of it.")
    except OSError as err:  # gone or unreadable since it was listed: nothing was changed
        said = f"Could not read {chosen.path} ({err.strerror or err}); this session goes on."
    else:  # the checkpoints of that session, which a rewind may use
        checkpoints = session.checkpoints
        checkpoints.reopen(checkpoints.folder.parent.parent / chosen.id / "checkpoints")
    session.start("resume")
    return said


def rewind(console: Console, rest: str) -> str:
    from agent.session.checkpoints import rewind_command
    return rewind_command(console.session, rest)


def todos(console: Console, rest: str) -> str:
    from agent.tools.todo import todos_text
    return todos_text(console.session.todos.items)


def tools(console: Console, rest: str) -> str:
    """/tools: each tool with the first sentence of its description, whole, wrapped to the
    terminal's width under its column."""
    import shutil
    import textwrap

    width = max(shutil.get_terminal_size().columns, 60)
    lines = ["Tools the model may call (read-only ones run without a question in the workspace):"]
    for tool in console.session.tools.values():
        head = f"  {tool.name:<13} {'read-only' if tool.read_only else 'changes':<9}  "
        lines.append(textwrap.fill(first_sentence(tool.description), width, initial_indent=head,
                                   subsequent_indent=" " * len(head), break_long_words=False,
                                   break_on_hyphens=False))
    return "\n".join(lines)


def skills(console: Console, rest: str) -> str:
    """/skills: each skill, its scope, description, folder, whether it was loaded; problems."""
    import shutil

    found, width = console.session.skills, max(shutil.get_terminal_size().columns, 60)
    return found.report("Skill" in console.session.tools, width) if found else "No skills."


def mcp(console: Console, rest: str) -> str:
    """/mcp: each MCP server, where it is declared, its status and its tools."""
    servers = console.session.mcp
    return servers.report(console.session.tools) if servers is not None else "No MCP servers."


def agents(console: Console, rest: str) -> str:
    """/agents: the subagent types, the runs of this session, the definition files' problems."""
    found = console.session.subagents
    return found.listing("Task" in console.session.tools) if found else "No subagents."


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
    "/skills": Command("list the skills, their folders, and which ones the model loaded", skills),
    "/agents": Command("list the subagent types, and the subagents run this session", agents),
    "/mcp": Command("list the MCP servers: status, where declared, their tools", mcp),
    "/permissions": Command("list the rules in force; /permissions Tool(arg) explains one call",
                            permissions),
    "/mode": Command("show or set the permission mode: default, acceptEdits, plan, "
                     "bypassPermissions, or a plugin's", mode),
    "/hooks": Command("list the hooks configured: event, matcher, command, file", hooks),
    "/cost": Command("calls, tokens in / cached / out, time and dollars of this session", cost),
    "/resume": Command("list this project's latest sessions (/resume more: older ones); "
                       "/resume N or ID goes on with one", resume),
    "/rewind": Command("list the prompts; /rewind N [code|conversation|both] goes back before one",
                       rewind),
    "/todos": Command("show the model's todo list", todos),
    "/exit": Command("leave (Ctrl-D does the same; /quit too)", lambda console, rest: Action(exit=True)),
    "/quit": Command("the same as /exit", lambda console, rest: Action(exit=True)),
}
