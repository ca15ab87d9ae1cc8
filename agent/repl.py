"""The interactive loop a person types into.

    > fix the failing test          a prompt: the agent works, streaming as it goes
    > /help                         a slash command: handled here, never sent to the model
    Ctrl-C                          cancels the running turn, not the program
    Ctrl-D                          exits

Lines are edited with readline (history kept in ~/.agent/history when the module exists).
Calls that need approval are asked about here, one line each.
Claude Code counterpart: its interactive mode and built-in slash commands.
"""

from __future__ import annotations

import sys
from pathlib import Path

from agent import __version__
from agent.config import Config
from agent.loop import Agent
from agent.permissions import Answer, Decision, describe
from agent.render import Terminal
from agent.tools import Tool

COMMANDS = {
    "/help": "show this list",
    "/clear": "forget the conversation (the system prompt stays)",
    "/compact": "summarize the conversation to free the context (/compact <what to keep>)",
    "/context": "show where the context window goes",
    "/memory": "show the memory files loaded, and from where",
    "/init": "ask the model to survey the project and write a starter AGENT.md",
    "/permissions": "list the rules in force; /permissions Tool(arg) explains one call",
    "/mode": "show or set the permission mode: default, acceptEdits, plan, bypassPermissions",
    "/hooks": "list the hooks configured: event, matcher, command, file",
    "/exit": "leave (Ctrl-D does the same)",
}


def ask_on_terminal(tool: Tool, args: dict, decision: Decision) -> Answer:
    """Ask whether a call may run: y (yes), a (always: remembered as a rule), n or anything
    else (no); text after "n" goes to the model as the reason."""
    if tool.name == "ExitPlanMode":
        print("  The plan:\n" + "\n".join("    " + line for line in str(args.get("plan", "")).splitlines()))
        question = "  Start the work? [y = yes, a = yes and accept edits, n <note> = no] "
    else:
        print(f"  ({decision.reason})")
        question = f"  Allow {describe(tool, args)}? [y = yes, a = always, n <note> = no] "
    answer = input(question).strip()
    word, _, note = answer.partition(" ")
    if word.lower() in ("y", "yes"):
        return Answer(True)
    if word.lower() in ("a", "always"):
        return Answer(True, remember=True)
    return Answer(False, feedback=note.strip() if word.lower() in ("n", "no") else answer)


def ask_trust(project: Path, reasons: list[str]) -> bool:
    """Asked once per project whose settings would allow more than they deny."""
    print(f"The project {project} has settings that would change what the agent may do:")
    for reason in reasons:
        print(f"  - {reason}")
    answer = input("Trust this project and use them? (remembered) [y/N] ").strip().lower()
    return answer in ("y", "yes")


def start_readline() -> None:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input() still works
        return
    history = Path.home() / ".agent" / "history"
    try:
        history.parent.mkdir(parents=True, exist_ok=True)
        if history.exists():
            readline.read_history_file(history)
    except OSError:
        return
    import atexit
    atexit.register(lambda: _save_history(readline, history))


def _save_history(readline, history: Path) -> None:
    try:
        readline.write_history_file(history)
    except OSError:
        pass


def help_text() -> str:
    return "\n".join(f"  {name:<9} {text}" for name, text in COMMANDS.items())


def part(agent: Agent, kind: type):
    """The guard of this type the CLI attached (agent.build.build_agent), or None."""
    return next((g for g in agent.guards if isinstance(g, kind)), None)


def compact_now(agent: Agent, focus: str) -> str:
    """/compact: summarize all of it now (the PreCompact trigger is "manual")."""
    from agent.compact import summarize
    from agent.render import compacted_line

    done = agent.compactor.compact(agent.messages, agent.schemas, "manual", focus,
                                   strategies=[summarize], tail_budget=0)
    return compacted_line(done).strip() if done else "Nothing to compact yet."


def context_picture(agent: Agent) -> str:
    """/context: the window as a bar, and the tokens of each part."""
    from agent import memory
    from agent.window import picture, spend

    ladder = agent.compactor
    subfolders = part(agent, memory.SubfolderMemory)
    text = memory.render(subfolders.startup) if subfolders else ""
    return picture(spend(agent.messages, agent.schemas, text, ladder.counter), ladder.window)


def memory_report(agent: Agent) -> str:
    """/memory: each file with where it came from and its size."""
    from agent.memory import SubfolderMemory
    from agent.tokens import count

    subfolders = part(agent, SubfolderMemory)
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
    return "\n".join(lines)


def permissions(agent: Agent, name: str, rest: str) -> str:
    """/permissions [call] and /mode [mode]."""
    from agent.permissions import MODES, explain, rules_report

    policy = agent.authorize.policy
    if name == "/mode":
        if not rest:
            return f"Permission mode: {policy.mode} (one of {', '.join(MODES)})"
        if rest not in MODES:
            return f"Unknown mode {rest!r}: use one of {', '.join(MODES)}."
        policy.mode = rest
        return f"Permission mode: {rest}"
    if not rest:
        return rules_report(policy) + "\nExplain one call: /permissions Bash(git push --force)"
    try:
        return explain(policy, rest, agent.tools)
    except ValueError as err:
        return str(err)


def command(agent: Agent, name: str, rest: str) -> str:
    """Run a slash command that stays on this side; the text to show."""
    from agent.memory import SubfolderMemory

    hooks = getattr(agent.authorize, "session", None)  # agent.hooked.HookedSession
    if name == "/hooks":
        return hooks.hooks.describe() if hooks else "No hooks in this session."
    if name == "/clear":
        if hooks:
            hooks.session_end("clear")
        agent.clear()
        if hooks:
            hooks.session_start("clear")
        subfolders = part(agent, SubfolderMemory)
        if subfolders:
            subfolders.forget()
        return "Conversation cleared."
    if name == "/compact":
        return compact_now(agent, rest)
    if name == "/context":
        return context_picture(agent)
    if name == "/memory":
        return memory_report(agent)
    if name in ("/permissions", "/mode"):
        return permissions(agent, name, rest)
    if name == "/help":
        return "Commands:\n" + help_text()
    return f"Unknown command {name}. Commands:\n" + help_text()


def repl(config: Config, first_prompt: str | None = None, permissions=None,
         verbose: bool = False, report: Path | None = None) -> int:
    from agent.build import build_agent

    term = Terminal(sys.stdout, verbose=verbose)
    agent = build_agent(config, term, ask_on_terminal, permissions=permissions)
    agent.authorize.session.session_start("startup")
    try:
        return prompt_loop(agent, term, config, first_prompt)
    finally:
        agent.authorize.session.session_end("prompt_input_exit")
        if report:
            agent.model.write_csv(report)


def prompt_loop(agent: Agent, term: Terminal, config: Config, first_prompt: str | None) -> int:
    start_readline()
    term.line(term.paint("\033[2m", f"agent {__version__} · {config.model} at {config.base_url} · "
                                    f"{agent.authorize.policy.mode} mode · /help, Ctrl-D to exit"))
    pending = first_prompt
    while True:
        if pending is not None:
            line, pending = pending, None
        else:
            try:
                line = input("> ")
            except EOFError:
                term.line("")
                return 0
            except KeyboardInterrupt:
                term.line("")
                continue
        line = line.strip()
        if not line:
            continue
        if line.startswith("/"):
            name, _, rest = line.partition(" ")
            if name in ("/exit", "/quit"):
                return 0
            if name == "/init":
                from agent.memory import INIT_PROMPT
                pending = INIT_PROMPT  # sent to the model as the next prompt
            else:
                term.line(command(agent, name, rest.strip()))
            continue
        try:
            agent.run(line)
        except KeyboardInterrupt:  # the loop handles Ctrl-C itself; this is a last guard
            term.line("Interrupted.")
