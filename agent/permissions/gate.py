"""The gate: a decision carried out. Run the call, refuse it, or ask the user.

    Policy.decide(tool, args) ─► allow ─► Verdict(allowed)
                               ─► deny  ─► Verdict(refused: what, why)
                               ─► ask   ─► a terminal: yes / always (a rule is remembered) / no
                                           print mode: refused, naming the flag or rule that allows it

`Gate` is the `authorize` the loop calls (behind the PreToolUse hooks, agent/hooks/wiring.py).
"Always" writes the rule `suggest_rule` makes (the exact command, the file, or the tool) to
the project's .agent/settings.local.json and adds it for this session.
Claude Code counterpart: the permission prompt, and "don't ask again".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

from agent.loop.seams import Verdict
from agent.model.types import ToolCall
from agent.permissions.policy import Decision, Policy, describe
from agent.permissions.rules import literal, parse
from agent.tools import Tool


def suggest_rule(tool: Tool, args: dict, policy: Policy) -> str:
    """The rule that "always allow" writes: the exact command, the file, the site, the
    subagent or skill, or the tool."""
    if tool.name == "Bash":
        return f"Bash({literal(str(args.get('command', '')))})"  # `*` escaped: not a wildcard
    host = urlparse(str(args.get("url", ""))).hostname if tool.name == "WebFetch" else None
    if host:  # that site, not the whole web
        return f"WebFetch(domain:{host})"
    if tool.rule_argument and args.get(tool.rule_argument):  # Task(Explore), Skill(pdf)
        return f"{tool.name}({args[tool.rule_argument]})"
    paths = policy.paths(tool, args)
    project = (policy.project or policy.cwd).resolve()
    if paths and tool.rule_family:
        rule = tool.rule_family
        p = paths[0]
        return f"{rule}(/{p.relative_to(project).as_posix()})" if p.is_relative_to(project) \
            else f"{rule}(/{p.as_posix()})"
    return tool.name


@dataclass(frozen=True)
class Answer:
    """What the user said to a question: allow or not, remember it, and a note for the model."""

    allow: bool
    remember: bool = False
    feedback: str = ""


Ask = Callable[[Tool, dict, Decision], Answer]


@dataclass
class Gate:
    """The `authorize` function the loop calls: a Verdict that lets a call run or refuses it."""

    policy: Policy
    ask: Ask | None = None
    """Asks the user on a terminal; None in print mode, where nobody can answer."""
    remember: Callable[[str], object] | None = None
    """Writes an "always allow" rule (agent.config.settings.remember_rule)."""

    def __call__(self, tool: Tool, args: dict, call: ToolCall | None = None) -> Verdict:
        return self.settle(tool, args, self.policy.decide(tool, args))

    def settle(self, tool: Tool, args: dict, decision: Decision) -> Verdict:
        """Carry out a decision: run, refuse, or ask (a hook may have changed the decision)."""
        if decision.outcome == "allow":
            return Verdict(True, args)
        call = describe(tool, args)
        if decision.outcome == "deny":
            return Verdict(False, args, f"Permission denied: {call}: {decision.reason}.")
        if self.ask is None:
            return Verdict(False, args, (
                f"Permission denied: {call} needs approval ({decision.reason}), and nobody "
                f"can approve in print mode. To allow it: "
                f"{how_to_allow(tool, args, self.policy, decision)}."))
        answer = self.ask(tool, args, decision)
        if answer.allow:
            if answer.remember and self.remember is not None:
                rule = suggest_rule(tool, args, self.policy)
                self.remember(rule)
                self.policy.rules.append(parse("allow", rule, "remembered",
                                               self.policy.project or self.policy.cwd))
            return Verdict(True, args)
        note = f" The user says: {answer.feedback}" if answer.feedback else ""
        return Verdict(False, args, f"Permission denied: the user refused {call}.{note}")


def how_to_allow(tool: Tool, args: dict, policy: Policy, decision: Decision | None = None) -> str:
    """The flag or rule that would let this call run without a question. A plugin's mode
    that asks is not overruled by a rule: then only another mode would."""
    if decision is not None and decision.mode:
        return (f"another --permission-mode (the {decision.mode} mode asks, whatever the rules "
                "allow)")
    rule = suggest_rule(tool, args, policy)
    ways = [f'--allowedTools "{rule}"', f'"{rule}" in permissions.allow of .agent/settings.json']
    if tool.rule_family == "Edit":
        ways.append("--permission-mode acceptEdits (edits inside the workspace)")
    ways.append("--permission-mode bypassPermissions")
    return ", or ".join(ways)
