"""A real MCP server, built with the official SDK, for the client's tests to talk to.

    python tools_server.py                      over stdio
    python tools_server.py http PORT [json]     Streamable HTTP on 127.0.0.1:PORT/mcp, its
                                                replies event streams (or JSON with `json`)

The SDK is the reference: what it sends is what the protocol is. mcp 2.x calls the server
class MCPServer; mcp 1.x called it FastMCP and took the host and port in its settings.
"""

import asyncio
import sys

try:
    from mcp.server.mcpserver import Image, MCPServer  # mcp 2.x
    from mcp.server.mcpserver.exceptions import ToolError
except ImportError:
    from mcp.server.fastmcp import FastMCP as MCPServer, Image  # mcp 1.x
    from mcp.server.fastmcp.exceptions import ToolError

server = MCPServer("tools")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def echo(text: str) -> str:
    """Say the text back."""
    return text


@server.tool()
async def slow(seconds: float) -> str:
    """Sleep, then say how long (async, so calls side by side overlap)."""
    await asyncio.sleep(seconds)
    return f"slept {seconds:g}"


@server.tool()
def fail() -> str:
    """Always fail: the SDK turns the ToolError into an isError result with its message."""
    raise ToolError("this tool always fails")


@server.tool()
def image() -> Image:
    """A 1x1 PNG."""
    return Image(data=bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"),
        format="png")


if __name__ == "__main__":
    if sys.argv[1:2] == ["http"]:
        port, json_response = int(sys.argv[2]), sys.argv[3:4] == ["json"]
        if hasattr(server.settings, "port"):  # mcp 1.x: the host and port are settings
            server.settings.host, server.settings.port = "127.0.0.1", port
            server.settings.json_response = json_response
            server.run("streamable-http")
        else:
            server.run("streamable-http", host="127.0.0.1", port=port, json_response=json_response)
    else:
        server.run()
