"""Slash commands from plugins: what `session.add_command` registered, run by the REPL and
by print mode.

    def register(session):                                   a plugin (docs/18-plugins.md)
        session.add_command("calls", calls, "tool calls so far", "[tool]")
        session.add_command("explain", explain, "ask the model about a file", "<file>",
                            prompt=True)

    > /calls Read       calls(session, "Read")    -> "Read: 3"       shown; nothing is sent
    > /explain x.py     explain(session, "x.py")  -> "Explain x.py"  sent to the model as a prompt

Precedence, as in Claude Code: a built-in wins over a plugin's command, and a plugin's
command over a command file (.agent/commands/*.md, agent/app/custom_commands.py). Each
command hidden so is named by /help, and a plugin's also once when the REPL starts: never
silently. A command that raises is reported in one line and the session goes on: the
conversation is as it was. One that raises `agent.Block("usage: /explain FILE")` refuses:
its reason is shown as it is, and nothing is sent.
In print mode (`agent -p "/calls Read"`) a prompt command's turn is the result, as for a
command file; another command's text is the result, with no model call (`num_turns` 0), and
one that raises is an error result (exit code 1).
Not covered: Tab completion; Claude Code's `/plugin-name:command` prefix (a plugin picks
its whole name: `/myplugin:calls` is a valid one).
Claude Code counterpart: the commands a plugin ships (its commands/ folder).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from agent.app.custom_commands import command_line
from agent.events import TurnEnd
from agent.hooks.runner import Block
from agent.model.types import Usage

if TYPE_CHECKING:
    from agent.app.slash import Action
    from agent.session.session import PluginCommand, Session


def call(command: PluginCommand, arguments: str, session: Session) -> tuple[bool, str]:
    """(True, what run returned, "" for None), or (False, one line saying how it failed)."""
    try:
        said = command.run(session, arguments)
    except Block as err:  # the command's own refusal ("usage: /explain FILE"): as it is
        return False, str(err)
    except (Exception, KeyboardInterrupt) as err:  # a plugin's bug or a Ctrl-C: one line
        return False, f"{command.name} failed: {type(err).__name__}: {err}"
    if said is not None and not isinstance(said, str):
        return False, f"{command.name} returned a {type(said).__name__}, not a str or None"
    return True, said or ""


def action(command: PluginCommand, arguments: str, session: Session) -> Action:
    """The REPL: the text to show, or a turn with the prompt the command returned."""
    from agent.app.slash import Action

    ok, text = call(command, arguments, session)
    if not ok or not command.prompt:
        return Action(text=text)
    if not text.strip():
        return Action(text=f"{command.name} sent nothing to the model.")
    return Action(turn=lambda: session.run(text))


def from_prompt(prompt: str, session: Session, builtins: Collection[str]
                ) -> tuple[PluginCommand, str] | None:
    """`agent -p "/calls Read"`: the plugin command a print-mode prompt names, and its
    arguments; None for a prompt, a built-in's name, or another name."""
    found = command_line(prompt)
    if found is None or found[0] in builtins or found[0] not in session.commands:
        return None
    return session.commands[found[0]], found[1]


def turn(command: PluginCommand, arguments: str, session: Session) -> TurnEnd:
    """Print mode: the turn of a prompt command, or the text (or failure) of another as a
    turn that made no model call."""
    ok, text = call(command, arguments, session)
    if ok and command.prompt and text.strip():
        return session.run(text)
    return TurnEnd("end_turn" if ok else "error", text, 0, Usage())


def hidden(session: Session, builtins: Collection[str]) -> list[str]:
    """The plugin commands a built-in hides, one line each."""
    return [f"the plugin command {name} is hidden by the built-in {name}"
            for name in session.commands if name in builtins]


def help_lines(session: Session, builtins: Collection[str]) -> list[str]:
    """/help's part: each plugin command with its hint and description, then those hidden."""
    if not session.commands:
        return []
    lines = ["Commands from plugins:"]
    for name, command in session.commands.items():
        if name not in builtins:
            usage = f"{name} {command.argument_hint}".strip()
            kind = "plugin, sends a prompt" if command.prompt else "plugin"
            lines.append(f"  {usage:<13} {command.description or '(no description)'} ({kind})")
    return lines + [f"  ! {line}" for line in hidden(session, builtins)]
