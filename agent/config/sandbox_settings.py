"""The `sandbox` object of the settings files, checked and merged (Claude Code's keys).

    "sandbox": {
      "enabled": true,                          on where bubblewrap works (the default here)
      "autoAllowBashIfSandboxed": true,         a sandboxed command needs no question
      "excludedCommands": ["docker *"],         run outside the sandbox, judged by the rules
      "failIfUnavailable": false,               refuse to start without a sandbox
      "network": {"allowedDomains": ["*"]},     the network for sandboxed commands (all or none)
      "filesystem": {"allowWrite": ["~/.cache/pip"], "denyWrite": [...], "denyRead": ["~/.ssh"]}
    }

Paths: `//x` absolute, `~/x` under the home, anything else relative to the settings file's
project (the home for the user's files). Scalars come from the highest file that sets them,
lists are joined. What makes the sandbox stricter counts from any file; what loosens it
(enabled false, autoAllow true, excludedCommands, network, allowWrite) from a project's own
files only once the project is trusted, as allow rules do. Keys of Claude Code's that are not
built here (allowUnsandboxedCommands, proxies, unix sockets) are accepted and ignored;
a misspelt key or a wrong type stops the start, and so does a domain list other than ["*"].
Claude Code counterpart: the `sandbox` settings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

KEYS = ("enabled", "autoAllowBashIfSandboxed", "excludedCommands", "failIfUnavailable",
        "network", "filesystem", "allowUnsandboxedCommands", "enableWeakerNestedSandbox",
        "ignoreViolations")
NETWORK_KEYS = ("allowedDomains", "allowLocalBinding", "allowUnixSockets", "allowAllUnixSockets",
                "httpProxyPort", "socksProxyPort", "allowManagedDomainsOnly", "deniedDomains")
FILESYSTEM_KEYS = ("allowWrite", "denyWrite", "denyRead", "allowRead")
BOOLEANS = ("enabled", "autoAllowBashIfSandboxed", "failIfUnavailable", "allowUnsandboxedCommands",
            "enableWeakerNestedSandbox")


@dataclass(frozen=True)
class SandboxSettings:
    """The `sandbox` settings, merged (agent/permissions/sandbox.py uses them)."""

    enabled: bool | None = None
    """None: on where bubblewrap works."""
    auto_allow: bool = True
    """autoAllowBashIfSandboxed: a sandboxed command needs no question."""
    excluded: tuple[str, ...] = ()
    """excludedCommands: Bash rule patterns that run outside the sandbox."""
    network: bool = False
    """network.allowedDomains is ["*"]."""
    allow_write: tuple[Path, ...] = ()
    deny_write: tuple[Path, ...] = ()
    deny_read: tuple[Path, ...] = ()
    fail_if_unavailable: bool = False


def check(value: object, where: str) -> list[str]:
    """The problems of one file's `sandbox` object (empty: usable)."""
    if not isinstance(value, dict):
        return [f"{where} must be an object, got {json.dumps(value)[:60]}"]
    problems = []
    for key, item in value.items():
        at = f"{where}.{key}"
        if key not in KEYS:
            near = get_close_matches(key, KEYS, n=1)
            problems.append(f"{at} is not a setting; " + (f"did you mean {near[0]}?" if near
                                                           else f"known: {', '.join(KEYS)}"))
        elif key in BOOLEANS and not isinstance(item, bool):
            problems.append(f"{at} must be true or false, got {json.dumps(item)[:60]}")
        elif key == "excludedCommands" and not _strings(item):
            problems.append(f"{at} must be a list of strings")
        elif key in ("network", "filesystem"):
            known = NETWORK_KEYS if key == "network" else FILESYSTEM_KEYS
            if not isinstance(item, dict):
                problems.append(f"{at} must be an object")
                continue
            for sub, subitem in item.items():
                if sub not in known:
                    near = get_close_matches(sub, known, n=1)
                    problems.append(f"{at}.{sub} is not a setting"
                                    + (f"; did you mean {near[0]}?" if near else ""))
                elif sub in FILESYSTEM_KEYS + ("allowedDomains",) and not _strings(subitem):
                    problems.append(f"{at}.{sub} must be a list of strings")
            domains = item.get("allowedDomains") if key == "network" else None
            if _strings(domains) and domains not in ([], ["*"]):
                problems.append(f'{at}.allowedDomains: per-domain rules are not built here; '
                                f'use ["*"] for the whole network, or leave it out for none')
    return problems


def loosening(value: dict) -> list[str]:
    """What a project's `sandbox` object would loosen, one line each (it needs trust)."""
    lines = ["sandbox.enabled false"] if value.get("enabled") is False else []
    lines += ["sandbox.autoAllowBashIfSandboxed"] if value.get("autoAllowBashIfSandboxed") else []
    lines += [f"sandbox.excludedCommands {c}" for c in value.get("excludedCommands", [])]
    lines += ["sandbox.network"] if (value.get("network") or {}).get("allowedDomains") else []
    lines += [f"sandbox.filesystem.allowWrite {p}"
              for p in (value.get("filesystem") or {}).get("allowWrite", [])]
    return lines


def merge(layers: list[tuple[dict, Path, Path, bool]]) -> SandboxSettings:
    """The files' objects, lowest precedence first, as (object, base, home, in_force)."""
    enabled, auto, fail, network = None, True, False, False
    excluded, allow_write, deny_write, deny_read = [], [], [], []
    for value, base, home, in_force in layers:
        fs = value.get("filesystem") or {}
        if value.get("enabled") is True or value.get("enabled") is False and in_force:
            enabled = value["enabled"]
        if value.get("autoAllowBashIfSandboxed") is False or \
                value.get("autoAllowBashIfSandboxed") is True and in_force:
            auto = value["autoAllowBashIfSandboxed"]
        fail = fail or value.get("failIfUnavailable") is True
        deny_write += [_path(p, base, home) for p in fs.get("denyWrite", [])]
        deny_read += [_path(p, base, home) for p in fs.get("denyRead", [])]
        if in_force:
            excluded += value.get("excludedCommands", [])
            allow_write += [_path(p, base, home) for p in fs.get("allowWrite", [])]
            network = network or (value.get("network") or {}).get("allowedDomains") == ["*"]
    return SandboxSettings(enabled, auto, tuple(excluded), network, tuple(allow_write),
                           tuple(deny_write), tuple(deny_read), fail)


def _path(text: str, base: Path, home: Path) -> Path:
    if text.startswith("//"):
        return Path(text[1:]).resolve()
    if text == "~" or text.startswith("~/"):
        return (home / text[2:]).resolve()
    return (base / text.lstrip("/")).resolve()


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)
