"""Custom slash commands: markdown files whose body is a prompt, typed as `/name arguments`.

    <project>/.agent/commands/review.md           /review                a project command
    <project>/.claude/commands/review.md          (read too: Claude Code's folder)
    ~/.agent/commands/frontend/component.md       /frontend:component    a user command
    ~/.claude/commands/...

    ---
    description: Review the staged change        shown by /help
    argument-hint: [focus]                       shown by /help after the name
    allowed-tools: Bash(git diff:*), Read        allow rules for this command's turn only
    model: qwen2.5-coder:14b                     the model for this command's turn only
    ---
    Review this change with a focus on $ARGUMENTS:
    !`git diff --cached`

Precedence: a project command hides a user command of the same name, as in Claude Code, and
within a scope `.agent/` comes before `.claude/`; every name that is hidden is reported by
/help (`problems`), never silently. A subfolder becomes a prefix with a colon.
Expansion: `$ARGUMENTS` is the argument text as typed; `$1`..`$9` its words, split like a
shell does (quotes group words, and are removed); with no placeholder in the body, the
arguments are appended as `ARGUMENTS: ...` so they are never lost. Then each `` !`cmd` ``
runs as if the model had called Bash: the same permission gate (rules, the hard floor, the
question on a terminal, PreToolUse hooks) and the same tool, and its output replaces it.
Simplified: a missing `$2` becomes empty (Claude Code leaves the text `$2`); a project
command's allowed-tools count only in a trusted project (agent/config/settings.py), like its rules.
Not covered: `@file` references in the body, `$0`, the `disable-model-invocation` key (the
model cannot call commands here at all), MCP commands. A plugin's commands are code
(agent/app/plugin_commands.py); a file of the same name is hidden by one.
Claude Code counterpart: custom slash commands (.claude/commands/*.md).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from agent.events import TurnEnd
from agent.config.frontmatter import FrontmatterError, split
from agent.model.types import ToolCall
from agent.permissions.rules import Rule, parse

if TYPE_CHECKING:
    from agent.session.session import Session

FOLDERS = (".agent", ".claude")
COMMAND = re.compile(r"^(/[A-Za-z][\w:.-]*)(?:\s+(.*))?$", re.DOTALL)  # `/name the rest`
PLACEHOLDER = re.compile(r"\$ARGUMENTS|\$([1-9])")
BANG = re.compile(r"!`([^`]+)`")
NAME = re.compile(r"^[A-Za-z0-9][\w.-]*$")


@dataclass(frozen=True)
class CustomCommand:
    """One command file, read and checked."""

    name: str
    """As typed, with the slash: `/review`, `/frontend:component`."""
    path: Path
    scope: str
    """"project" or "user"."""
    body: str
    description: str = ""
    hint: str = ""
    allowed_tools: tuple[Rule, ...] = ()
    model: str | None = None


def discover(project: Path, home: Path, trusted: bool = True
             ) -> tuple[dict[str, CustomCommand], list[str]]:
    """The commands by name, and the problems found (clashes, unreadable files), one line each."""
    found: dict[str, CustomCommand] = {}
    problems: list[str] = []
    roots = [(project / folder / "commands", "project") for folder in FOLDERS]
    roots += [(home / folder / "commands", "user") for folder in FOLDERS]
    for root, scope in roots:
        if scope == "user" and project.resolve() == home.resolve():
            continue  # in the home folder the project's commands are the user's: count them once
        for path in sorted(root.rglob("*.md")) if root.is_dir() else []:
            parts = path.relative_to(root).with_suffix("").parts
            if not all(NAME.match(part) for part in parts):
                problems.append(f"{path}: skipped, a command name has letters, digits, - _ . only")
                continue
            name = "/" + ":".join(parts)
            if name in found:
                problems.append(f"{path}: {name} is hidden by {found[name].path}")
                continue
            try:
                command = read(path, name, scope, project)
            except (OSError, UnicodeDecodeError, FrontmatterError, ValueError) as err:
                problems.append(f"{path}: skipped: {err}")
                continue
            if command.allowed_tools and scope == "project" and not trusted:
                problems.append(f"{path}: allowed-tools ignored, the project is not trusted")
                command = replace(command, allowed_tools=())
            found[name] = command
    return found, problems


def read(path: Path, name: str, scope: str, base: Path) -> CustomCommand:
    """One file as a command; ValueError for a bad frontmatter or rule."""
    from agent.session.compose import split_rules  # "Bash(git add:*), Read": the flags' syntax

    fields, body = split(path.read_text(encoding="utf-8"))
    tools = fields.get("allowed-tools", [])
    texts = tools if isinstance(tools, list) else split_rules([tools])
    rules = tuple(parse("allow", text, f"allowed-tools of {path}", base) for text in texts)
    model = text_of(fields.get("model", "")) or None
    return CustomCommand(name, path, scope, body.strip(), text_of(fields.get("description", "")),
                         text_of(fields.get("argument-hint", "")), rules, model)


def text_of(value: str | list[str]) -> str:
    """A field as one line (`argument-hint: [pr]` is a YAML list, shown as written)."""
    return f"[{', '.join(value)}]" if isinstance(value, list) else " ".join(value.split())


def expand(command: CustomCommand, arguments: str) -> str:
    """The body with `$ARGUMENTS` and `$1`..`$9` filled in (before any `!` line runs)."""
    body = command.body
    if not PLACEHOLDER.search(body):
        return f"{body}\n\nARGUMENTS: {arguments}" if arguments.strip() else body
    try:
        words = shlex.split(arguments)
    except ValueError:  # an unclosed quote: split on spaces rather than refuse
        words = arguments.split()

    def value(found: re.Match) -> str:  # one pass: a value is never substituted again
        if found.group(0) == "$ARGUMENTS":
            return arguments
        n = int(found.group(1))
        return words[n - 1] if n <= len(words) else ""
    return PLACEHOLDER.sub(value, body)


def run_bang_lines(text: str, session: Session) -> str:
    """Each `` !`cmd` `` replaced by the command's output, judged and run as a Bash call of
    the model's would be; a refusal is inlined instead, so the model sees why."""
    agent = session.agent

    def output(found: re.Match) -> str:
        args = {"command": found.group(1).strip()}
        bash = agent.tools["Bash"]
        # no tool call of the model's: hooks get an empty tool_use_id
        verdict = agent.authorize(bash, args, ToolCall("", "Bash", json.dumps(args)))
        if not verdict.allowed:
            return f"[not run: {verdict.refusal}]"
        return bash.run(verdict.args, agent.ctx)
    return BANG.sub(output, text)


@contextmanager
def for_one_turn(session: Session, command: CustomCommand) -> Iterator[None]:
    """The command's allowed-tools as allow rules and its model, until the turn is over.
    Rules remembered during the turn ("always") stay; the added ones go."""
    policy, client = session.policy, session.client
    before = client.name
    policy.rules.extend(command.allowed_tools)
    if command.model:
        client.name = command.model
    try:
        yield
    finally:
        client.name = before
        added = {id(rule) for rule in command.allowed_tools}
        policy.rules[:] = [rule for rule in policy.rules if id(rule) not in added]


def command_line(line: str) -> tuple[str, str] | None:
    """(name, the rest) when the line is a slash command, None when it is a prompt."""
    found = COMMAND.match(line.strip())
    return (found.group(1), (found.group(2) or "").strip()) if found else None


def from_prompt(prompt: str, project: Path, home: Path, trusted: bool,
                builtins: Collection[str] = (), plugged: Collection[str] = ()
                ) -> tuple[CustomCommand, str] | None:
    """`agent -p "/review src"`: the custom command a print-mode prompt names, and its
    arguments; None when the prompt is not a command. A built-in (one of `builtins`, the
    REPL's) or unknown name raises ValueError: the built-ins show things in the REPL, and an
    unknown one is a typo. `plugged`: the plugins' commands, named in that error."""
    found = command_line(prompt)
    if found is None:
        return None
    name, rest = found
    commands, _ = discover(project, home, trusted)
    if name in commands and name not in builtins:
        return commands[name], rest
    known = sorted(n for n in commands if n not in plugged) or ["none found"]  # hidden by one
    what = "a REPL command" if name in builtins else "an unknown command"
    also = f"; from plugins: {', '.join(plugged)}" if plugged else ""
    raise ValueError(f"{name} is {what}; with -p only custom commands run "
                     f"(.agent/commands/*.md: {', '.join(known)}{also})")


def run(command: CustomCommand, arguments: str, session: Session) -> TurnEnd:
    """Send the command to the model as one prompt, with its rules and model for the turn."""
    with for_one_turn(session, command):
        prompt = run_bang_lines(expand(command, arguments), session)
        return session.run(prompt)
