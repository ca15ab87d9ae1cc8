"""Slash commands from plugins (session.add_command, agent/app/plugin_commands.py): typed in
the real REPL on a pseudo-terminal and given to the real print mode, against the HTTP server.
One shows text from the session's state, one sends a prompt, one raises, one is named like a
built-in; a command file of the same name as a plugin's is hidden by it, and says so."""

import json
import os
import subprocess
import sys

import pytest

from agent import Registry
from agent.app.custom_commands import command_line
from agent.app.slash import Console, dispatch
from terminal import Pty

PLUGIN = '''
from agent import Block


def calls(session, arguments):
    n = sum(len(m.get("tool_calls") or ()) for m in session.messages)
    return f"{len(session.messages)} messages, {n} tool calls; asked for {arguments!r}"


def ask(session, arguments):
    if not arguments:
        raise Block("usage: /ask TOPIC")
    return f"Tell me about {arguments}, in one line."


def boom(session, arguments):
    raise RuntimeError(f"kaboom {arguments}")


def register(session):
    session.add_command("calls", calls, "count the messages and calls so far", "[tool]")
    session.add_command("ask", ask, "ask about a topic", "TOPIC", prompt=True)
    session.add_command("boom", boom, "always fails")
    session.add_command("help", lambda session, arguments: "the plugin's help")
'''


@pytest.fixture
def plugin(tmp_path):
    path = tmp_path / "elsewhere" / "commands_plugin.py"
    path.parent.mkdir()
    path.write_text(PLUGIN)
    return path


@pytest.fixture
def calls_file(repo):
    """A project command file named as the plugin's /calls: the plugin's wins."""
    path = repo / ".agent" / "commands" / "calls.md"
    path.parent.mkdir(parents=True)
    path.write_text("The file's calls: $ARGUMENTS")
    return path


def environment(home, base_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return env | {"HOME": str(home), "OPENAI_BASE_URL": base_url, "TERM": "dumb"}


def agent(args: list[str], repo, home, base_url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent", *args], cwd=repo,
                          env=environment(home, base_url), capture_output=True, text=True,
                          timeout=60)


def build(repo, server, plugin_path):
    from agent.config.config import load_config
    from agent.session.compose import build_session, load_permissions
    from agent.session.plugins import load

    config = load_config({"base_url": server.base_url, "model": "m", "sandbox": False}, {}, repo)
    plugins = [load(str(plugin_path), repo)] if plugin_path else []
    return build_session(config, lambda event: None, None,
                         permissions=load_permissions(config, [], []), plugins=plugins)


def test_in_the_repl_commands_show_send_fail_and_are_shadowed_out_loud(
        repo, home, server, plugin, calls_file):
    server.reply("Trains run on rails.")
    with Pty([sys.executable, "-m", "agent", "--plugin", str(plugin)], repo,
             environment(home, server.base_url)) as child:
        child.expect("Note: the plugin command /help is hidden by the built-in /help "
                     "(/help lists the commands).")
        child.expect("> ")
        child.send("/help\r")
        out = child.expect("hidden by the plugin command /calls")  # the list's last line
        assert "Commands from plugins:" in out
        assert "/calls [tool] count the messages and calls so far (plugin)" in out
        assert "/ask TOPIC    ask about a topic (plugin, sends a prompt)" in out
        assert "! the plugin command /help is hidden by the built-in /help" in out
        assert f"! {calls_file}: hidden by the plugin command /calls" in out
        assert "the plugin's help" not in out
        child.send("/boom now\r")
        child.expect("/boom failed: RuntimeError: kaboom now")
        child.send("/ask\r")
        child.expect("usage: /ask TOPIC")
        child.send("/ask trains\r")
        child.expect("Trains run on rails.")
        child.send("/calls Read\r")  # the plugin's, not the file's: nothing is sent
        child.expect("3 messages, 0 tool calls; asked for 'Read'")
        child.send("/exit\r")
        assert child.close() == 0
    assert len(server.requests) == 1  # /ask alone reached the model
    sent = server.requests[0]["messages"]
    assert sent[-1]["content"].startswith("Tell me about trains, in one line.")
    assert not any("kaboom" in str(m) or "The file's calls" in str(m) for m in sent)


def test_print_mode_runs_them_in_every_output_format(repo, home, server, plugin, calls_file):
    def run(*args: str) -> subprocess.CompletedProcess:
        return agent(["--plugin", str(plugin), *args], repo, home, server.base_url)

    done = run("-p", "/calls Read")
    assert (done.returncode, done.stdout) == (0, "1 messages, 0 tool calls; asked for 'Read'\n"), \
        done.stderr
    document = json.loads(run("-p", "/calls", "--output-format", "json").stdout)
    assert document["result"] == "1 messages, 0 tool calls; asked for ''"
    assert (document["is_error"], document["num_turns"], document["subtype"]) == (False, 0, "success")
    lines = [json.loads(line) for line in
             run("-p", "/calls", "--output-format", "stream-json").stdout.splitlines()]
    assert [line["type"] for line in lines] == ["system", "result"]
    assert {"calls", "ask", "boom", "help"} <= set(lines[0]["slash_commands"])
    assert server.requests == []  # nothing so far was sent to the model
    server.reply("Trains run on rails.")
    done = run("-p", "/ask trains", "--output-format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["result"] == "Trains run on rails."
    assert server.requests[-1]["messages"][-1]["content"].startswith("Tell me about trains, in")
    done = run("-p", "/boom now")
    assert (done.returncode, done.stdout) == (1, ""), done.stderr
    assert done.stderr == "agent: error: /boom failed: RuntimeError: kaboom now\n"
    failed = json.loads(run("-p", "/ask", "--output-format", "json").stdout)
    assert failed["is_error"] and failed["result"] == "usage: /ask TOPIC"
    done = run("-p", "/help")  # the built-in wins, and built-ins do not run in print mode
    assert done.returncode == 2 and "/help is a REPL command" in done.stderr
    done = run("-p", "/nope")
    assert done.returncode == 2, done.stderr
    assert done.stderr.rstrip().endswith("(.agent/commands/*.md: none found; from plugins: "
                                         "/calls, /ask, /boom)")  # /calls.md is hidden
    assert len(server.requests) == 1


@pytest.mark.parametrize("name, why", [
    ("", "command name '' is empty"),
    ("/calls", "command name '/calls' starts with a slash: give the name alone"),
    ("two words", "command name 'two words' is not a letter then letters, digits"),
    ("9lives", "command name '9lives' is not a letter"),
    (None, "command name None is empty"),
    (7, "command name 7 is not a letter"),
])
def test_a_bad_name_stops_the_start_naming_it(home, repo, tmp_path, name, why):
    path = tmp_path / "bad.py"
    path.write_text(f"def register(session):\n    session.add_command({name!r}, print)\n")
    done = agent(["-p", "hi", "--plugin", str(path)], repo, home, "http://127.0.0.1:9/v1")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"plugin {path}" in done.stderr and f"ValueError: {why}" in done.stderr, done.stderr


def test_names_taken_and_names_accepted(repo, home, server):
    session = build(repo, server, None)
    for name in ("calls", "my-plugin:calls", "a.b_c", "x"):
        session.add_command(name, lambda session, arguments: name)
        assert command_line(f"/{name} the rest") == (f"/{name}", "the rest")  # as typed
    with pytest.raises(ValueError, match="there is a plugin command named /calls already"):
        session.add_command("calls", lambda session, arguments: "again")
    with pytest.raises(ValueError, match="run must be a function"):
        session.add_command("nothing", "not callable")
    assert list(session.commands) == ["/calls", "/my-plugin:calls", "/a.b_c", "/x"]


def test_the_registry_checks_a_command_as_the_session_does():
    """A benchmark or a grader loads plugins into a Registry: the same names fail there."""
    registry = Registry()
    registry.add_command("calls", lambda session, arguments: "")
    assert list(registry.commands) == ["/calls"] and registry.commands["/calls"].name == "/calls"
    for name, run in (("/calls", print), ("calls", print), ("x", "not callable")):
        with pytest.raises(ValueError):
            registry.add_command(name, run)


def test_what_a_command_returns_decides_what_is_shown(repo, home, server, tmp_path):
    path = tmp_path / "returns.py"
    path.write_text(
        "def register(session):\n"
        "    session.add_command('quiet', lambda s, a: None)\n"
        "    session.add_command('number', lambda s, a: 42)\n"
        "    session.add_command('empty', lambda s, a: '  ', prompt=True)\n")
    console = Console(build(repo, server, path), repo, home)
    assert dispatch(console, "/quiet", "").text == ""
    assert dispatch(console, "/number", "").text == "/number returned a int, not a str or None"
    empty = dispatch(console, "/empty", "")
    assert (empty.text, empty.turn) == ("/empty sent nothing to the model.", None)
    assert server.requests == [] and console.session.messages[1:] == []
