"""Presets per server and profiles per model family, kept as data.

`agent/config/profiles.json` (package data) holds two tables:

    providers  ollama, vllm, llamacpp, lmstudio, openai, openrouter, deepseek: the default base
               URL, the server's known quirks, and the fix to print when its context is too
               small or its tool calls do not work
    families   per model family: name patterns, the native context window, the tool mode
               (native | auto | text), the quirks of its tool calls, a recommended temperature

A user file `~/.agent/profiles.json` of the same shape overrides it: a provider given there
updates the packaged one field by field, and its families are tried before the packaged ones.
A malformed user file stops the program with its path and the JSON error's line and column:
an override that is silently ignored is worse than none.

    load_profiles(profiles_file()).preset("ollama").base_url     'http://localhost:11434/v1'
    profile_for("qwen2.5-coder:7b").context_window         32768

Simplified: a model is matched by its name alone (lower case, an `org/` prefix dropped), so a
fine-tune under a new name gets the unknown profile; `agent doctor` measures what the server
really does and its card fills the gaps (agent/app/doctor.py).
Claude Code counterpart: none (it knows its few models by heart).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from agent.config.config import ConfigError
from agent.config.paths import user_file

TOOL_MODES = ("native", "auto", "text")


@dataclass(frozen=True)
class Preset:
    """What the harness knows about one kind of server."""

    name: str
    base_url: str
    quirks: tuple[str, ...] = ()
    context_fix: str = ""
    """What to do when the context is too small; `{n}` stands for the wanted length."""
    tools_fix: str = ""

    def fix_context(self, n: int) -> str:
        return self.context_fix.replace("{n}", str(n))


@dataclass(frozen=True)
class Profile:
    """What the harness knows about one model family."""

    family: str = "unknown"
    context_window: int | None = None
    tool_mode: str = "auto"
    quirks: tuple[str, ...] = ()
    temperature: float | None = None
    source: str = "no profile matched"


@dataclass(frozen=True)
class Profiles:
    """The packaged tables merged with the user's file."""

    providers: dict
    families: list

    def provider_names(self) -> list[str]:
        return sorted(self.providers)

    def preset(self, name: str) -> Preset:
        entry = self.providers.get(name.lower())
        if entry is None:
            known = ", ".join(self.provider_names())
            raise ConfigError(f"unknown provider {name!r}; known: {known} (any other server "
                              "works with --base-url)")
        return Preset(name.lower(), entry.get("base_url", ""), tuple(entry.get("quirks", ())),
                      entry.get("context_fix", ""), entry.get("tools_fix", ""))

    def profile_for(self, model: str) -> Profile:
        """The first family with a pattern matching the model name, or the unknown profile."""
        name = model.lower().rsplit("/", 1)[-1]
        for family in self.families:
            if any(fnmatch(name, pattern.lower()) for pattern in family["patterns"]):
                return Profile(family["name"], family.get("context_window"),
                               family.get("tool_mode", "auto"), tuple(family.get("quirks", ())),
                               family.get("temperature"), family.get("_source", "profiles.json"))
        return Profile()

    def guess_provider(self, base_url: str) -> str | None:
        """The provider whose preset has this base URL's host and port, if one does."""
        where = _host_port(base_url)
        for name, entry in sorted(self.providers.items()):
            if entry.get("base_url") and _host_port(entry["base_url"]) == where:
                return name
        return None


def profiles_file(home: Path | None = None) -> Path:
    """~/.agent/profiles.json, the user's own presets and profiles."""
    return user_file(Path.home() if home is None else home, "profiles.json")


def load_profiles(user: Path | None = None) -> Profiles:
    """The packaged profiles, overridden by the user's file when it exists (None: no user file)."""
    data = _packaged()
    providers = {name: dict(entry) for name, entry in data["providers"].items()}
    families = list(data["families"])
    if user is not None and user.is_file():
        mine = _read_user_file(user)
        for name, entry in mine.get("providers", {}).items():
            providers[name.lower()] = {**providers.get(name.lower(), {}), **entry}
        mine_first = [{**f, "_source": f.get("_source", str(user))} for f in mine.get("families", [])]
        families = mine_first + families
    return Profiles(providers, families)


def profile_for(model: str, home: Path | None = None) -> Profile:
    """The profile of `model`, with the user's file in `home` (default: the user's home)."""
    return load_profiles(profiles_file(home)).profile_for(model)


@cache
def _packaged() -> dict:
    text = resources.files("agent.config").joinpath("profiles.json").read_text(encoding="utf-8")
    return json.loads(text)


def _read_user_file(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path} is not valid JSON: {err.msg} at line {err.lineno}, column "
                          f"{err.colno}. Fix it or move it away.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read {path}: {err}") from None
    problem = _shape_problem(data)
    if problem:
        raise ConfigError(f"{path}: {problem} (see the packaged agent/config/profiles.json for "
                          "the shape)")
    return data


def _shape_problem(data: object) -> str | None:
    """What is wrong with the shape of a profiles file, or None."""
    if not isinstance(data, dict):
        return "the top level must be an object with \"providers\" and/or \"families\""
    if not isinstance(data.get("providers", {}), dict) or not all(
            isinstance(e, dict) for e in data.get("providers", {}).values()):
        return "\"providers\" must map names to objects"
    families = data.get("families", [])
    if not isinstance(families, list):
        return "\"families\" must be a list"
    for i, f in enumerate(families):
        if not (isinstance(f, dict) and isinstance(f.get("name"), str)
                and isinstance(f.get("patterns"), list)):
            return f"families[{i}] needs a \"name\" and a list of \"patterns\""
        if f.get("tool_mode", "auto") not in TOOL_MODES:
            return f"families[{i}].tool_mode must be one of {', '.join(TOOL_MODES)}"
        n = f.get("context_window")
        if n is not None and not (isinstance(n, int) and n > 0):
            return f"families[{i}].context_window must be a positive whole number or null"
    return None


def _host_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    host = (parts.hostname or "").replace("127.0.0.1", "localhost")
    return host, parts.port or {"http": 80, "https": 443}.get(parts.scheme)
