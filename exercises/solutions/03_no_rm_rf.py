"""Reference solution of exercises/03_no_rm_rf: a PreToolUse hook that blocks `rm -rf`."""

from agent import Block
from agent.permissions.shell_parse import analyze

RECURSIVE, FORCE = {"-r", "-R", "--recursive"}, {"-f", "--force"}


def flags(words: tuple[str, ...]) -> set[str]:
    """The options of a command, short ones one by one: `-rf` is {-r, -f}."""
    found = set()
    for word in words[1:]:
        if word == "--":
            break
        if word.startswith("--"):
            found.add(word)
        elif word.startswith("-"):
            found.update(f"-{letter}" for letter in word[1:])
    return found


def no_rm_rf(event: dict) -> None:
    for piece in analyze(event["tool_input"].get("command", "")).pieces:
        if piece.words[0].rsplit("/", 1)[-1] == "rm":
            used = flags(piece.words)
            if used & RECURSIVE and used & FORCE:
                raise Block(f"`{piece.text}` removes a tree without asking: rm -rf is not "
                            "allowed here. Remove the files one by one, or ask the user.")


def register(session) -> None:
    session.add_hook("PreToolUse", no_rm_rf, matcher="Bash")
