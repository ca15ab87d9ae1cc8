"""Skills: folders of instructions the model loads itself, when a task calls for one.

    ~/.claude/skills/changelog/SKILL.md     ---
                                            name: changelog
                                            description: Write a CHANGELOG entry. Use when ...
                                            allowed-tools: Bash(git log:*)
                                            ---
                                            (the instructions: the body)
    ~/.claude/skills/changelog/template.md  more, for the body to point at

A skill costs tokens in three steps, each paid only when the one before says it is needed
(progressive disclosure):

    1. name and description   in the Skill tool's description, in every request
    2. the body               the Skill tool's result, once the model calls Skill("changelog")
    3. files beside it        read by path with Read (or run with Bash) when the body says so

So a user can keep fifty skills and each request pays for fifty lines, not fifty bodies. The
skills are found where Claude Code looks (agent/config/definitions.py: `.agent/skills/` and
`.claude/skills/` of a trusted project, then of the home). The Skill tool's description is
written once, when the session starts, so that the prompt's prefix stays the same for the
server's cache: a skill added during a session is offered in the next one, while an edit to
a body counts at once (the body is read from disk when the skill is loaded). Files beside
SKILL.md are readable without a question (an allow rule `Read(//<folder>/**)` per skill,
added at start), also for a user's skill outside the workspace; a deny rule still wins, as
deny rules are checked first. `allowed-tools` become allow rules of the session when the
skill is loaded, as Claude Code grants them while the skill is active.
Simplified: those rules stay for the rest of the session (Claude Code drops them when the
skill is done; here nothing says when that is). A malformed rule in allowed-tools makes the
skill a problem line at start, and it is not offered.
Not covered: skills from plugins; the `model` and `disable-model-invocation` keys; skills as
slash commands (`/changelog`); the body's `!` lines and `$ARGUMENTS` (a skill takes none).
Claude Code counterpart: Agent Skills: .claude/skills/*/SKILL.md and the Skill tool.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent.config.definitions import Definition, find, names, read
from agent.config.frontmatter import FrontmatterError, Value
from agent.permissions.rules import Rule, parse
from agent.tools import Tool, ToolContext, ToolError

if TYPE_CHECKING:
    from agent.permissions.policy import Policy

ABOUT = """\
Load a skill: the instructions for one kind of task, with files beside them. When the task \
matches a skill's description below, call this with its name first, then follow what it \
says. The result names the skill's folder: Read its files by path when it points to them.

Available skills:
"""


@dataclass
class Skills:
    """The skills found at start, what was wrong with the others, and which were loaded."""

    found: dict[str, Definition] = field(default_factory=dict)
    """By name, in precedence order (agent/config/definitions.py)."""
    problems: list[str] = field(default_factory=list)
    """A skill skipped, hidden or not trusted: one line each, shown at start and by /skills."""
    rules: dict[str, tuple[Rule, ...]] = field(default_factory=dict)
    """Each skill's allowed-tools, parsed at start: allow rules once it is loaded."""
    loaded: list[str] = field(default_factory=list)
    """The names the model loaded this session, in order."""

    def folder(self, name: str) -> Path:
        """Where the skill's files are: the folder of its SKILL.md."""
        return self.found[name].path.parent.resolve()

    def read_rules(self) -> list[Rule]:
        """`Read(//<folder>/**)` for each skill: its files are readable without a question."""
        return [parse("allow", f"Read(/{self.folder(name)}/**)", f"the folder of skill {name}",
                      self.folder(name)) for name in self.found]

    def listing(self) -> str:
        """One line per skill, `- name: description`: what the model sees before it loads one."""
        return "\n".join(f"- {name}: {' '.join(one.description.split())}"
                         for name, one in self.found.items())

    def report(self, offered: bool, width: int) -> str:
        """/skills: each skill with its scope, its whole description wrapped to `width`, its
        folder and whether it was loaded; then the problems. `offered`: the Skill tool is."""
        if not (self.found or self.problems):
            return ("No skills. A skill is a folder with a SKILL.md, in .agent/skills/ or "
                    ".claude/skills/ of the project or of your home (docs/19-skills.md).")
        lines = ["Skills (the model sees each name and description; the Skill tool loads a body):"
                 if offered else
                 "Skills (not offered in this session: the lean profile, or --tools without Skill):"]
        for name, one in self.found.items():
            head = f"  {name:<13} {one.scope:<8} "
            lines.append(textwrap.fill(" ".join(one.description.split()), width,
                                       initial_indent=head, subsequent_indent=" " * len(head),
                                       break_long_words=False, break_on_hyphens=False))
            state = "loaded this session" if name in self.loaded else "not loaded"
            lines.append(" " * len(head) + f"{self.folder(name)}  ({state})")
        return "\n".join(lines + [f"  ! {problem}" for problem in self.problems])


def find_skills(project: Path | None, home: Path, trusted: bool, base: Path) -> Skills:
    """The skills of the project (when trusted) and of the home. `base`: what a `/path` in
    their allowed-tools starts at (the project, as for the settings' rules)."""
    found, problems = find("skills", project, home, trusted)
    skills = Skills(problems=problems)
    for name, one in found.items():
        source = f"allowed-tools of skill {name}"
        try:
            rules = tuple(parse("allow", text, source, base)
                          for text in rule_texts(one.fields.get("allowed-tools")))
        except ValueError as err:
            skills.problems.append(f"{one.path}: skipped: allowed-tools: {err}")
            continue
        skills.found[name], skills.rules[name] = one, rules
    return skills


def rule_texts(value: Value | None) -> list[str]:
    """allowed-tools as rule texts: `Read, Bash(git log:*)`, a YAML list, or the Agent Skills
    spelling, separated by spaces (`Read Bash(git log:*)`); a space inside ( ) stays."""
    texts = []
    for item in names(value):
        word, depth = "", 0
        for ch in item + " ":
            depth += (ch == "(") - (ch == ")")
            if depth == 0 and ch.isspace():
                texts, word = texts + [word] if word else texts, ""
            else:
                word += ch
        if word:  # an unclosed parenthesis: kept whole, for parse to refuse
            texts.append(word.strip())
    return texts


def skill_tool(skills: Skills, policy: Policy) -> Tool:
    """The Skill tool, its description listing the skills as they are now. Loading one
    grants its allowed-tools through `policy` (once, however often it is loaded)."""

    def load(args: dict, ctx: ToolContext) -> str:
        name = str(args.get("skill", "")).strip()
        if name not in skills.found:
            known = ", ".join(skills.found)
            raise ToolError(f"There is no skill {name!r}. The skills are: {known}. "
                            "Call Skill with one of these names.")
        one = skills.found[name]
        try:
            body = read(one.path, one.scope).body  # as it is now: an edit counts at once
        except (OSError, UnicodeDecodeError, FrontmatterError, ValueError) as err:
            raise ToolError(f"The skill {name} cannot be read now ({one.path}: {err}); "
                            "go on without it, or ask the user.") from None
        if name not in skills.loaded:
            skills.loaded.append(name)
            policy.rules += skills.rules[name]
        return (f'Skill "{name}" loaded. Base directory for this skill: {skills.folder(name)}'
                f"\n\n{body}")

    parameters = {"type": "object", "properties": {"skill": {
        "type": "string", "description": "The skill's name, as listed"}},
        "required": ["skill"]}
    return Tool("Skill", ABOUT + skills.listing(), parameters, load, read_only=True,
                rule_argument="skill")
