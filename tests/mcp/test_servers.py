"""Where MCP servers are declared, what their entries may say, and which may start: a
project's only when trusted and approved as written."""

import json
from pathlib import Path

import pytest

from agent.config.settings import load_settings
from agent.mcp.servers import McpConfigError, approval, approve, declared, parse
from agent.mcp.tools import tool_name


@pytest.fixture
def places(tmp_path):
    project, home = tmp_path / "project", tmp_path / "home"
    (project / ".git").mkdir(parents=True)
    (home / ".agent").mkdir(parents=True)
    return project, home


def mcp_json(path: Path, servers: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"mcpServers": servers}))
    return path


def settings_for(project: Path, home: Path, trusted: bool):
    return load_settings(project, home, [], [], trust=lambda p, lines: trusted)


@pytest.mark.parametrize("entry, expected", [
    ({"command": "npx", "args": ["-y", "srv"]}, ("stdio", "npx -y srv")),
    ({"type": "stdio", "command": "python", "args": []}, ("stdio", "python")),
    ({"type": "http", "url": "http://127.0.0.1:9/mcp"}, ("http", "http http://127.0.0.1:9/mcp")),
    ({"url": "https://mcp.example.com/mcp", "headers": {"X": "y"}}, ("http", "http https://mcp.example.com/mcp")),
    ({"type": "streamable-http", "url": "https://x.test/mcp"}, ("http", "http https://x.test/mcp")),
])
def test_entries_in_claude_codes_shapes(entry, expected):
    spec = parse("srv", entry, "f.json", "user", {})
    assert (spec.kind, spec.describe()) == expected


@pytest.mark.parametrize("entry, problem", [
    ({"args": ["x"]}, 'needs a "command"'),
    ({"command": ""}, 'needs a "command"'),
    ({"command": "x", "args": "not a list"}, '"args" is a list of strings'),
    ({"command": "x", "env": {"A": 1}}, '"env" is an object of strings'),
    ({"type": "http", "url": "ftp://x"}, 'needs a "url"'),
    ({"type": "sse", "url": "http://x"}, "sse is not built"),
    ({"url": "http://x", "headers": ["a"]}, '"headers" is an object of strings'),
    ("npx server", "an entry is an object"),
])
def test_a_wrong_entry_says_what_is_wrong(entry, problem):
    with pytest.raises(McpConfigError, match=problem.replace("(", r"\(")):
        parse("srv", entry, "f.json", "user", {})


def test_a_bad_name_is_refused():
    with pytest.raises(McpConfigError, match="letters, digits"):
        parse("my server!", {"command": "x"}, "f.json", "user", {})


def test_variables_expand_with_defaults_and_an_unset_one_is_named():
    env = {"TOKEN": "t0k", "HOST": "h.test"}
    spec = parse("s", {"command": "${BIN:-node}", "args": ["--host=${HOST}"],
                       "env": {"API_TOKEN": "${TOKEN}"}}, "f.json", "user", env)
    assert (spec.command, spec.args, spec.env) == ("node", ("--host=h.test",), {"API_TOKEN": "t0k"})
    spec = parse("s", {"url": "https://${HOST}/mcp", "headers": {"Authorization": "Bearer ${TOKEN}"}},
                 "f.json", "user", env)
    assert spec.url == "https://h.test/mcp" and spec.headers["Authorization"] == "Bearer t0k"
    with pytest.raises(McpConfigError, match=r"\$\{MISSING\} is not set"):
        parse("s", {"command": "x", "args": ["${MISSING}"]}, "f.json", "user", env)


def test_a_projects_servers_only_when_trusted_and_the_flag_first(places, tmp_path):
    project, home = places
    mcp_json(project / ".mcp.json", {"proj": {"command": "p"}, "both": {"command": "from-project"}})
    (home / ".agent" / "settings.json").write_text(json.dumps(
        {"mcpServers": {"mine": {"command": "m"}, "both": {"command": "from-user"}}}))
    flag = mcp_json(tmp_path / "flag.json", {"both": {"command": "from-flag"}})
    asked = []  # first untrusted (the answer is kept), then trusted
    untrusted = load_settings(project, home, [], [], trust=lambda p, lines: asked.extend(lines) or False)
    specs, problems = declared(project, home, untrusted, None, {}, {})
    assert [s.name for s in specs] == ["mine", "both"]
    assert any("not trusted" in p for p in problems)
    assert any("MCP servers proj, both in" in line for line in asked)  # part of the question
    trusted = load_settings(project, home, [], [], trust_project=True)
    specs, problems = declared(project, home, trusted, flag, {}, {})
    by_name = {s.name: s for s in specs}
    assert {n: (s.scope, s.command) for n, s in by_name.items()} == {
        "both": ("flag", "from-flag"), "proj": ("project", "p"), "mine": ("user", "m")}
    assert sum("hidden by" in p for p in problems) == 2


def test_a_projects_entry_cannot_pull_the_harness_secrets(places):
    project, home = places
    mcp_json(project / ".mcp.json", {"leak": {"command": "x", "env": {"K": "${OPENAI_API_KEY}"}}})
    environ, scrubbed = {"OPENAI_API_KEY": "sk-secret", "HOME": "/h"}, {"HOME": "/h"}
    specs, problems = declared(project, home, settings_for(project, home, True), None,
                               environ, scrubbed)
    assert specs == [] and "${OPENAI_API_KEY} is not set" in problems[0]
    (home / ".agent" / "settings.json").write_text(json.dumps(
        {"mcpServers": {"mine": {"command": "x", "env": {"K": "${OPENAI_API_KEY}"}}}}))
    specs, _ = declared(project, home, settings_for(project, home, True), None, environ, scrubbed)
    assert specs[0].env == {"K": "sk-secret"}  # the user's own entry: the user's choice


def test_approval_is_for_the_entry_as_written(places):
    project, home = places
    mcp_json(project / ".mcp.json", {"srv": {"command": "python", "args": ["server.py"]}})
    settings = settings_for(project, home, True)
    spec = declared(project, home, settings, None, {}, {})[0][0]
    assert approval(home, project, spec) is None
    approve(home, project, spec, True)
    assert approval(home, project, spec) is True
    mcp_json(project / ".mcp.json", {"srv": {"command": "python", "args": ["evil.py"]}})
    edited = declared(project, home, settings, None, {}, {})[0][0]
    assert approval(home, project, edited) is None  # an edit asks again
    approve(home, project, edited, False)
    assert approval(home, project, edited) is False
    (home / ".agent" / "settings.json").write_text(json.dumps({"mcpServers": {"u": {"command": "x"}}}))
    settings = settings_for(project, home, True)
    user = [s for s in declared(project, home, settings, None, {}, {})[0] if s.name == "u"][0]
    assert approval(home, project, user) is True  # the user's own need no approval


def test_a_broken_file_is_one_line(places, tmp_path):
    project, home = places
    (project / ".mcp.json").write_text("{not json")
    specs, problems = declared(project, home, settings_for(project, home, True), None, {}, {})
    assert specs == [] and "is not valid JSON" in problems[0]
    flag = tmp_path / "flag.json"
    flag.write_text('{"mcpServers": []}')
    with pytest.raises(McpConfigError, match="must be an object"):
        declared(project, home, settings_for(project, home, True), flag, {}, {})


@pytest.mark.parametrize("server, tool, expected", [
    ("github", "create_issue", "mcp__github__create_issue"),
    ("my.server", "do thing", "mcp__my_server__do_thing"),
    ("s", "x" * 80, "mcp__s__" + "x" * 56),
])
def test_tool_names_are_what_the_api_takes(server, tool, expected):
    assert tool_name(server, tool) == expected


def test_two_tools_that_come_out_with_one_name_keep_the_first_and_say_so():
    from agent.mcp.client import McpTool
    from agent.mcp.tools import Connection, McpServers
    servers = McpServers([])
    for name, tools in (("a", ["b.c", "b_c"]), ("a_", ["_b_c"])):
        spec = parse(name, {"command": "x"}, "f.json", "user", {})
        servers.connections[name] = Connection(spec, status="connected",
                                               offered=[McpTool(t, "", {}) for t in tools])
    offered = servers.tools(taken={tool_name("a_", "_b_c")})  # a built-in, say
    assert [t.name for t in offered] == ["mcp__a__b_c"]
    assert len(servers.problems) == 2 and all("is taken" in p for p in servers.problems)


def test_answers_given_at_once_by_several_processes_all_count(places):
    import threading
    project, home = places
    mcp_json(project / ".mcp.json", {f"s{i}": {"command": "true"} for i in range(16)})
    specs = declared(project, home, settings_for(project, home, True), None, {}, {})[0]
    threads = [threading.Thread(target=approve, args=(home, project, s, True)) for s in specs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(approval(home, project, s) is True for s in specs)
