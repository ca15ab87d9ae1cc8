"""What the starter tests share: find the plugin under test, and run it in a real session.

    PLUGIN = solved(__file__)        the student's exercises/<name>/plugin.py, loaded the
                                     way `agent --plugin` loads it; no file (or no register):
                                     every test of the module skips, "not solved yet: ..."
    session, model = start(workspace, [call("Read", file_path="a.txt"), "Done."], PLUGIN)
    session.run("read a.txt")        a turn of the real loop, tools, rules and hooks

With EXERCISES_SOLUTIONS=1 the reference solution exercises/solutions/<name>.py is loaded
instead (tests/test_exercises.py runs them so, to keep the exercises from rotting).
The session is the one `agent -p --no-sandbox` builds (`build_session`). Print mode: a call
that needs a question is refused. No OS sandbox: where one works it allows commands on its
own, and here the rules and the hooks alone decide. The package's ScriptedModel sits at the
bottom of the model stack, under the meter, the model layers and the tool-call repair, so
everything a plugin adds runs for real.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from agent.config.config import load_config
from agent.model.scripted import ScriptedModel
from agent.session.compose import build_session, load_permissions
from agent.session.plugins import Plugin, PluginError, load

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOLUTIONS = "EXERCISES_SOLUTIONS"


def solved(test_file: str) -> Plugin:
    """The plugin the tests of this exercise check; skips the whole module when the
    student has not written it yet."""
    folder = Path(test_file).resolve().parent
    if os.environ.get(SOLUTIONS) == "1":
        return load(str(HERE / "solutions" / f"{folder.name}.py"), HERE)
    path = folder / "plugin.py"
    wanted = f"not solved yet: write exercises/{folder.name}/plugin.py"
    if not path.is_file():
        pytest.skip(wanted, allow_module_level=True)
    try:
        return load(str(path), HERE)  # a broken file fails here, with the loader's own message
    except PluginError as err:
        if "has no register(session)" not in str(err):
            raise
        pytest.skip(f"{wanted} (it has no register(session) yet)", allow_module_level=True)


class Recorded:
    """The package's ScriptedModel, also keeping the names of the tools each request offered."""

    def __init__(self, steps: list):
        self.scripted = ScriptedModel(steps)
        self.name = self.scripted.name
        self.tools: list[list[str]] = []

    @property
    def requests(self) -> list[list[dict]]:
        """The messages of each request, as the model got them."""
        return self.scripted.requests

    def complete(self, messages: list[dict], tools: list[dict], emit):
        self.tools.append([t["function"]["name"] for t in tools])
        return self.scripted.complete(messages, tools, emit)


def start(cwd: Path, steps: list, *plugins: Plugin, deny: tuple[str, ...] = (),
          events: list | None = None, **flags: object):
    """A session in `cwd` as `agent -p --plugin ...` builds it, with `flags` as given on the
    command line (compaction="keep_last", permission_mode="bypassPermissions", ...) and `deny`
    as --disallowedTools rules; the scripted model plays `steps`. (session, the model).
    Set HOME first (the `home` fixture): the session's files go under ~/.agent."""
    config = load_config({"model": "scripted", "sandbox": False, **flags},
                         {"HOME": str(Path.home())}, cwd)
    session = build_session(config, events.append if events is not None else lambda e: None,
                            None, permissions=load_permissions(config, [], list(deny)),
                            plugins=list(plugins))
    model = Recorded(steps)
    plug(session, model)
    return session, model


def plug(session, model) -> None:
    """Put `model` where the client was, at the bottom of the stack: the layers above it
    (the meter, the model layers, the tool-call repair) stay in place."""
    layer = session.meter
    while vars(layer).get("inner") is not session.client:
        if "inner" not in vars(layer):  # vars: a Wrapper hands unknown attributes to its inner
            raise AssertionError(f"{type(layer).__name__} keeps the model it wraps somewhere "
                                 "else than `self.inner` (agent.Wrapper's name for it)")
        layer = vars(layer)["inner"]
    layer.inner = model


def results(messages: list[dict]) -> list[str]:
    """The tool results of a history, in order."""
    return [m["content"] for m in messages if m["role"] == "tool"]


def assert_paired(messages: list[dict]) -> None:
    """The project's own protocol check (tests/invariants.py): every call has its one result."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from invariants import assert_paired as check
    finally:
        sys.path.remove(str(ROOT / "tests"))
    check(messages)
