"""Permission rules in Claude Code's syntax, and whether one matches a tool call.

    Bash                          every Bash command
    Bash(npm run test)            exactly that command (words compared after quote removal)
    Bash(npm run test:*)          the legacy prefix form: "npm run test" and anything after it
    Bash(git status*)             `*` matches any characters, spaces included; `\\*` is a star
    Read(./src/**)  Edit(src/*.py)    gitignore-style paths, relative to the working directory
    Edit(/docs/**)                `/path`: relative to the project of the settings file
    Read(//etc/hosts)             `//path`: an absolute path
    Read(~/.ssh/**)               `~/path`: under the home folder
    WebFetch(domain:example.com)  a tool's `url` argument on that host (or a subdomain)
    mcp__github  mcp__github__create_issue    every tool of an MCP server, or one tool
    Task(Explore)  Agent(Explore)  Skill(commit)  the subagent or skill of that name (`*` works)

Read rules cover every tool that reads files (Read, Glob, Grep, and any tool of a plugin that
only reads and takes a `file_path`, `path` or `notebook_path`); Edit rules every tool that
changes them (Edit, Write, and a plugin's tool that changes files), unless the tool declares
otherwise (agent.tools.Tool.path_rules). A Bash rule is matched against each piece of a compound command
on its own (agent.permissions.shell_parse splits them), after wrappers such as `timeout` are stripped.
In a path pattern `*` stays within one folder, `**` crosses folders, and a pattern without a
slash matches at any depth (`*.env`, but `./.env` only in cwd); a pattern that matches a
folder matches what is in it.
Claude Code counterpart: permission rules (`permissions.allow/ask/deny` entries).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

WILDCARD = re.compile(r"(?<!\\)\*")  # a star that is not escaped
RULE = re.compile(r"^([A-Za-z_][\w-]*)(?:\((.*)\))?$", re.DOTALL)


@dataclass(frozen=True)
class Rule:
    """One parsed rule, with where it came from."""

    kind: str
    """"allow", "ask" or "deny"."""
    tool: str
    specifier: str | None
    text: str
    """As written in the settings file or flag."""
    source: str
    base: Path
    """The folder that `/path` patterns are relative to (the settings file's project)."""


def parse(kind: str, text: str, source: str, base: Path) -> Rule:
    """A rule from its text; ValueError with the reason when it is not one."""
    found = RULE.match(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a rule: write Tool or Tool(specifier), e.g. Bash(git diff:*)")
    tool, specifier = found.group(1), found.group(2)
    if specifier is not None and not specifier.strip():
        raise ValueError(f"{text!r} has an empty specifier: write {tool} to match every call")
    if tool == "WebFetch" and specifier is not None and not specifier.startswith("domain:"):
        raise ValueError(f"{text!r}: a WebFetch rule takes domain:host, e.g. WebFetch(domain:example.com)")
    return Rule(kind, tool, specifier.strip() if specifier else None, text.strip(), source, base)


def applies_to(rule: Rule, tool: str, family: str | None = None) -> bool:
    """Whether a rule is about this tool at all (its specifier not yet considered). `family`
    is "Read" or "Edit" for a tool whose paths those rules judge (agent.tools.Tool.rule_family)."""
    if rule.tool == tool or family is not None and rule.tool == family:
        return True
    if (rule.tool, tool) == ("Agent", "Task"):  # Claude Code's newer name for the Task tool
        return True
    return rule.specifier is None and tool.startswith(rule.tool + "__") and rule.tool.startswith("mcp__")


def matches_command(rule: Rule, text: str) -> bool:
    """A Bash rule against one piece of a command (its words joined by single spaces). `\\*`
    in a rule is a literal star (what "always allow" writes for `rm -f *.pyc`)."""
    spec = rule.specifier
    if spec is None:
        return True
    if spec.endswith(":*") and not spec.endswith("\\:*"):
        prefix = normalize(spec[:-2])
        return text == prefix or text.startswith(prefix + " ")
    parts = WILDCARD.split(spec)
    if len(parts) > 1:
        pattern = ".*".join(re.escape(normalize(part)) if part.strip() else re.escape(part)
                            for part in parts)
        return re.fullmatch(pattern, text, re.DOTALL) is not None
    return text == normalize(spec)


def matches_name(rule: Rule, name: str) -> bool:
    """A rule whose specifier names a thing, not a path (`Task(Explore)`, `Skill(pdf-*)`)."""
    parts = WILDCARD.split(rule.specifier or "*")
    return re.fullmatch(".*".join(re.escape(p.replace("\\*", "*")) for p in parts), name) is not None


def literal(command: str) -> str:
    """A command as a rule that matches it alone: words joined by one space, `*` escaped."""
    return " ".join(command.split()).replace("*", "\\*")


def normalize(command: str) -> str:
    """Quotes removed and spaces collapsed, as agent.permissions.shell_parse does for the pieces."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    out = " ".join(words)
    # keep the spaces around the wildcard as the user wrote them: "ls *" is not "ls*"
    return (" " if command[:1].isspace() else "") + out + (" " if command[-1:].isspace() else "")


def matches_path(rule: Rule, path: Path, cwd: Path, home: Path) -> bool:
    """A Read/Edit rule against a resolved absolute path."""
    if rule.specifier is None:
        return True
    regex = path_regex(rule.specifier, rule.base, cwd, home)
    text = path.as_posix()
    return any(regex.fullmatch(p) for p in [text, *(q.as_posix() for q in path.parents)])


def path_regex(spec: str, base: Path, cwd: Path, home: Path) -> re.Pattern:
    """The absolute pattern a path specifier stands for, as a regular expression."""
    if spec.startswith("//"):
        anchor, rest = Path("/"), spec[2:]
    elif spec.startswith("~/"):
        anchor, rest = home, spec[2:]
    elif spec.startswith("/"):
        anchor, rest = base, spec[1:]
    elif spec.startswith("./"):
        anchor, rest = cwd, spec[2:]
    else:
        anchor, rest = cwd, spec
        if "/" not in rest.rstrip("/"):  # gitignore: a bare name matches at any depth
            rest = "**/" + rest
    rest = rest.rstrip("/") or "**"
    inside = rest.endswith("/**")  # `dir/**` is what is in dir, and so, for a search, dir itself
    prefix = anchor.resolve().as_posix().rstrip("/")
    regex = glob_to_regex(rest[:-3] if inside else rest) + ("(?:/.*)?" if inside else "")
    return re.compile(re.escape(prefix) + "/" + regex)


def glob_to_regex(glob: str) -> str:
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


def matches_url(rule: Rule, url: str) -> bool:
    """A WebFetch(domain:host) rule against a URL: that host or one of its subdomains."""
    if rule.specifier is None:
        return True
    domain = rule.specifier.removeprefix("domain:").lower()
    host = (urlparse(url).hostname or "").lower()
    return host == domain or host.endswith("." + domain)
