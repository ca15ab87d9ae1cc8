"""`agent permissions explain` and `/permissions`: which rule or mode decides a call, and why.

    agent permissions explain 'Bash(git push --force)'    one call, judged as the real check does
    agent permissions list                                  the rules in force, with their files

A call is written as a rule is, `Tool(argument)`, and judged by the same `Policy.decide` the
gate uses, against the session's own tools, so a plugin tool is judged as it will be when the
model calls it. Hooks are not run: a PreToolUse hook can still refuse what this allows.
Claude Code counterpart: /permissions.
"""

from __future__ import annotations

from agent.permissions.policy import Policy, describe
from agent.permissions.rules import RULE
from agent.tools import Tool


def call_from_text(text: str, tools: dict[str, Tool]) -> tuple[Tool, dict]:
    """`Bash(git push --force)`, `Edit(src/a.py)` or `WordCount(.env)` as a call to judge. The
    argument goes where the tool takes it: its path, else its `command`, else its `url`, else
    the argument its rules name (`Task(Explore)`), else its first required argument. A name the session has no tool for is judged as an unknown
    tool that changes things."""
    found = RULE.match(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a call: write Tool(argument), e.g. 'Bash(git push)'")
    name, arg = found.group(1), found.group(2) or ""
    tool = tools.get(name) or Tool(name, "", {}, lambda a, c: "", read_only=False)
    properties = tool.parameters.get("properties", {})
    keys = [*tool.path_arguments, *(k for k in ("command", "url") if k in properties),
            *([tool.rule_argument] if tool.rule_argument else []),
            *tool.parameters.get("required", [])]
    return tool, ({keys[0]: arg} if keys and arg else {})


def explain(policy: Policy, text: str, tools: dict[str, Tool]) -> str:
    """Which rule or mode decides a call, from which file, and why."""
    tool, args = call_from_text(text, tools)
    decision = policy.decide(tool, args)
    lines = [f"{describe(tool, args)}: {decision.outcome}", f"  why: {decision.reason}"]
    if decision.rule:
        lines.append(f"  rule: {decision.rule.kind} {decision.rule.text} from {decision.rule.source}")
    lines.append(f"  mode: {policy.mode}; workspace: {', '.join(map(str, [policy.cwd, *policy.directories]))}")
    return "\n".join(lines)


def rules_report(policy: Policy) -> str:
    """The rules in force, grouped by kind, each with its source."""
    lines = [f"Permission mode: {policy.mode}"]
    for kind in ("deny", "ask", "allow"):
        rules = [r for r in policy.rules if r.kind == kind]
        lines.append(f"{kind} rules:" + ("" if rules else " (none)"))
        lines += [f"  {r.text}   ({r.source})" for r in rules]
    if policy.directories:
        lines.append("Additional directories: " + ", ".join(map(str, policy.directories)))
    return "\n".join(lines)
