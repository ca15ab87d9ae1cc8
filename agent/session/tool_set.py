"""Which tools a session offers, beyond the built-in list: the profile's choice, --tools,
the MCP servers' tools, and WebFetch's way to ask the model about a long page.

    offered(tools, config, lean, plan)     the profile's set, or what --tools names
    start_mcp(config, settings, ...)       the MCP servers of this run started (agent/mcp/)
    asked_for(name, config)                an MCP tool named by --tools (by itself or its server)
    page_answerer(model, window)           WebFetch's `answer`: one request, no tools

The composition root (agent/session/compose.py) calls these while it builds a session.
Claude Code counterpart: --tools, MCP tools at start, WebFetch's small-model summary.
"""

from __future__ import annotations

import os
from pathlib import Path


def offered(tools: list, config, lean: bool, plan: bool) -> list:
    """The tools the model is offered: the profile's set (agent/session/lean.py), or those
    --tools names. Lean is five tools, one line each, and what --tools adds to them (Task,
    Skill); ExitPlanMode is there in plan mode whatever the list. ConfigError for an unknown
    name (Skill is known with no skill found: it is then left out)."""
    from agent.config.config import ConfigError
    from agent.session.lean import TOOLS, lean_tools

    names = [name for name in (config.tools or "").split(",") if name]
    by_name = {tool.name: tool for tool in tools}
    unknown = [name for name in names if name not in by_name and name != "Skill"  # no skills: none
               and not name.startswith("mcp__")]  # a server's tools: asked_for()
    if unknown:
        raise ConfigError(f"--tools: there is no tool named {unknown[0]!r}; "
                          f"known: {', '.join(by_name)}")
    if lean:
        keep = lean_tools([t for t in tools if not names or t.name in names])
        keep += [by_name[name] for name in names if name not in TOOLS and name in by_name]
    else:
        keep = [t for t in tools if not names or t.name in names]
    if plan and "ExitPlanMode" in by_name and by_name["ExitPlanMode"] not in keep:
        keep.append(by_name["ExitPlanMode"])
    return keep


def page_answerer(model, window):
    """WebFetch's `answer` (agent/tools/web.py): one request to the session's model, no tools,
    counted by the Meter, with as much of the page as the window holds."""
    from agent.model.types import ModelError
    from agent.tools import ToolError

    room = max(2_000, (window.size - window.reply_reserve - 1_000) * 3)  # ~3 characters a token

    def answer(prompt: str, text: str) -> str:
        messages = [{"role": "system", "content": "You answer a question from the text of a web "
                     "page. Use only the page; when it does not say, say so. Be concise; keep "
                     "code, commands and names exactly as the page has them."},
                    {"role": "user", "content": f"The page:\n\n{text[:room]}\n\n---\n"
                                                f"The question: {prompt}"}]
        try:
            return model.complete(messages, [], lambda event: None).text
        except ModelError as err:  # the page was read; the model could not answer from it
            raise ToolError(f"the page was fetched, but the model could not answer from it "
                            f"({err}); try again, or a more specific page") from None
    return answer


def asked_for(name: str, config) -> bool:
    """Whether --tools names this MCP tool, or its server (`mcp__github`)."""
    return any(name == x or name.startswith(x + "__") for x in (config.tools or "").split(",") if x)


def start_mcp(config, settings, home: Path, env: dict, approve_mcp):
    """The MCP servers of this run (agent/mcp/servers.py), those approved started, side by
    side. A project's server not yet approved is asked about (`approve_mcp`) or left out."""
    from agent.config.config import ConfigError
    from agent.mcp.servers import McpConfigError, approval, approve, declared
    from agent.mcp.tools import McpServers

    try:
        specs, problems = declared(settings.project, home, settings, config.mcp_config,
                                   dict(os.environ), env)
    except McpConfigError as err:  # the user's own --mcp-config: a usage error
        raise ConfigError(str(err)) from None
    chosen = []
    for spec in specs:
        answer = approval(home, settings.project, spec)
        if answer is None and approve_mcp is not None:
            answer = bool(approve_mcp(spec))
            try:
                approve(home, settings.project, spec, answer)
            except OSError as err:  # a full disk, a read-only home: this run only, and said
                problems.append(f"your answer about MCP server {spec.name!r} could not be kept "
                                f"({err.strerror or err}): it holds for this session only")
        if answer:
            chosen.append(spec)
        else:
            why = "not approved yet" if answer is None else "you declined it"
            problems.append(f"{spec.source}: MCP server {spec.name!r} ({spec.describe()}) not "
                            f"started: {why} (agent mcp approve {spec.name})")
    servers = McpServers(chosen, problems)
    servers.start(env, config.cwd)
    return servers
