"""An example MCP server with two small, harmless tools, to try the harness's MCP client on.

    word_count(path)   lines, words and characters of a text file
    utc_now()          the current date and time in UTC, ISO 8601

Run by the harness over stdio: put this in the project's .mcp.json (the path is relative to
the project, where the server is started):

    {"mcpServers": {"example": {"command": "python", "args": ["examples/mcp_server.py"]}}}

Its tools then appear as `mcp__example__word_count` and `mcp__example__utc_now`; /mcp shows
the server and its status. It needs the official SDK (`pip install mcp`), which the harness
itself does not: the client is written by hand (agent/mcp/client.py).
"""

from datetime import datetime, timezone
from pathlib import Path

try:
    from mcp.server.mcpserver import MCPServer  # mcp 2.x
    from mcp.server.mcpserver.exceptions import ToolError
except ImportError:
    from mcp.server.fastmcp import FastMCP as MCPServer  # mcp 1.x
    from mcp.server.fastmcp.exceptions import ToolError

MAX_BYTES = 10 * 1024 * 1024

server = MCPServer("example")


@server.tool()
def word_count(path: str) -> str:
    """Count the lines, words and characters of a text file (relative paths: from the
    directory the server runs in, the project)."""
    file = Path(path).expanduser()
    # A ToolError's message reaches the model; any other exception is only "Error executing
    # tool word_count" in mcp 2 (its text stays on the server).
    if not file.is_file():
        raise ToolError(f"{path} is not a file")
    if file.stat().st_size > MAX_BYTES:
        raise ToolError(f"{path} is larger than {MAX_BYTES // 2**20} MB")
    text = file.read_text(encoding="utf-8", errors="replace")
    return f"{len(text.splitlines())} lines, {len(text.split())} words, {len(text)} characters"


@server.tool()
def utc_now() -> str:
    """The current date and time in UTC, as ISO 8601."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


if __name__ == "__main__":
    server.run()  # stdio
