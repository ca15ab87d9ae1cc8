"""MCP tools as the harness's own: named `mcp__server__tool`, judged, hooked and capped.

    McpServers(specs).start(env, cwd)     each server connected side by side: initialize,
                                          tools/list; one that fails is a status line
    servers.tools()                       a Tool per MCP tool, for the session's list
    a call  ──► the permission gate (mcp__server, mcp__server__tool rules; it asks by
                default) ──► PreToolUse hooks (matcher "mcp__github__.*") ──► tools/call
            ──► the text, capped like every result; isError or a failure: an error result

A server that dies is said in the result of the call that found it, once, and then by every
call of its tools ("not running"), while the session goes on. A server that says its tools
changed (notifications/tools/list_changed) has its new tools added before the next prompt
(`refresh`): after the others, so the prompt's prefix holds up to them; a tool it dropped
answers that it is gone.
Not covered: MCP resources and prompts (tools only), a server's readOnlyHint (every MCP
tool asks unless a rule allows it, as in Claude Code), restarting a server that died.
Claude Code counterpart: MCP tools (`mcp__server__tool`), /mcp.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from agent.mcp.servers import ServerSpec
from agent.tools import Tool, ToolContext, ToolError
from agent.tools.capping import cap

DESCRIPTION_CHARS = 2000
"""A server's description of a tool is cut here: it is in every request."""


def tool_name(server: str, tool: str) -> str:
    """`mcp__server__tool`, with what a function name may not hold replaced by `_` (the
    OpenAI API takes [A-Za-z0-9_-], 64 at most)."""
    clean = lambda text: re.sub(r"[^A-Za-z0-9_-]", "_", text)  # noqa: E731
    return f"mcp__{clean(server)}__{clean(tool)}"[:64]


def schema_problem(schema: object) -> str | None:
    """What makes a server's inputSchema unusable as a tool's parameters, or None. A server
    can send anything; the model's API takes an object schema, and the loop reads its
    `properties` and `required` (agent/loop/turn.py check_arguments)."""
    if not isinstance(schema, dict) or schema.get("type", "object") != "object":
        return "its inputSchema is not a JSON schema of type object"
    if not isinstance(schema.get("properties", {}), dict):
        return "its inputSchema's properties is not an object"
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        return "its inputSchema's required is not a list of names"
    return None


@dataclass
class Connection:
    """One server: its spec, the client once started, what it offers, how it is."""

    spec: ServerSpec
    client: object | None = None
    status: str = "not started"
    offered: list = field(default_factory=list)
    """The McpTools the session offers (agent/mcp/client.py)."""


class McpServers:
    """The session's MCP servers by name, and their tools as Tools."""

    def __init__(self, specs: list[ServerSpec], problems: list[str] | None = None,
                 timeout: float = 60.0):
        self.connections = {spec.name: Connection(spec) for spec in specs}
        self.problems = list(problems or [])
        self.timeout = timeout

    def start(self, env: dict[str, str], cwd: Path, wait: float = 30.0) -> None:
        """Connect every server at once; each ends connected or with its failure as status."""
        threads = [threading.Thread(target=self._connect, args=(c, env, cwd, wait), daemon=True)
                   for c in self.connections.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(wait + 5)
        for c in self.connections.values():
            if c.status == "not started":
                c.status = f"failed: no answer within {wait:g} s"

    def _connect(self, c: Connection, env: dict[str, str], cwd: Path, wait: float) -> None:
        from agent.mcp.client import McpClient, McpError
        from agent.mcp.http import HttpTransport
        from agent.mcp.stdio import StdioTransport

        spec = c.spec
        transport = (HttpTransport(spec.url, spec.headers) if spec.kind == "http" else
                     StdioTransport(spec.command, list(spec.args), {**env, **spec.env}, cwd))
        client = McpClient(spec.name, transport, timeout=self.timeout, init_timeout=wait)
        try:
            client.start()  # a stdio server is tethered: it dies with the harness, even by SIGKILL
            c.offered = client.tools()
            c.client, c.status = client, "connected"
        except McpError:
            c.status = client.status  # "failed: <reason>"
            client.close()

    def tools(self, wanted=lambda name: True, taken: set[str] = frozenset()) -> list[Tool]:
        """A Tool for each tool of each connected server whose name `wanted` accepts. Two
        that come out with one name (`a.b` and `a_b`), or a name `taken` already: the first
        is kept, the other left out and said."""
        out, seen = [], set(taken)
        for c in self.connections.values():
            for t in c.offered:
                name = tool_name(c.spec.name, t.name)
                wrong = schema_problem(t.input_schema)
                if name in seen or wrong:
                    self.problems.append(f"MCP server {c.spec.name}: tool {t.name!r} left out: "
                                         f"{wrong or f'{name} is taken'}")
                elif wanted(name):
                    seen.add(name)
                    out.append(self.as_tool(c, t))
        return out

    def refresh(self, known: dict[str, Tool]) -> list[Tool]:
        """The tools a server added since it said its list changed, not yet in `known`."""
        from agent.mcp.client import McpError

        added = []
        for c in self.connections.values():
            if c.client is not None and getattr(c.client, "changed", False):
                try:
                    c.offered = c.client.tools()
                except McpError:  # a server's failure is its status
                    c.status = c.client.status
                    continue
                added += [self.as_tool(c, t) for t in c.offered if tool_name(
                    c.spec.name, t.name) not in known and not schema_problem(t.input_schema)]
        return added

    def as_tool(self, c: Connection, mcp_tool) -> Tool:
        name = tool_name(c.spec.name, mcp_tool.name)
        schema = dict(mcp_tool.input_schema or {})
        schema.setdefault("type", "object")
        schema.setdefault("properties", {})
        description = str(mcp_tool.description or mcp_tool.name).strip()
        if len(description) > DESCRIPTION_CHARS:
            description = description[:DESCRIPTION_CHARS] + " [...]"

        def run(args: dict, ctx: ToolContext) -> str:
            return self.call(c, mcp_tool.name, args, ctx)
        return Tool(name=name, description=f"{description} (MCP server {c.spec.name})",
                    parameters=schema, run=run, read_only=False, path_parameters=())

    def call(self, c: Connection, tool: str, args: dict, ctx: ToolContext) -> str:
        """One tools/call; every failure an error result that says what to do next."""
        from agent.mcp.client import McpError, ServerGone

        if c.client is None or c.status != "connected":
            raise ToolError(f"the MCP server {c.spec.name} is not running ({c.status}); its "
                            "tools cannot be used in this session: go on without them")
        if tool not in {t.name for t in c.offered}:
            raise ToolError(f"the MCP server {c.spec.name} no longer offers {tool}")
        try:
            result = c.client.call(tool, args)
        except ServerGone as err:  # its message names the server and how it ended
            c.status = c.client.status
            raise ToolError(f"{err}. Its tools are unavailable for the rest of this session; "
                            "go on without them") from None
        except McpError as err:
            raise ToolError(str(err)) from None
        text = cap(result.text or "(no content)", ctx.max_result_chars)
        if result.is_error:
            raise ToolError(f"{tool_name(c.spec.name, tool)} failed: {text}")
        return text

    def close(self) -> None:
        for c in self.connections.values():
            if c.client is not None:
                c.client.close()

    def status(self) -> list[dict]:
        """stream-json's init line: [{"name", "status"}] (Claude Code's shape)."""
        return [{"name": name, "status": "connected" if c.status == "connected" else "failed"}
                for name, c in self.connections.items()]

    def report(self, offered: dict[str, Tool]) -> str:
        """/mcp: each server, where it is declared, how it runs, its status and its tools."""
        if not self.connections and not self.problems:
            return ("No MCP servers. Declare them in .mcp.json, your ~/.agent/settings.json "
                    "(\"mcpServers\") or with --mcp-config FILE; `agent mcp add` writes one.")
        lines = []
        for name, c in self.connections.items():
            lines.append(f"{name}  {c.status}  ({c.spec.scope}: {c.spec.source})")
            lines.append(f"  {c.spec.describe()}")
            for t in c.offered:
                full = tool_name(name, t.name)
                lines.append(f"  - {full}" + ("" if full in offered else "  (not offered)"))
        return "\n".join(lines + [f"! {p}" for p in self.problems])
