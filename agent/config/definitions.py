"""Definition files: subagents and skills, found where Claude Code looks, in its precedence.

    <project>/.agent/agents/reviewer.md         a project's subagent         (trusted only)
    <project>/.claude/agents/reviewer.md        (Claude Code's folder, read too)
    ~/.agent/agents/reviewer.md                 the user's own
    ~/.claude/agents/reviewer.md
    <project>/.agent/skills/pdf/SKILL.md        a skill is a folder with a SKILL.md
    ~/.claude/skills/pdf/SKILL.md               ... in the same four places

Each file starts with frontmatter (agent/config/frontmatter.py): `name` and `description`
are required; the body is the subagent's system prompt or the skill's instructions. A
project's definitions hide the user's of the same name, as in Claude Code, and within a
scope `.agent/` comes before `.claude/`; what is hidden, skipped or broken is one line in
`problems`, never silently dropped. A project's own definitions count only once the project
is trusted: a cloned repository could otherwise give the model instructions and tools of its
choosing (agent/config/project_gates.py asks).
Not covered: definitions from plugins or managed policy; Claude Code's `--agents` JSON flag.
Claude Code counterpart: .claude/agents/*.md and .claude/skills/*/SKILL.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from agent.config.frontmatter import FrontmatterError, Value, split

FOLDERS = (".agent", ".claude")
NAME = re.compile(r"^[A-Za-z0-9][\w.:-]{0,63}$")


@dataclass(frozen=True)
class Definition:
    """One definition file, read: its frontmatter, its body, where it came from."""

    name: str
    description: str
    fields: dict[str, Value]
    body: str
    path: Path
    scope: str
    """"project" or "user"."""


def places(kind: str, project: Path | None, home: Path, trusted: bool) -> list[tuple[Path, str]]:
    """The folders to look in for `kind` ("agents" or "skills"), first wins, with their scope."""
    roots = [(project / folder / kind, "project") for folder in FOLDERS] if project and trusted else []
    if project is None or project.resolve() != home.resolve():  # at home, count them once
        roots += [(home / folder / kind, "user") for folder in FOLDERS]
    return roots


def find(kind: str, project: Path | None, home: Path, trusted: bool
         ) -> tuple[dict[str, Definition], list[str]]:
    """The definitions of `kind` by name, and the problems found, one line each. Agents are
    `<root>/NAME.md`, skills `<root>/NAME/SKILL.md`."""
    found: dict[str, Definition] = {}
    problems: list[str] = []
    if project is not None and not trusted and any(
            (project / folder / kind).is_dir() for folder in FOLDERS):
        problems.append(f"{kind} of {project} ignored: the project is not trusted")
    for root, scope in places(kind, project, home, trusted):
        files = sorted(root.glob("*/SKILL.md" if kind == "skills" else "*.md")) if root.is_dir() else []
        for path in files:
            try:
                one = read(path, scope)
            except (OSError, UnicodeDecodeError, FrontmatterError, ValueError) as err:
                problems.append(f"{path}: skipped: {err}")
                continue
            if one.name in found:
                problems.append(f"{path}: {one.name} is hidden by {found[one.name].path}")
                continue
            found[one.name] = one
    return found, problems


def read(path: Path, scope: str) -> Definition:
    """One file; ValueError when its frontmatter lacks a name or description or is broken."""
    fields, body = split(path.read_text(encoding="utf-8"))
    name, description = text(fields.get("name")), text(fields.get("description"))
    if not name or not description:
        missing = " and ".join(k for k, v in (("name", name), ("description", description)) if not v)
        raise ValueError(f"its frontmatter has no {missing} (both are required)")
    if not NAME.match(name):
        raise ValueError(f"the name {name!r} has letters, digits, - _ . : only (64 at most)")
    return Definition(name, description, fields, body.strip(), path, scope)


def text(value: Value | None) -> str:
    """A frontmatter value as one string (a list is joined with commas)."""
    if value is None:
        return ""
    return ", ".join(value) if isinstance(value, list) else value.strip()


def names(value: Value | None) -> tuple[str, ...]:
    """A list field (`tools: Read, Grep` or `[Read, Grep]` or a block list) as names."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else re.split(r",(?![^()]*\))", value)
    return tuple(item.strip() for item in items if item.strip())  # Bash(a, b) stays one
