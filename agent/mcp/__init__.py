"""MCP: tools from other programs, over the Model Context Protocol, as the harness's own.

A server (a local program on stdio, or a URL) lists tools; the session offers each as
`mcp__server__tool`, and a call goes to the server as JSON-RPC. The protocol is written by
hand here, on purpose: it is small, and reading it is the lesson (the official SDK is only
a test dependency, for real servers to test against).

Read in this order:
    servers.py   where servers are declared (.mcp.json, settings, --mcp-config), ${VAR}
                 expansion, which may start (trust, and approval of a project's, as written)
    client.py    the protocol: initialize, tools/list, tools/call, cancellation, timeouts,
                 a server that dies or talks nonsense
    stdio.py     the first transport: a child process, one JSON message a line
    http.py      the second: Streamable HTTP, one POST a message, JSON or SSE replies
    tools.py     MCP tools as Tools: names, the gate and hooks, capped results, /mcp

Seams: the composition root (agent/session/compose.py `start_mcp`) starts the servers and
adds their tools after the built-ins; `agent mcp` (agent/app/mcp_command.py) manages them.
Chapter: docs/21-mcp.md.
Claude Code counterpart: MCP servers, .mcp.json, `claude mcp`, /mcp.
"""
