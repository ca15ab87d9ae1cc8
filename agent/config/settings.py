"""Settings files: permission rules, the default mode, hooks, and what a project may add.

Six optional JSON files, lowest to highest precedence ("~" is the `home` given), then flags:

    ~/.claude/settings.json, ~/.agent/settings.json                      user
    <project>/.claude/settings.json, <project>/.agent/settings.json      project, committed
    <project>/.claude/settings.local.json, .agent/settings.local.json    project, personal
    --allowedTools, --disallowedTools                                    allow, deny rules

`<project>` is the git repository around the cwd (or the cwd). Lists are concatenated in that
order without repeats; a scalar (`defaultMode`) comes from the highest file that sets it.

Why trust: a cloned repository can carry `"allow": ["Bash(*)"]` or a hook that runs at start.
So a project's files always add what only makes things stricter (deny and ask rules, scrub
patterns, disableBypassPermissionsMode), and the rest (allow rules, defaultMode,
additionalDirectories, hooks, mcpServers, scrubEnv.passThrough, plugins) only once the user
trusts the project (answers kept in ~/.agent/trusted.json). `compaction` and `modelLayers`
only choose among what is loaded, so any file may set them. Bad files fail closed: a syntax
error, a wrong type or a misspelt key stops the program with the file's path; a deny rule is
never dropped in silence. Claude Code keys we do not use (model, env, ...) are ignored.

The `hooks` objects are kept raw here and read by agent/hooks/from_settings.py.
Simplified: trust covers a folder, not the content seen (a later `git pull` adding allow rules
is trusted too, as in Claude Code); no managed policy; rule syntax is checked where rules match.
Claude Code counterpart: settings.json files, `permissions`, the folder trust dialog.
"""

from __future__ import annotations

import json
import re
import os
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from fnmatch import fnmatchcase
from pathlib import Path

from agent.config.config import ConfigError
from agent.config.paths import user_file
from agent.config.project_gates import command_lines, definition_lines, dotenv_lines, mcp_lines
from agent.config.sandbox_settings import SandboxSettings, loosening
from agent.config.sandbox_settings import check as check_sandbox
from agent.config.sandbox_settings import merge as merge_sandbox

KINDS = ("allow", "ask", "deny")
MODES = ("default", "acceptEdits", "plan", "bypassPermissions")  # as in agent.permissions.policy
PERMISSION_KEYS = (*KINDS, "defaultMode", "additionalDirectories", "disableBypassPermissionsMode")
TOP_KEYS = ("permissions", "hooks", "mcpServers", "scrubEnv", "sandbox")
LIST_KEYS = ("plugins", "compaction", "modelLayers")  # lists of names (docs/18-plugins.md)
NUMBER_KEYS = ("timeout",)  # seconds to wait for the model server (agent/model/wire.py)
SCRUB_KEYS = ("patterns", "passThrough")
DEFAULT_SCRUB = ("*KEY*", "*TOKEN*", "*SECRET*", "*PASSWORD*", "*PASSWD*", "*CREDENTIAL*",
                 "*_DSN")
CREDENTIAL_URL = re.compile(r"[a-z][\w+.-]*://[^/\s:@]*:[^/\s@]+@", re.I)  # scheme://user:pw@
LOCAL_FILE = Path(".agent") / "settings.local.json"  # under the project; remember_rule writes it
NAMES = ("settings.json", "settings.local.json")  # in each of FOLDERS, lowest precedence first
FOLDERS = (".claude", ".agent")


class SettingsError(ConfigError):
    """A settings or trust file that cannot be used; the message starts with its path."""


@dataclass(frozen=True)
class RuleEntry:
    """One permission rule and where it came from."""

    kind: str
    """allow | ask | deny."""
    rule: str
    """As written: `Bash(git diff:*)`, `Read(/docs/**)`, `WebFetch`."""
    source: str
    """The file's path, or "--allowedTools" / "--disallowedTools"."""
    base: Path
    """What `/path` in the rule starts at: the project root, the home (user files), the cwd."""


@dataclass(frozen=True)
class Settings:
    """Everything the settings files and the flags put in force."""

    rules: tuple[RuleEntry, ...] = ()
    """All rules in force, in file order, flags last."""
    default_mode: str | None = None
    """permissions.defaultMode of the highest file that sets it (and is in force)."""
    default_mode_source: str | None = None
    """The file default_mode came from."""
    additional_directories: tuple[Path, ...] = ()
    """Folders tools may work in besides the cwd, resolved against their file's base."""
    hooks: tuple[tuple[dict, str], ...] = ()
    """Each file's raw "hooks" object with the file's path, from files in force only."""
    mcp_servers: tuple[tuple[dict, str], ...] = ()
    """Each file's raw "mcpServers" object with the file's path, from files in force only."""
    scrub_patterns: tuple[str, ...] = DEFAULT_SCRUB
    """Environment variable names (fnmatch patterns) removed from tool environments."""
    pass_through: tuple[str, ...] = ()
    """Environment variable names kept even when a scrub pattern matches them."""
    bypass_disabled: bool = False
    """permissions.disableBypassPermissionsMode is "disable" in some file."""
    files: tuple[Path, ...] = ()
    """The files that were read, lowest precedence first."""
    project: Path = Path(".")
    """The project root: the git repository around the cwd, or the cwd."""
    trusted: bool = True
    """Whether the project's own allow rules, mode, directories and hooks are in force."""
    untrusted_ignored: tuple[str, ...] = ()
    """What the untrusted project's files would have added, one line each, for a message."""
    trust_given: bool = False
    """The user said so (an answer kept, or --trust-project), not only "nothing to gate":
    memory files may then lead outside the project."""
    plugins: tuple[tuple[str, Path, str], ...] = ()
    """(plugin, the folder a relative file is found from, the settings file), files in force."""
    compaction: tuple[str, ...] | None = None
    """The compaction strategies of the highest file that names them."""
    model_layers: tuple[str, ...] | None = None
    """The model layers of the highest file that names them."""
    timeout: float | None = None
    """Seconds to wait for the model server, from the highest file that sets it."""
    sandbox: SandboxSettings = SandboxSettings()
    """The `sandbox` objects, merged: stricter from any file, looser only from files in force."""


def find_project(cwd: Path) -> Path:
    """The root of the git repository around cwd; cwd itself outside one."""
    cwd = cwd.resolve()
    try:
        done = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd,
                              capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip():
            return Path(done.stdout.strip()).resolve()
    except OSError:
        pass
    # git missing, or refusing another user's repository: a .git entry still marks the root
    return next((folder for folder in (cwd, *cwd.parents) if (folder / ".git").exists()), cwd)


def load_settings(cwd: Path, home: Path, allowed_tools: Sequence[str] = (),
                  disallowed_tools: Sequence[str] = (),
                  trust: Callable[[Path, list[str]], bool] | None = None,
                  trust_project: bool = False) -> Settings:
    """Read the files, decide trust, merge. `trust(project, what_it_would_add)` asks the user
    (its answer is stored); without it, and without `trust_project`, an unknown project with
    something to gate is untrusted for this run. Raises SettingsError for a bad file."""
    cwd, home = cwd.resolve(), home.resolve()
    project = find_project(cwd)
    user = [(home / folder / NAMES[0], home, False) for folder in FOLDERS]
    ours = [(project / folder / name, project, True) for name in NAMES for folder in FOLDERS]
    layers = []  # with the home as the project, its settings.json files count once, as user's
    for path, base, is_project in _unique(user + ours, key=lambda c: c[0].resolve()):
        data = _read_json(path)
        if data is not None:
            _check(data, path)
            layers.append((path, data, base, is_project))
    gated = [line for path, data, _, own in layers if own for line in _gated(data, path)]
    gated += dotenv_lines(cwd, project) + command_lines(project)
    if project.resolve() != home.resolve():  # at home, the agents and skills are the user's
        gated += definition_lines(project) + mcp_lines(project)
    trusted = _decide_trust(project, home, gated, trust, trust_project)
    rules, dirs, hooks, mcp, patterns, passes = [], [], [], [], list(DEFAULT_SCRUB), []
    mode, mode_source, bypass_disabled = None, None, False
    plugins, chosen, boxes = [], {}, []
    for path, data, base, is_project in layers:
        in_force = trusted or not is_project
        perms, scrub = data.get("permissions", {}), data.get("scrubEnv", {})
        for kind in KINDS:
            if kind != "allow" or in_force:
                rules += [RuleEntry(kind, rule, str(path), base) for rule in perms.get(kind, [])]
        patterns += scrub.get("patterns", [])
        bypass_disabled |= perms.get("disableBypassPermissionsMode") == "disable"
        chosen.update({key: tuple(data[key]) for key in ("compaction", "modelLayers") if key in data})
        chosen.update({key: float(data[key]) for key in NUMBER_KEYS if key in data})
        boxes += [(data["sandbox"], base, home, in_force)] if "sandbox" in data else []
        if not in_force:
            continue
        if "defaultMode" in perms:
            mode, mode_source = perms["defaultMode"], str(path)
        dirs += [_resolve(text, base, home) for text in perms.get("additionalDirectories", [])]
        hooks += [(data["hooks"], str(path))] if data.get("hooks") else []
        mcp += [(data["mcpServers"], str(path))] if data.get("mcpServers") else []
        passes += scrub.get("passThrough", [])
        plugins += [(spec, base, str(path)) for spec in data.get("plugins", [])]
    rules += [RuleEntry("allow", rule, "--allowedTools", cwd) for rule in allowed_tools]
    rules += [RuleEntry("deny", rule, "--disallowedTools", cwd) for rule in disallowed_tools]
    return Settings(
        rules=_unique(rules, key=lambda r: (r.kind, r.rule, r.base)),  # same text, other base:
        default_mode=mode, default_mode_source=mode_source,            # another rule (`/x`)
        additional_directories=_unique(dirs), hooks=tuple(hooks), mcp_servers=tuple(mcp),
        scrub_patterns=_unique(patterns), pass_through=_unique(passes),
        bypass_disabled=bypass_disabled, files=tuple(layer[0] for layer in layers),
        project=project, trusted=trusted, untrusted_ignored=() if trusted else tuple(gated),
        trust_given=trust_project or is_trusted(project, home) is True,
        plugins=_unique(plugins, key=lambda p: p[:2]), compaction=chosen.get("compaction"),
        model_layers=chosen.get("modelLayers"), sandbox=merge_sandbox(boxes),
        timeout=chosen.get("timeout"))


def scrub_env(environ: Mapping[str, str], settings: Settings) -> dict[str, str]:
    """The environment for a tool: names matching a scrub pattern (any case), and values that
    carry a password in a URL (`DATABASE_URL=postgres://u:pw@db`), are removed unless passed
    through by name."""
    return {name: value for name, value in environ.items() if name in settings.pass_through
            or not any(fnmatchcase(name.upper(), p.upper()) for p in settings.scrub_patterns)
            and not CREDENTIAL_URL.search(value)}


def remember_rule(project: Path, home: Path, rule: str, kind: str = "allow") -> Path:
    """Add a rule to <project>/.agent/settings.local.json (made if missing, other content
    kept, no duplicate) and mark the project trusted, so that the rule is in force next time.
    A project the user refused stays refused: its rules, this one too, are then not in force."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    path = project / LOCAL_FILE
    data = _read_json(path) or {}
    _check(data, path)  # never rewrite a file we could not read back
    rules = data.setdefault("permissions", {}).setdefault(kind, [])
    if rule not in rules:
        rules.append(rule)
    write_json(path, data)
    if is_trusted(project, home) is not False:
        set_trusted(project, home, True)
    return path


def is_trusted(project: Path, home: Path) -> bool | None:
    """The stored answer for this project (symlinks resolved); None when never asked."""
    answer = _trust_store(home)["projects"].get(str(project.resolve()))
    return answer if isinstance(answer, bool) else None


def set_trusted(project: Path, home: Path, value: bool) -> None:
    """Store the answer for this project in ~/.agent/trusted.json, atomically."""
    store = _trust_store(home)
    store["projects"][str(project.resolve())] = value
    write_json(user_file(home, "trusted.json"), store)


def _read_json(path: Path) -> dict | None:
    """A file's JSON object; None when there is no file. Raises SettingsError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise SettingsError(f"{path}: cannot be read: {getattr(e, 'strerror', None) or e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SettingsError(f"{path}: line {e.lineno}, column {e.colno}: {e.msg}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: must hold a JSON object, got {_describe(data)}")
    return data


def _check(data: dict, path: Path) -> None:
    """Fail closed: wrong types and misspelt keys raise; unused Claude Code keys pass."""
    for key, value in data.items():
        near = get_close_matches(key, TOP_KEYS + LIST_KEYS + NUMBER_KEYS, n=1, cutoff=0.8)
        if key not in TOP_KEYS + LIST_KEYS + NUMBER_KEYS and near:
            raise SettingsError(f"{path}: {key} is not a setting; did you mean {near[0]}?")
        if key in TOP_KEYS and not isinstance(value, dict):
            raise SettingsError(f"{path}: {key} must be an object, got {_describe(value)}")
        if key in LIST_KEYS and not (isinstance(value, list) and all(
                isinstance(item, str) and item.strip() for item in value)):
            raise SettingsError(f"{path}: {key} must be a list of names, got {_describe(value)}")
        if key in NUMBER_KEYS and (isinstance(value, bool) or not isinstance(value, (int, float))
                                   or not 0 < value < float("inf")):
            raise SettingsError(f"{path}: {key} must be a positive number of seconds, "
                                f"got {_describe(value)}")
    for problem in check_sandbox(data["sandbox"], f"{path}: sandbox") if "sandbox" in data else []:
        raise SettingsError(problem)
    for section, known in (("permissions", PERMISSION_KEYS), ("scrubEnv", SCRUB_KEYS)):
        for key, value in data.get(section, {}).items():
            where = f"{path}: {section}.{key}"
            if key not in known:
                near = get_close_matches(key, known, n=1)
                hint = f"did you mean {near[0]}?" if near else f"known: {', '.join(known)}"
                raise SettingsError(f"{where} is not a setting; {hint}")
            if key == "defaultMode" and not (isinstance(value, str) and value.strip()):
                raise SettingsError(f"{where} must be a mode's name ({', '.join(MODES)}, or a "
                                    f"plugin's), got {_describe(value)}")
            if key == "disableBypassPermissionsMode" and value != "disable":
                raise SettingsError(f'{where} must be "disable", got {_describe(value)}')
            if key not in ("defaultMode", "disableBypassPermissionsMode") and not (
                    isinstance(value, list) and all(isinstance(item, str) for item in value)):
                raise SettingsError(f"{where} must be a list of strings, got {_describe(value)}")


def _gated(data: dict, path: Path) -> list[str]:
    """What a project file adds that needs trust, one line each."""
    perms, scrub = data.get("permissions", {}), data.get("scrubEnv", {})
    lines = [f"allow rule {rule}" for rule in perms.get("allow", [])]
    lines += [f"defaultMode {perms['defaultMode']}"] if "defaultMode" in perms else []
    lines += [f"additional directory {d}" for d in perms.get("additionalDirectories", [])]
    lines += [f"hooks for {', '.join(data['hooks'])}"] if data.get("hooks") else []
    lines += [f"MCP servers {', '.join(data['mcpServers'])}"] if data.get("mcpServers") else []
    lines += [f"scrubEnv.passThrough {name}" for name in scrub.get("passThrough", [])]
    lines += [f"plugin {spec}" for spec in data.get("plugins", [])]
    lines += loosening(data["sandbox"]) if isinstance(data.get("sandbox"), dict) else []
    return [f"{line} in {path}" for line in lines]


def _decide_trust(project: Path, home: Path, gated: list[str],
                  trust: Callable[[Path, list[str]], bool] | None, trust_project: bool) -> bool:
    stored = True if trust_project else is_trusted(project, home)  # the flag: this run only
    if stored is not None:
        return stored
    if not gated:
        return True  # nothing to gate, nothing to ask
    if trust is None:
        return False  # print mode: nobody to ask
    answer = bool(trust(project, gated))
    set_trusted(project, home, answer)
    return answer


def _trust_store(home: Path) -> dict:
    path = user_file(home, "trusted.json")
    store = _read_json(path) or {"projects": {}}
    if not isinstance(store.setdefault("projects", {}), dict):
        raise SettingsError(f"{path}: projects must be an object, got {_describe(store['projects'])}")
    return store


def write_json(path: Path, data: dict) -> None:
    """Write to a temporary file next to it, then rename: a crash leaves the old file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # a reader sees the old file or the new one, never half of one


def _resolve(text: str, base: Path, home: Path) -> Path:
    """A directory as written in a file: `~` is the home, a relative one starts at the base."""
    return (home / text[2:] if text == "~" or text.startswith("~/") else base / text).resolve()


def _unique(items: Iterable, key: Callable = lambda item: item) -> tuple:
    """The items in order without repeats (equal keys); the first of each is kept."""
    seen: dict = {}
    for item in items:
        seen.setdefault(key(item), item)
    return tuple(seen.values())


def _describe(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
