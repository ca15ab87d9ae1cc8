"""Plugins: a Python file or module with `register(session)`, loaded at the start.

    # word_count.py, anywhere on disk
    from agent import Tool

    def count(args, ctx):
        return str(len(ctx.resolve(args["file_path"]).read_text().split()))

    def register(session):
        session.add_tool(Tool(name="WordCount", description="Count the words of a file.",
                              parameters={"type": "object", "required": ["file_path"],
                                          "properties": {"file_path": {"type": "string"}}},
                              run=count, read_only=True))

    agent --plugin ./word_count.py              a file (a path, or a name ending in .py)
    agent --plugin my_company.agent_tools       a module, as `import` finds it (pip install)
    "plugins": ["tools/word_count.py"]          in a settings file: relative to the project
                                                (project files, trusted projects only) or to
                                                the home (~/.agent/settings.json)

`register` gets the Session (agent/session/session.py) and may call its `add_tool`,
`add_hook`, `add_strategy`, `add_model_layer`, `add_agent_type`, `add_mode` and
`add_command` (a slash command), and read any part. It runs after the session is built
and before the first prompt; a compaction strategy, a model layer or a permission mode it
registers is then selected by name (--compaction, --model-layers, --permission-mode, or the
settings).
`Registry` has the same methods for code that builds no session (the benchmarks).
A plugin that cannot be found, does not import, has no `register`, or raises in it stops the
start with its name and the reason: a half-loaded plugin would be a silent failure.
Not covered: unloading; a plugin's own dependencies (it imports what it needs).
Claude Code counterpart: plugins (there, bundles of commands, agents and hooks).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from agent.config.config import ConfigError


class PluginError(ConfigError):
    """A plugin that cannot be used; the message names it and says why."""


@dataclass(frozen=True)
class Plugin:
    """A loaded plugin: what it was called, where it came from, and its module."""

    name: str
    source: str
    """"--plugin", or the settings file that lists it."""
    module: ModuleType

    def register(self, target) -> None:
        """Call the plugin's register(target); PluginError when it raises."""
        try:
            self.module.register(target)
        except Exception as err:
            raise PluginError(f"plugin {self.name} ({self.source}) failed in register(): "
                              f"{type(err).__name__}: {err}") from err


def load(spec: str, base: Path, source: str = "--plugin") -> Plugin:
    """A plugin from a file (`base` is where a relative path starts) or a module name."""
    is_file = spec.endswith(".py") or "/" in spec or spec.startswith(("~", "."))
    try:
        module = _from_file(_path(spec, base)) if is_file else importlib.import_module(spec)
    except FileNotFoundError:
        raise PluginError(f"plugin {spec} ({source}): no such file {_path(spec, base)}") from None
    except ModuleNotFoundError as err:
        if not is_file and err.name and spec.startswith(err.name):
            raise PluginError(f"plugin {spec} ({source}): no module named {err.name!r} "
                              "(a file? give its path, ending in .py)") from None
        raise PluginError(f"plugin {spec} ({source}) could not be imported: {err}") from err
    except Exception as err:  # SyntaxError, an error at its import: the plugin's own bug
        raise PluginError(f"plugin {spec} ({source}) could not be imported: "
                          f"{type(err).__name__}: {err}") from err
    if not callable(getattr(module, "register", None)):
        raise PluginError(f"plugin {spec} ({source}) has no register(session) function")
    return Plugin(spec, source, module)


def _path(spec: str, base: Path) -> Path:
    path = Path(spec).expanduser()
    return (path if path.is_absolute() else base / path).resolve()


def _from_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise FileNotFoundError(path)
    # a name of its own per file: two plugins both called tools.py do not collide
    name = f"agent_plugin_{path.stem}_{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before running it: dataclasses and pickling look it up
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_all(flags: tuple[str, ...], cwd: Path, settings=None) -> list[Plugin]:
    """The plugins of the settings files in force (agent.config.settings.Settings.plugins),
    then those of --plugin, each once."""
    wanted = [(spec, base, source) for spec, base, source in (settings.plugins if settings else ())]
    wanted += [(spec, cwd, "--plugin") for spec in flags]
    plugins, seen = [], set()
    for spec, base, source in wanted:
        key = str(_path(spec, base)) if spec.endswith(".py") or "/" in spec else spec
        if key not in seen:
            seen.add(key)
            plugins.append(load(spec, base, source))
    return plugins


@dataclass
class Registry:
    """What plugins register, kept, for code that builds no session: a benchmark loads a
    plugin's compaction strategy through this. The same add_* methods as a Session's."""

    tools: list = field(default_factory=list)
    hooks: list = field(default_factory=list)
    strategies: dict = field(default_factory=dict)
    model_layers: dict = field(default_factory=dict)
    agent_types: list = field(default_factory=list)
    modes: dict = field(default_factory=dict)
    commands: dict = field(default_factory=dict)

    def add_tool(self, tool) -> None:
        self.tools.append(tool)

    def add_hook(self, event: str, fn, matcher: str | None = None, timeout: float = 60.0) -> None:
        self.hooks.append((event, fn, matcher, timeout))

    def add_strategy(self, name: str, strategy) -> None:
        self.strategies[name] = strategy

    def add_model_layer(self, name: str, make) -> None:
        self.model_layers[name] = make

    def add_agent_type(self, kind) -> None:
        self.agent_types.append(kind)

    def add_command(self, name: str, run, description: str = "", argument_hint: str = "",
                    prompt: bool = False) -> None:
        from agent.session.session import plugin_command

        command = plugin_command(name, run, description, argument_hint, prompt, self.commands)
        self.commands[command.name] = command

    def add_mode(self, name: str, decide, description: str = "") -> None:
        from agent.permissions.plugin_modes import mode

        self.modes[name] = mode(name, decide, description, tuple(self.modes))
