"""Permission modes that plugins add: default mode's decision, made stricter, or its plain
question answered.

    session.add_mode("readonly", decide, "reads run; everything else is refused")
    agent --plugin readonly.py --permission-mode readonly      (or defaultMode, or /mode)

    Policy.decide(tool, args)
      └─ the rules and default mode decide: the hard floor, deny rules, ask rules, allow
         rules, protected paths, paths outside the workspace, what only reads ─► `default`
            ├─ deny ──────────────────────────────────────────────► deny; the mode is not asked
            └─ decide(tool, args, default)
                 ├─ None ─────────────────────────────────────────► `default`
                 ├─ as strict or stricter (allow < ask < deny) ───► the mode's Decision
                 ├─ looser, and `default` is only the mode's question
                 │    ("no rule allows it", default.fallback) ────► the mode's Decision
                 ├─ looser, anything else ────────────────────────► `default`, saying so
                 └─ raises, or returns what is not a Decision ────► deny, naming the mode
                                                                    and what went wrong

The contract: `decide(tool, args, default) -> Decision | None`. `tool` is the Tool called
(`name`, `read_only`, `rule_family`), `args` a copy of its arguments (changing them changes
nothing), `default` the Decision default mode makes for the call. So a mode may refuse or
ask for anything default would allow (a rule's allow included), and may allow only what
default asks about because no rule allows it: never what the hard floor, a deny rule or an
ask rule decided, nor an edit of `.git/`, `.agent/`, `.claude/` or `.env`, nor a path or a
command piece outside the workspace, nor a command the shell reading cannot trust. What it
may allow is what an allow rule could, and less.

Why a failing mode denies rather than asks: the mode is a policy the user chose, and when it
cannot answer nobody knows what it would have said. A question would put before the user a
call the mode may have been written never to let through (a readonly mode), and in print
mode a question is a refusal anyway. The refusal names the mode and the error, so the model
reads it as a tool result and goes on, and the user can switch modes (/mode).

Subagents are judged by the parent's gate, so the same policy and its mode hold for them.
Not covered: a plugin runs in the harness's process with the user's rights. These limits
hold a mode's mistakes (a bug, an allow too broad), not a hostile plugin, which could do
anything in its register(). The sandbox confines commands as in default mode (a plugin's
mode is not plan: commands may write in the workspace).
Claude Code counterpart: none; its modes are fixed (default, acceptEdits, plan, bypassPermissions).
"""

from __future__ import annotations

import copy
import re
import reprlib
from collections.abc import Callable
from dataclasses import dataclass, replace

from agent.permissions.policy import MODES, Decision
from agent.tools import Tool

STRICTNESS = {"allow": 0, "ask": 1, "deny": 2}
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")

Decide = Callable[[Tool, dict, Decision], "Decision | None"]
"""A mode's function: the tool, a copy of the arguments, default mode's Decision."""


@dataclass(frozen=True)
class Mode:
    """A permission mode a plugin added: its name, its function, one line for /mode."""

    name: str
    decide: Decide
    description: str = ""

    def judge(self, tool: Tool, args: dict, default: Decision) -> Decision:
        """The mode's decision on a call, held to the contract above."""
        if default.outcome == "deny":  # nothing is stricter, and nothing may loosen it
            return default
        try:
            said = self.decide(tool, copy.deepcopy(args), default)
            reason = str(said.reason) if isinstance(said, Decision) else ""
        except Exception as err:  # the mode's own bug: the call is refused, the session goes on
            return Decision("deny", f"the {self.name} permission mode failed on this call "
                                    f"({type(err).__name__}: {err}), so it is refused",
                            mode=self.name)
        if said is None:
            return default
        if not isinstance(said, Decision) or said.outcome not in tuple(STRICTNESS):
            got = f"outcome {reprlib.repr(said.outcome)}" if isinstance(said, Decision) \
                else reprlib.repr(said)
            return Decision("deny", f"the {self.name} permission mode returned {got}, not a "
                                    "Decision of allow, ask or deny, or None; so it is refused",
                            mode=self.name)
        if STRICTNESS[said.outcome] < STRICTNESS[default.outcome] and not default.fallback:
            return replace(default, reason=f"{default.reason} (the {self.name} mode may not "
                                           f"{said.outcome} this)")
        reason = reason if self.name in reason else f"{reason} ({self.name} mode)"
        return Decision(said.outcome, reason, mode=self.name)


def mode(name: str, decide: Decide, description: str = "", taken: tuple[str, ...] = ()) -> Mode:
    """A Mode, checked: a name that a flag can carry and that no mode has, a function.
    ValueError says what is wrong."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValueError(f"a permission mode's name is a word (letters, digits, - and _), "
                         f"not {name!r}")
    if name in MODES or name in taken:
        raise ValueError(f"there is a permission mode named {name} already")
    if not callable(decide):
        raise ValueError(f"permission mode {name}: decide must be a function "
                         "(tool, args, default) -> Decision | None")
    return Mode(name, decide, description)


def known(policy) -> list[str]:
    """The names of every mode this policy can take: the built-in ones, then the plugins'."""
    return [*MODES, *policy.modes]


def check(policy, source: str) -> None:
    """ValueError when the policy's mode is none of the known ones, naming where it came from
    and the known names (after the plugins have registered theirs)."""
    if policy.mode not in known(policy):
        raise ValueError(f"unknown permission mode {policy.mode!r} ({source}); known: "
                         f"{', '.join(known(policy))} (a plugin may add more)")
