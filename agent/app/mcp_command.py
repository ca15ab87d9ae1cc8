"""`agent mcp`: the MCP servers declared for this folder, as `claude mcp` manages them.

    agent mcp list                          each server: where declared, how it runs, whether
                                            it connects now (a project's: if approved)
    agent mcp get NAME                      one server, its tools
    agent mcp add [-s local|project|user] [-e KEY=VALUE]... NAME -- COMMAND [ARGS...]
    agent mcp add --transport http [-s ...] [-H "Name: value"]... NAME URL
    agent mcp remove [-s SCOPE] NAME        from that scope, or the first that has it
    agent mcp approve NAME                  start a project's server from now on, as written

Scopes: `local` (the default, as in Claude Code: yours, in this project's
.agent/settings.local.json), `project` (.mcp.json, for everyone who clones it) and `user`
(~/.agent/settings.json, every project). A server you add is approved as you wrote it.
Exit codes: 0 done, 1 a server that failed to connect (list, get), 2 a usage error.
Claude Code counterpart: `claude mcp list|get|add|remove`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from agent.config.settings import write_json  # a temporary file, then a rename

SCOPES = ("local", "project", "user")


def scope_file(scope: str, project: Path, home: Path) -> Path:
    from agent.config.settings import LOCAL_FILE
    from agent.mcp.servers import PROJECT_FILE
    return {"local": project / LOCAL_FILE, "project": project / PROJECT_FILE,
            "user": home / ".agent" / "settings.json"}[scope]


def read_json(path: Path) -> dict:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))  # ValueError: said by the caller
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return data


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="agent mcp", description="manage MCP servers")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list")
    sub.add_parser("get").add_argument("name")
    add = sub.add_parser("add")
    add.add_argument("-s", "--scope", choices=SCOPES, default="local")
    add.add_argument("-t", "--transport", choices=("stdio", "http"), default="stdio")
    add.add_argument("-e", "--env", action="append", default=[], metavar="KEY=VALUE")
    add.add_argument("-H", "--header", action="append", default=[], metavar="'Name: value'")
    add.add_argument("name")
    add.add_argument("target", nargs=argparse.REMAINDER, metavar="COMMAND_OR_URL [ARGS...]")
    remove = sub.add_parser("remove")
    remove.add_argument("-s", "--scope", choices=SCOPES)
    remove.add_argument("name")
    sub.add_parser("approve").add_argument("name")
    args = parser.parse_args(argv)
    from agent.config.settings import find_project
    project, home = find_project(Path.cwd()), Path.home()
    try:
        if args.action == "add":
            return add_server(args, project, home)
        if args.action == "remove":
            return remove_server(args.name, args.scope, project, home)
        return show(args.action, getattr(args, "name", None), project, home)
    except ValueError as err:  # a file that is not JSON, an entry that is wrong
        print(f"agent mcp: {err}", file=sys.stderr)
        return 2


def add_server(args, project: Path, home: Path) -> int:
    from agent.mcp.servers import McpConfigError, approve, parse

    target = args.target[1:] if args.target[:1] == ["--"] else args.target
    if not target:
        print("agent mcp add: give the command (after --) or, with --transport http, the URL",
              file=sys.stderr)
        return 2
    if args.transport == "http":
        headers = dict((k.strip(), v.strip()) for k, _, v in (h.partition(":") for h in args.header))
        entry = {"type": "http", "url": target[0], **({"headers": headers} if headers else {})}
    else:
        env = dict(pair.partition("=")[::2] for pair in args.env)
        entry = {"command": target[0], "args": target[1:], **({"env": env} if env else {})}
    path = scope_file(args.scope, project, home)
    try:
        spec = parse(args.name, entry, str(path), "project" if args.scope != "user" else "user",
                     {**{k: "" for k in _variables(entry)}, **os.environ})  # set later is fine
    except McpConfigError as err:
        print(f"agent mcp add: {err}", file=sys.stderr)
        return 2
    data = read_json(path)
    data.setdefault("mcpServers", {})[args.name] = entry
    write_json(path, data)
    if spec.scope == "project":
        approve(home, project, spec, True)  # you wrote it: approved as written
    print(f"Added {args.transport} MCP server {args.name} to {args.scope} config ({path})")
    return 0


def _variables(entry: dict) -> set[str]:
    from agent.mcp.servers import VAR
    return {found.group(1) for found in VAR.finditer(json.dumps(entry))}


def remove_server(name: str, scope: str | None, project: Path, home: Path) -> int:
    for each in [scope] if scope else SCOPES:
        path = scope_file(each, project, home)
        data = read_json(path)
        if name in data.get("mcpServers", {}):
            del data["mcpServers"][name]
            write_json(path, data)
            print(f"Removed MCP server {name} from {each} config ({path})")
            return 0
    where = f"the {scope} config" if scope else "any config"
    print(f"agent mcp remove: no MCP server named {name!r} in {where}", file=sys.stderr)
    return 1


def show(action: str, name: str | None, project: Path, home: Path) -> int:
    """list, get and approve: the servers as a session would see them."""
    from agent.config.config import ConfigError, load_config
    from agent.config.settings import scrub_env
    from agent.mcp.servers import approval, approve, declared
    from agent.mcp.tools import McpServers, tool_name
    from agent.session.compose import load_permissions

    try:
        config = load_config({}, os.environ, Path.cwd())
        _, settings = load_permissions(config, [], [])
    except ConfigError as err:
        print(f"agent mcp: {err}", file=sys.stderr)
        return 2
    env = scrub_env(os.environ, settings)
    specs, problems = declared(settings.project, home, settings, None, dict(os.environ), env)
    if name is not None:
        specs = [s for s in specs if s.name == name]
        if not specs:
            print(f"agent mcp {action}: no MCP server named {name!r}", file=sys.stderr)
            return 1
    if action == "approve":
        approve(home, settings.project, specs[0], True)
        print(f"Approved {name} ({specs[0].describe()}) for {settings.project}, as written now")
        return 0
    ready = [s for s in specs if approval(home, settings.project, s)]
    servers = McpServers(ready)
    servers.start(env, config.cwd, wait=15.0)
    failed = 0
    for spec in specs:
        c = servers.connections.get(spec.name)
        status = c.status if c else ("needs approval: agent mcp approve " + spec.name
                                     if approval(home, settings.project, spec) is None
                                     else "declined (agent mcp approve to change that)")
        failed += status.startswith("failed")
        print(f"{spec.name}: {spec.describe()} - {status}  ({spec.scope}: {spec.source})")
        if action == "get" and c is not None:
            for t in c.offered:
                print(f"  {tool_name(spec.name, t.name)}: {(t.description or '').strip()[:100]}")
    servers.close()
    if not specs and action == "list":
        print("No MCP servers configured. Add one with: agent mcp add NAME -- COMMAND [ARGS...]")
    for line in problems:
        print(f"! {line}", file=sys.stderr)
    return 1 if failed else 0
