"""Reference solution of exercises/13_review_mode: a permission mode that reads, runs pytest,
and changes nothing."""

from agent import Decision
from agent.permissions.shell_parse import analyze, is_read_only

REFUSED = ("review mode: you may read files and run pytest, nothing else. Change nothing: "
           "describe the change you would make, and where, in your answer")


def runs_pytest(words: tuple[str, ...]) -> bool:
    """`pytest ...`, or `python -m pytest ...`."""
    return words[:1] == ("pytest",) or (words[:1] in (("python",), ("python3",))
                                        and words[1:3] == ("-m", "pytest"))


def review(tool, args: dict, default: Decision) -> Decision | None:
    if tool.read_only:
        return None  # default's decision: inside the workspace it runs, outside it asks
    if tool.name == "Bash":
        analysis = analyze(str(args.get("command", "")))
        if analysis.pieces and not analysis.risks and all(
                is_read_only(piece) or runs_pytest(piece.words) for piece in analysis.pieces):
            return Decision("allow", "review mode runs pytest and commands that only read")
    return Decision("deny", REFUSED)


def register(session) -> None:
    session.add_mode("review", review, "read everything, run pytest, change nothing")
