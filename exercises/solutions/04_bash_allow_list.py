"""Reference solution of exercises/04_bash_allow_list: only the listed programs run."""

from agent.permissions.shell_parse import analyze

ALLOWED = ("ls", "echo", "touch", "mkdir")


def decide(decision: str, reason: str) -> dict:
    return {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": decision,
                                   "permissionDecisionReason": reason}}


def allow_list(event: dict) -> dict | None:
    analysis = analyze(event["tool_input"].get("command", ""))
    for piece in analysis.pieces:
        program = piece.words[0].rsplit("/", 1)[-1]
        if program not in ALLOWED:
            return decide("deny", f"`{program}` is not on this project's list of commands; "
                                  f"only {', '.join(ALLOWED)} may run.")
    if analysis.risks:  # a redirection, a substitution: the rules decide, as without the list
        return None
    return decide("allow", "every program is on the allow-list")


def register(session) -> None:
    session.add_hook("PreToolUse", allow_list, matcher="Bash")
