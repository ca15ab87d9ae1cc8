"""MCP servers: where they are declared, which of them may start, and starting them.

    <project>/.mcp.json               {"mcpServers": {"NAME": {...}}}   trusted and approved once
    <project>/.agent/settings.json    "mcpServers": {...}               trusted and approved once
    ~/.agent/settings.json            "mcpServers": {...}               the user's own
    --mcp-config FILE                 a file of the .mcp.json shape     this run

An entry is Claude Code's: `{"command": "npx", "args": [...], "env": {...}}` (stdio, the
default; `"type": "stdio"` may say so) or `{"type": "http", "url": "...", "headers": {...}}`
(Streamable HTTP). `${VAR}` and `${VAR:-default}` expand in the command, the arguments, the
env values, the URL and the header values; a VAR that is not set and has no default leaves
the server out, named. A project's entries expand from the environment the tools get
(agent/config/settings.py `scrub_env`), so a repository cannot pull your API keys into its
server's environment by naming them; your own entries expand from the whole environment.

A project's servers run code the repository chose. They start only in a trusted project and
once you approved that server as it is written now: the approval is kept with a hash of the
entry in ~/.agent/mcp-approvals.json, so an edited command is asked about again. The REPL
asks at start; print mode starts the approved ones and says which it left out;
`agent mcp approve NAME` approves from the shell. Names are unique: the first place in the
order above wins (`--mcp-config` first), the rest are hidden, and said so.
Servers start side by side when the session starts (their tools must be in the first
request); one that fails is one line, and the session goes on without it.
Not covered: OAuth for HTTP servers, SSE (the older HTTP transport), `claude mcp serve`.
Claude Code counterpart: .mcp.json, `mcpServers` in settings, --mcp-config, project approval.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
PROJECT_FILE = ".mcp.json"
APPROVALS = "mcp-approvals.json"


class McpConfigError(ValueError):
    """An entry that cannot be used; the message names the file and the server."""


@dataclass(frozen=True)
class ServerSpec:
    """One declared server, its variables expanded."""

    name: str
    kind: str
    """"stdio" or "http"."""
    source: str
    """The file it was declared in (or "--mcp-config FILE")."""
    scope: str
    """"project" (needs trust and approval), "user" or "flag"."""
    entry: dict
    """As written (before expansion): what an approval is about."""
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.entry, sort_keys=True).encode()).hexdigest()[:16]

    def describe(self) -> str:
        """`npx -y @scope/server` or `http https://...`: what starting it does."""
        return f"http {self.url}" if self.kind == "http" else " ".join([self.command, *self.args])


def expand(value: str, environ: dict[str, str], where: str) -> str:
    """${VAR} and ${VAR:-default}; McpConfigError naming an unset VAR with no default."""
    def one(found: re.Match) -> str:
        name, default = found.group(1), found.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        raise McpConfigError(f"{where}: ${{{name}}} is not set (and has no default)")
    return VAR.sub(one, value)


def parse(name: str, entry: object, source: str, scope: str, environ: dict[str, str]) -> ServerSpec:
    """One entry as a ServerSpec; McpConfigError saying what is wrong with it."""
    where = f"{source}: server {name!r}"
    if not NAME.match(name):
        raise McpConfigError(f"{where}: a name has letters, digits, _ and - only (40 at most)")
    if not isinstance(entry, dict):
        raise McpConfigError(f"{where}: an entry is an object with command or url")
    kind = entry.get("type", "http" if "url" in entry else "stdio")
    strings = lambda key: isinstance(entry.get(key, {}), dict) and all(  # noqa: E731
        isinstance(v, str) for v in entry.get(key, {}).values())
    if kind == "stdio":
        args = entry.get("args", [])
        if not isinstance(entry.get("command"), str) or not entry["command"].strip():
            raise McpConfigError(f"{where}: a stdio server needs a \"command\" (a string)")
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise McpConfigError(f"{where}: \"args\" is a list of strings")
        if not strings("env"):
            raise McpConfigError(f"{where}: \"env\" is an object of strings")
        return ServerSpec(name, kind, source, scope, entry, expand(entry["command"], environ, where),
                          tuple(expand(a, environ, where) for a in args),
                          {k: expand(v, environ, where) for k, v in entry.get("env", {}).items()})
    if kind in ("http", "streamable-http"):
        if not isinstance(entry.get("url"), str) or not entry["url"].startswith(("http://", "https://")):
            raise McpConfigError(f"{where}: an http server needs a \"url\" (http:// or https://)")
        if not strings("headers"):
            raise McpConfigError(f"{where}: \"headers\" is an object of strings")
        return ServerSpec(name, "http", source, scope, entry, url=expand(entry["url"], environ, where),
                          headers={k: expand(v, environ, where)
                                   for k, v in entry.get("headers", {}).items()})
    raise McpConfigError(f"{where}: type {kind!r} is not one of stdio, http (sse is not built)")


def read_file(path: Path) -> dict:
    """The "mcpServers" object of a .mcp.json-shaped file ({} when it has none)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise McpConfigError(f"{path}: cannot be read ({err.strerror})") from None
    except ValueError as err:
        raise McpConfigError(f"{path} is not valid JSON: {err}") from None
    servers = data.get("mcpServers", {}) if isinstance(data, dict) else None
    if not isinstance(servers, dict):
        raise McpConfigError(f"{path}: \"mcpServers\" must be an object of servers by name")
    return servers


def declared(project: Path | None, home: Path, settings, mcp_config: Path | None,
             environ: dict[str, str], scrubbed: dict[str, str]) -> tuple[list[ServerSpec], list[str]]:
    """Every server declared for this run, first place wins, and the problems, one line
    each. A project's own (its .mcp.json, its settings files) only when it is trusted."""
    places: list[tuple[dict, str, str]] = []
    if mcp_config is not None:
        places.append((read_file(mcp_config), f"--mcp-config {mcp_config}", "flag"))
    trusted = bool(settings is None or settings.trusted)
    problems: list[str] = []
    own = project / PROJECT_FILE if project else None
    if own is not None and own.is_file():
        if trusted:
            try:
                places.append((read_file(own), str(own), "project"))
            except McpConfigError as err:
                problems.append(str(err))
        else:
            problems.append(f"{own}: its servers are not started: the project is not trusted")
    users = {(home / folder).resolve() for folder in (".agent", ".claude")}
    for servers, source in (settings.mcp_servers if settings is not None else ()):
        mine = Path(source).parent.resolve() in users  # ~/.agent/settings.json: the user's
        places.append((servers, source, "user" if mine else "project"))
    specs: dict[str, ServerSpec] = {}
    for servers, source, scope in places:
        for name, entry in servers.items():
            if name in specs:
                problems.append(f"{source}: server {name!r} is hidden by {specs[name].source}")
                continue
            try:
                specs[name] = parse(name, entry, source, scope,
                                    scrubbed if scope == "project" else environ)
            except McpConfigError as err:
                problems.append(f"{err}; left out")
    return list(specs.values()), problems


def approvals_file(home: Path) -> Path:
    from agent.config.paths import user_file
    return user_file(home, APPROVALS)


def approval(home: Path, project: Path | None, spec: ServerSpec) -> bool | None:
    """True or False when the user answered about this server as it is written; None: not yet."""
    if spec.scope != "project":
        return True
    try:
        store = json.loads(approvals_file(home).read_text())
    except (OSError, ValueError):
        return None
    answer = store.get(str(project), {}).get(spec.name)
    return answer["approved"] if isinstance(answer, dict) and \
        answer.get("fingerprint") == spec.fingerprint else None


def approve(home: Path, project: Path | None, spec: ServerSpec, yes: bool) -> None:
    """Keep the answer about this server, as it is written now (an edit asks again). Two
    processes answering at once both count: the read and the write are under a lock."""
    import fcntl

    from agent.config.settings import write_json

    path = approvals_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # let go when the file closes
        try:
            store = json.loads(path.read_text())
        except (OSError, ValueError):
            store = {}
        store.setdefault(str(project), {})[spec.name] = {"approved": yes,
                                                         "fingerprint": spec.fingerprint}
        write_json(path, store)  # whole or not at all
