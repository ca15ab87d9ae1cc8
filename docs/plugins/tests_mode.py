"""A plugin: a permission mode, "tests", in which pytest runs without a question and every
edit asks, even one an allow rule allows.

    agent --plugin docs/plugins/tests_mode.py --permission-mode tests

A mode is a function `(tool, args, default) -> Decision | None` (docs/18-plugins.md): it sees
the decision default mode makes and may make it stricter, or allow what default asks about
only because no rule allows it. None keeps default's decision. What a deny or ask rule, the
hard floor, a protected path or a path outside the workspace decided, it cannot loosen.
"""

from agent import Decision
from agent.permissions.shell_parse import analyze


def tests_mode(tool, args: dict, default: Decision) -> Decision | None:
    if tool.name == "Bash":  # every piece must be pytest: `pytest && rm -r src` is not
        pieces = analyze(str(args.get("command", ""))).pieces
        if pieces and all(piece.words[:1] == ("pytest",) for piece in pieces):
            return Decision("allow", "tests mode runs pytest without a question")
        return None
    if tool.rule_family == "Edit" and default.outcome == "allow":
        return Decision("ask", "tests mode asks before every edit, even one a rule allows")
    return None


def register(session) -> None:
    session.add_mode("tests", tests_mode, "pytest runs without a question; every edit asks")
