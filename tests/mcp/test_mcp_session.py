"""MCP servers in a session, through `agent -p` against the fake OpenAI server: consent
first, then their tools as mcp__server__tool under the rules and hooks, a crash that never
ends the session, and `agent mcp` to manage them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mcp", reason="the official MCP SDK (a dev dependency) runs the example server")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "mcp_server.py")
MISBEHAVING = str(Path(__file__).parent / "servers" / "misbehaving_server.py")


def run(cwd: Path, home: Path, *argv: str, stdin: str | None = None):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return subprocess.run([sys.executable, "-m", "agent", *argv], cwd=cwd, input=stdin,
                          env={**base, "HOME": str(home)}, capture_output=True, text=True,
                          timeout=120)


def agent_p(cwd, home, server, *flags, prompt="go"):
    done = run(cwd, home, "-p", prompt, "--base-url", server.base_url, "--output-format", "json",
               *flags)
    result = json.loads(done.stdout.splitlines()[-1]) if done.stdout.strip() else None
    return done, result


@pytest.fixture
def project(tmp_path):
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "notes.txt").write_text("one two three\n")
    return project


def declare(project: Path, servers: dict) -> None:
    (project / ".mcp.json").write_text(json.dumps({"mcpServers": servers}))


def trust(project: Path, home: Path) -> None:
    (home / ".agent").mkdir(parents=True, exist_ok=True)
    (home / ".agent" / "trusted.json").write_text(json.dumps({"projects": {str(project.resolve()): True}}))


EXAMPLE_ENTRY = {"command": sys.executable, "args": [EXAMPLE]}


def names(request: dict) -> list[str]:
    return [t["function"]["name"] for t in request.get("tools", [])]


def test_a_projects_server_waits_for_approval_then_its_tools_follow_the_rules(project, home, server):
    declare(project, {"example": EXAMPLE_ENTRY})
    trust(project, home)
    server.reply("no tools yet")
    done, _ = agent_p(project, home, server)
    assert done.returncode == 0, done.stderr
    assert not any(n.startswith("mcp__") for n in names(server.requests[0]))
    assert "MCP server 'example'" in done.stderr and "agent mcp approve example" in done.stderr
    approved = run(project, home, "mcp", "approve", "example")
    assert approved.returncode == 0, approved.stderr
    call = ("mcp__example__word_count", {"path": "notes.txt"})
    server.reply(tool_calls=[call])  # no rule: print mode cannot ask, so it is refused
    server.reply("refused")
    server.reply(tool_calls=[call])  # allowed by a rule naming the server
    server.reply("Three words.")
    done, result = agent_p(project, home, server)
    assert names(server.requests[1])[-2:] == ["mcp__example__word_count", "mcp__example__utc_now"]
    assert [d["tool_name"] for d in result["permission_denials"]] == ["mcp__example__word_count"]
    done, result = agent_p(project, home, server, "--allowedTools", "mcp__example")
    assert done.returncode == 0, done.stderr
    answer = [m for m in server.requests[-1]["messages"] if m["role"] == "tool"][-1]["content"]
    assert answer == "1 lines, 3 words, 14 characters" and result["permission_denials"] == []
    edited = {"example": {**EXAMPLE_ENTRY, "args": [EXAMPLE, "--changed"]}}
    declare(project, edited)  # an edit to the entry asks again
    server.reply("again")
    done, _ = agent_p(project, home, server)
    assert "not approved yet" in done.stderr and not any(
        n.startswith("mcp__") for n in names(server.requests[-1]))


def test_an_untrusted_projects_server_never_starts(project, home, server, tmp_path):
    marker = tmp_path / "started"
    declare(project, {"evil": {"command": sys.executable,
                               "args": ["-c", f"open({str(marker)!r}, 'w')"]}})
    server.reply("hi")
    done, _ = agent_p(project, home, server)
    assert done.returncode == 0 and not marker.exists()
    assert not any(n.startswith("mcp__") for n in names(server.requests[0]))


def test_a_user_server_hooks_and_a_deny_rule(project, home, server, tmp_path):
    log = tmp_path / "hook.log"
    (home / ".agent").mkdir(parents=True)
    (home / ".agent" / "settings.json").write_text(json.dumps({
        "mcpServers": {"example": EXAMPLE_ENTRY},
        "permissions": {"allow": ["mcp__example"], "deny": ["mcp__example__utc_now"]},
        "hooks": {"PreToolUse": [{"matcher": "mcp__example__.*", "hooks": [
            {"type": "command", "command": f"cat >> {log}; echo >> {log}"}]}]}}))
    server.reply(tool_calls=[("mcp__example__word_count", {"path": "notes.txt"}),
                             ("mcp__example__utc_now", {})])
    server.reply("done")
    done, result = agent_p(project, home, server)
    assert done.returncode == 0, done.stderr
    results = [m["content"] for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert results[0] == "1 lines, 3 words, 14 characters"
    assert "mcp__example__utc_now" in results[1] and "deny rule" in results[1]
    seen = [json.loads(line)["tool_name"] for line in log.read_text().splitlines() if line.strip()]
    assert seen == ["mcp__example__word_count", "mcp__example__utc_now"]


def test_a_server_that_crashes_mid_call_never_ends_the_session(project, home, server):
    (home / ".agent").mkdir(parents=True)
    (home / ".agent" / "settings.json").write_text(json.dumps({
        "mcpServers": {"flaky": {"command": sys.executable, "args": [MISBEHAVING, "crash"]},
                       "example": EXAMPLE_ENTRY},
        "permissions": {"allow": ["mcp__flaky", "mcp__example"]}}))
    server.reply(tool_calls=[("mcp__flaky__alpha", {})])
    server.reply(tool_calls=[("mcp__flaky__alpha", {})])
    server.reply(tool_calls=[("mcp__example__word_count", {"path": "notes.txt"})])
    server.reply("went on")
    done, result = agent_p(project, home, server, "--output-format", "json")
    assert done.returncode == 0 and result["result"] == "went on", done.stderr
    first, second, third = [[m for m in r["messages"] if m["role"] == "tool"][-1]["content"]
                            for r in server.requests[1:4]]
    assert "MCP server 'flaky'" in first and "code 3" in first and "unavailable" in first
    assert "is not running" in second
    assert third == "1 lines, 3 words, 14 characters"  # the other server still serves


def test_a_server_that_does_not_start_is_one_line_and_the_rest_start(project, home, server):
    (home / ".agent").mkdir(parents=True)
    (home / ".agent" / "settings.json").write_text(json.dumps({"mcpServers": {
        "missing": {"command": "no-such-command-anywhere"}, "example": EXAMPLE_ENTRY}}))
    server.reply("ok")
    done, result = agent_p(project, home, server, "--output-format", "stream-json", "--verbose")
    assert done.returncode == 0, done.stderr
    init = json.loads(done.stdout.splitlines()[0])
    assert {s["name"]: s["status"] for s in init["mcp_servers"]} == {"missing": "failed",
                                                                      "example": "connected"}
    lines = [line for line in done.stderr.splitlines() if "missing" in line]
    assert len(lines) == 1 and "failed" in lines[0]


def test_the_lean_profile_offers_a_servers_tools_only_when_named(project, home, server):
    (home / ".agent").mkdir(parents=True)
    (home / ".agent" / "settings.json").write_text(json.dumps({"mcpServers": {"example": EXAMPLE_ENTRY}}))
    server.reply("a")
    server.reply("b")
    server.reply("c")
    agent_p(project, home, server, "--profile", "lean")
    agent_p(project, home, server, "--profile", "lean", "--tools", "Read,mcp__example")
    agent_p(project, home, server, "--profile", "lean", "--tools", "Read,mcp__example__utc_now")
    assert names(server.requests[0]) == ["Read", "Edit", "Write", "Bash", "Grep"]
    assert names(server.requests[1]) == ["Read", "mcp__example__word_count", "mcp__example__utc_now"]
    assert names(server.requests[2]) == ["Read", "mcp__example__utc_now"]


def test_agent_mcp_add_list_get_remove(project, home):
    added = run(project, home, "mcp", "add", "-s", "project", "example", "--", sys.executable, EXAMPLE)
    assert added.returncode == 0, added.stderr
    assert json.loads((project / ".mcp.json").read_text())["mcpServers"]["example"]["args"] == [EXAMPLE]
    trust(project, home)
    listed = run(project, home, "mcp", "list")
    assert listed.returncode == 0, listed.stderr + listed.stdout
    assert "example:" in listed.stdout and "connected" in listed.stdout  # approved as added
    got = run(project, home, "mcp", "get", "example")
    assert "mcp__example__word_count" in got.stdout and "mcp__example__utc_now" in got.stdout
    user = run(project, home, "mcp", "add", "-s", "user", "-e", "K=v", "mine", "--", "true")
    assert user.returncode == 0
    assert json.loads((home / ".agent" / "settings.json").read_text())["mcpServers"]["mine"] == {
        "command": "true", "args": [], "env": {"K": "v"}}
    web = run(project, home, "mcp", "add", "--transport", "http", "-H", "Authorization: Bearer x",
              "remote", "http://127.0.0.1:9/mcp")
    assert web.returncode == 0
    local = json.loads((project / ".agent" / "settings.local.json").read_text())
    assert local["mcpServers"]["remote"] == {"type": "http", "url": "http://127.0.0.1:9/mcp",
                                             "headers": {"Authorization": "Bearer x"}}
    listed = run(project, home, "mcp", "list")
    assert listed.returncode == 1 and "remote:" in listed.stdout and "failed" in listed.stdout
    assert run(project, home, "mcp", "remove", "remote").returncode == 0
    assert "remote" not in json.loads((project / ".agent" / "settings.local.json").read_text())["mcpServers"]
    missing = run(project, home, "mcp", "remove", "nothing")
    assert missing.returncode == 1 and "no MCP server named 'nothing'" in missing.stderr
    bad = run(project, home, "mcp", "add", "bad name", "--", "x")
    assert bad.returncode == 2 and "letters, digits" in bad.stderr


def test_an_http_server_in_the_settings_serves_the_session(project, home, server):
    from test_mcp_sdk import serve_http
    url, process = serve_http()
    try:
        (home / ".agent").mkdir(parents=True)
        (home / ".agent" / "settings.json").write_text(json.dumps({
            "mcpServers": {"remote": {"type": "http", "url": url}},
            "permissions": {"allow": ["mcp__remote__add"]}}))
        server.reply(tool_calls=[("mcp__remote__add", {"a": 2, "b": 3})])
        server.reply("five")
        done, result = agent_p(project, home, server)
        assert done.returncode == 0, done.stderr
        assert [m for m in server.requests[1]["messages"] if m["role"] == "tool"][-1]["content"] == "5"
    finally:
        process.terminate()
        process.wait(10)


def test_slash_mcp_shows_each_server_its_status_and_tools(project, home):
    import os as _os
    from agent.app.slash import command
    from agent.config.config import load_config
    from agent.session.compose import build_session
    (home / ".agent").mkdir(parents=True)
    (home / ".agent" / "settings.json").write_text(json.dumps({"mcpServers": {
        "example": EXAMPLE_ENTRY, "broken": {"command": "no-such-command-anywhere"}}}))
    config = load_config({"model": "m", "sandbox": False}, {"HOME": _os.environ["HOME"]}, project)
    session = build_session(config, lambda event: None, None)
    try:
        text = command(session, "/mcp")
    finally:
        session.close()
    assert "example  connected  (user:" in text and "  - mcp__example__word_count" in text
    assert "broken  failed:" in text and "no-such-command-anywhere" in text


def test_a_server_that_lies_about_its_schemas_loses_those_tools_not_the_session(project, home, server):
    (home / ".agent").mkdir(parents=True)
    (home / ".agent" / "settings.json").write_text(json.dumps({"mcpServers": {
        "liar": {"command": sys.executable, "args": [MISBEHAVING, "lying"]}}}))
    server.reply("ok")
    done, _ = agent_p(project, home, server)
    assert done.returncode == 0, done.stderr
    assert [n for n in names(server.requests[0]) if n.startswith("mcp__")] == ["mcp__liar__alpha"]
    for tool in ("text_schema", "list_props", "array", "required_bad"):
        assert f"tool '{tool}' left out: its inputSchema" in done.stderr


def test_an_approval_that_cannot_be_kept_holds_for_the_session_and_is_said(project, home):
    import os as _os
    from agent.config.config import load_config
    from agent.session.compose import build_session
    declare(project, {"example": EXAMPLE_ENTRY})
    trust(project, home)
    (home / ".agent" / "mcp-approvals.json").mkdir()  # cannot be written, as on a full disk
    config = load_config({"model": "m", "sandbox": False}, {"HOME": _os.environ["HOME"]}, project)
    session = build_session(config, lambda event: None, None, approve_mcp=lambda spec: True)
    try:
        assert "mcp__example__word_count" in session.tools
        assert any("could not be kept" in p for p in session.mcp.problems)
    finally:
        session.close()
