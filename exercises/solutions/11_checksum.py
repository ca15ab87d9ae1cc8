"""Reference solution of exercises/11_checksum: a read-only tool that runs side by side."""

import hashlib

from agent import Tool, ToolError

CHUNK = 1 << 20


def checksum(args: dict, ctx) -> str:
    path = ctx.resolve(args["file_path"])
    if path.is_dir():
        raise ToolError(f"{args['file_path']} is a folder; give a file.")
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):  # a large file is never read whole into memory
                digest.update(chunk)
    except FileNotFoundError:
        raise ToolError(f"{args['file_path']} does not exist; Glob can find the right path.")
    return f"sha256 {digest.hexdigest()}  {args['file_path']}"


CHECKSUM = Tool(
    name="Checksum",
    description="The SHA-256 checksum of a file, as `sha256 <hex>  <path>`.",
    parameters={"type": "object", "required": ["file_path"],
                "properties": {"file_path": {"type": "string", "description": "The file."}}},
    run=checksum,
    read_only=True,
    alongside=True,
)


def register(session) -> None:
    session.add_tool(CHECKSUM)
