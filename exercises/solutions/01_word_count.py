"""Reference solution of exercises/01_word_count: a read-only WordCount tool."""

from agent import Tool, ToolError


def count(args: dict, ctx) -> str:
    path = ctx.resolve(args["file_path"])
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise ToolError(f"{args['file_path']} does not exist; Glob can find the right path.")
    except IsADirectoryError:
        raise ToolError(f"{args['file_path']} is a folder; give a file.")
    return f"{len(text.split())} words, {len(text.splitlines())} lines"


WORD_COUNT = Tool(
    name="WordCount",
    description="Count the words and lines of a text file.",
    parameters={"type": "object", "required": ["file_path"],
                "properties": {"file_path": {"type": "string",
                                             "description": "The file, absolute or relative."}}},
    run=count,
    read_only=True,
)


def register(session) -> None:
    session.add_tool(WORD_COUNT)
