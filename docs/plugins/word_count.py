"""A plugin: a read-only WordCount tool, and a Python hook that logs each call of it.

    agent --plugin docs/plugins/word_count.py -p "how many words are in README.md?"

WordCount takes a `file_path`, so the permission rules judge it as they judge Read: a
`Read(./.env)` deny rule refuses `WordCount(.env)` too, and it runs without a question
inside the workspace (docs/05-permissions.md). The hook gets the same input a command hook
reads on stdin (docs/07-hooks.md) and appends one line per call to the session's folder.
"""

import json
from pathlib import Path

from agent import Tool, ToolError


def count(args: dict, ctx) -> str:
    path = ctx.resolve(args["file_path"])
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise ToolError(f"{args['file_path']} does not exist; Glob can find the right path.")
    except IsADirectoryError:
        raise ToolError(f"{args['file_path']} is a folder; give a file.")
    return f"{len(text.split())} words, {text.count(chr(10))} lines"


WORD_COUNT = Tool(
    name="WordCount",
    description="Count the words and lines of a text file.",
    parameters={"type": "object", "required": ["file_path"],
                "properties": {"file_path": {"type": "string", "description": "The file."}}},
    run=count,
    read_only=True,
)


def register(session) -> None:
    log = Path(session.folder) / "word-count.log"

    def log_call(event: dict) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"tool_input": event["tool_input"],
                                "tool_response": event["tool_response"]}) + "\n")

    session.add_tool(WORD_COUNT)
    session.add_hook("PostToolUse", log_call, matcher="WordCount")
