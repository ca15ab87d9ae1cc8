"""Starter tests of exercise 03: a PreToolUse hook that blocks `rm -rf`, however it is written.

The sessions run in bypassPermissions mode, where the rules allow every command: what stops
these commands is the plugin's hook, and nothing else."""

import pytest

from agent.model.scripted import call
from kit import results, solved, start

PLUGIN = solved(__file__)


@pytest.fixture
def build(workspace):
    (workspace / "build").mkdir()
    (workspace / "build" / "a.txt").write_text("a\n")
    (workspace / "build" / "b.txt").write_text("b\n")
    return workspace / "build"


@pytest.mark.parametrize("command", [
    "rm -rf build",
    "rm -fr build",
    "rm -r -f build",
    "rm --recursive --force build",
    "cd . && rm -Rf build",
    "timeout 5 /bin/rm -rf build",
    "bash -c 'rm -rf build'",
])
def test_rm_rf_is_blocked_however_it_is_written(workspace, build, command):
    session, _ = start(workspace, [call("Bash", command=command), "Blocked."], PLUGIN,
                       permission_mode="bypassPermissions")
    end = session.run("clean the build")
    assert end.stop_reason == "end_turn"  # the model is told, and the turn goes on
    (refusal,) = results(session.messages)
    assert refusal.startswith("Blocked by a PreToolUse hook:")
    assert "rm -rf" in refusal  # the reason names what is not allowed
    assert (build / "a.txt").exists()


@pytest.mark.parametrize("command, gone", [
    ("rm build/a.txt", "a.txt"),
    ("rm -f build/b.txt", "b.txt"),
])
def test_other_removals_run(workspace, build, command, gone):
    session, _ = start(workspace, [call("Bash", command=command), "Done."], PLUGIN,
                       permission_mode="bypassPermissions")
    session.run("remove a file")
    assert not results(session.messages)[0].startswith("Blocked")
    assert not (build / gone).exists() and build.exists()


def test_a_command_that_only_mentions_rm_rf_runs(workspace, build):
    session, _ = start(workspace, [call("Bash", command="echo 'never run rm -rf build'"),
                                   call("Grep", pattern="rm -rf"), "Done."], PLUGIN,
                       permission_mode="bypassPermissions")
    session.run("talk about it")
    echoed, grepped = results(session.messages)
    assert echoed.strip() == "never run rm -rf build"
    assert not grepped.startswith("Blocked")  # only Bash is judged
