"""The `hooks` objects of the settings files, read into Hook records.

    "hooks": {"PostToolUse": [{"matcher": "Edit|Write",
                               "hooks": [{"type": "command", "command": "ruff format", "timeout": 30}]}]}

Each file's object is kept raw by agent/config/settings.py (only the files in force: a
project's own hooks need trust) and read here, so a wrong event name, a missing command or a
bad timeout stops the start with the file and the place, as a broken rule does.
Claude Code counterpart: the `hooks` settings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from agent.hooks.runner import Hook, check_event


def parse_hooks(configs: Iterable[tuple[dict, str]]) -> list[Hook]:
    """The hooks of settings files' `hooks` objects; ValueError names the file and the place."""
    hooks = []
    for config, source in configs:
        _expect(isinstance(config, dict), f"{source}: hooks", "an object", config)
        for event, groups in config.items():
            where = f"{source}: hooks.{event}"
            check_event(event, where)
            _expect(isinstance(groups, list), where, "a list of matcher groups", groups)
            for i, group in enumerate(groups):
                at = f"{where}[{i}]"
                _expect(isinstance(group, dict) and isinstance(group.get("hooks"), list), at,
                        '{"matcher": "...", "hooks": [...]}', group)
                matcher = group.get("matcher", "")
                _expect(isinstance(matcher, str), f"{at}.matcher", "a string", matcher)
                hooks += [_parse_entry(entry, event, matcher, source, f"{at}.hooks[{j}]")
                          for j, entry in enumerate(group["hooks"])]
    return hooks


def _parse_entry(entry: object, event: str, matcher: str, source: str, at: str) -> Hook:
    _expect(isinstance(entry, dict), at, '{"type": "command", "command": "..."}', entry)
    kind, command, timeout = entry.get("type"), entry.get("command"), entry.get("timeout", 60)
    if kind == "prompt":
        raise ValueError(f'{at}: "prompt" hooks are not supported; use "type": "command"')
    _expect(kind == "command", f"{at}.type", '"command"', kind)
    _expect(isinstance(command, str) and command.strip() != "", f"{at}.command",
            "a non-empty string", command)
    _expect(type(timeout) in (int, float) and timeout > 0, f"{at}.timeout",
            "a positive number of seconds", timeout)
    return Hook(event, matcher, command=command, timeout=float(timeout), source=source)


def _expect(ok: bool, at: str, what: str, value: object) -> None:
    if not ok:
        raise ValueError(f"{at}: must be {what}, got {json.dumps(value, default=repr)[:60]}")
