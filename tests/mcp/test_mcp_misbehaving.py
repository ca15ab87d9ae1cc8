"""The client against servers that are wrong (tests/mcp/servers/misbehaving_server.py, no SDK)
and commands that are not servers: what it skips, what it answers, how it gives up, and what
its errors say. The server writes each message it receives to a log, read back here. And
how content blocks that are not text read (`describe`)."""

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from agent.mcp.client import McpClient, McpError, ServerGone, describe
from agent.mcp.stdio import StdioTransport

SERVER = Path(__file__).parent / "servers" / "misbehaving_server.py"


@pytest.fixture
def misbehaving(tmp_path):
    """start(mode) -> a started client of the server in that mode, and its log of messages."""
    started = []

    def start(mode: str, **options) -> tuple[McpClient, Path]:
        log = tmp_path / f"{mode}.jsonl"
        client = McpClient(mode, StdioTransport(sys.executable, [str(SERVER), mode, str(log)]),
                           **options)
        started.append(client)
        client.start()
        return client, log
    yield start
    for client in started:
        client.close()


def received(log: Path, method: str, wait: float = 3.0) -> list[dict]:
    """The messages of `method` the server logged, waiting a little for at least one."""
    deadline = time.monotonic() + wait
    while True:
        lines = log.read_text().splitlines() if log.exists() else []
        found = [m for m in map(json.loads, lines) if m.get("method") == method]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def bare(command: list[str], **options) -> McpClient:
    return McpClient("bare", StdioTransport(command[0], command[1:], None, None, grace=0.2),
                     **options)


def test_lines_that_are_not_json_objects_are_skipped_and_counted(misbehaving):
    client, _ = misbehaving("garbage")
    assert [tool.name for tool in client.tools()] == ["alpha"]
    assert client.call("alpha", {}).text == "called alpha"
    assert client.n_malformed == 6  # two before each of three answers
    assert client.last_malformed == "[1, 2, 3]"


def test_pages_of_tools_are_followed_by_their_cursor(misbehaving):
    client, log = misbehaving("paged")
    assert [tool.name for tool in client.tools()] == ["t1", "t2", "t3", "t4", "t5"]
    assert [m["params"].get("cursor") for m in received(log, "tools/list")] == [None, "2", "4"]


def test_a_changed_list_is_listed_again_once(misbehaving):
    client, log = misbehaving("changing")
    assert [tool.name for tool in client.tools()] == ["alpha"]
    assert not client.changed
    assert client.call("change", {}).text == "called change"
    assert client.changed  # the notification came before the answer, on the same pipe
    assert [tool.name for tool in client.tools()] == ["alpha", "beta"]
    assert not client.changed
    client.tools()
    assert len(received(log, "tools/list")) == 2  # cached until the next change


def test_the_servers_own_requests_are_answered_and_its_log_kept(misbehaving):
    client, _ = misbehaving("asks")
    ping, roots = json.loads(client.call("go", {}).text)
    assert ping == {"jsonrpc": "2.0", "id": "s1", "result": {}}
    assert roots["id"] == "s2" and roots["error"]["code"] == -32601
    assert list(client.log) == ["info: working on it"]


def test_a_timeout_tells_the_server_to_cancel(misbehaving):
    client, log = misbehaving("hang")
    with pytest.raises(McpError, match=r"tools/call 'alpha' timed out after 0.3 s") as raised:
        client.call("alpha", {}, timeout=0.3)
    assert type(raised.value) is McpError and "\n" not in str(raised.value)
    [call] = received(log, "tools/call")
    [cancelled] = received(log, "notifications/cancelled")
    assert cancelled["params"] == {"requestId": call["id"], "reason": "timed out after 0.3 s"}
    assert client.status == "connected"


def test_ctrl_c_during_a_call_cancels_it_and_goes_on_up(misbehaving):
    client, log = misbehaving("hang")
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            client.call("alpha", {}, timeout=10)
    finally:
        timer.cancel()
    [call] = received(log, "tools/call")
    [cancelled] = received(log, "notifications/cancelled")
    assert cancelled["params"] == {"requestId": call["id"], "reason": "interrupted by the user"}
    assert [tool.name for tool in client.tools()] == ["alpha"]  # the session goes on


def test_a_server_that_dies_mid_call_says_how(misbehaving):
    client, _ = misbehaving("crash")
    with pytest.raises(ServerGone) as raised:
        client.call("alpha", {})
    message = str(raised.value)
    assert message.startswith("MCP server 'crash': the server exited with code 3")
    assert "its last stderr line: fatal: the tool crashed" in message and "\n" not in message
    assert client.status.startswith("exited: the server exited with code 3")
    started = time.monotonic()
    with pytest.raises(ServerGone):
        client.call("alpha", {})
    assert time.monotonic() - started < 0.5


def test_a_message_past_the_limit_stops_the_server(misbehaving):
    client, _ = misbehaving("huge")
    with pytest.raises(ServerGone, match="a message of more than 10 MB"):
        client.call("alpha", {})


def test_a_command_that_does_not_exist_is_one_line():
    client = bare(["no-such-mcp-server-here", "--flag"])
    with pytest.raises(McpError) as raised:
        client.start()
    message = str(raised.value)
    assert message == ("MCP server 'bare': cannot start `no-such-mcp-server-here`: No such file "
                       "or directory; check the server's command (and that it is installed)")
    assert client.status.startswith("failed: cannot start")


def test_a_server_that_exits_at_start_says_its_code_and_stderr():
    client = bare([sys.executable, "-c",
                   "import sys; print('no config file', file=sys.stderr); sys.exit(2)"])
    with pytest.raises(ServerGone, match="code 2; its last stderr line: no config file"):
        client.start()
    assert client.status.startswith("failed: the server exited with code 2")


def test_a_server_that_never_answers_the_handshake_is_given_up_and_stopped():
    client = bare([sys.executable, "-c", "import time; time.sleep(60)"], init_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(McpError, match="initialize timed out after 0.5 s"):
        client.start()
    assert client.transport.process.poll() is not None  # stopped, not left running
    assert time.monotonic() - started < 3
    assert client.status.startswith("failed: initialize timed out")


def test_the_server_gets_a_small_environment_and_the_given_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_TOKEN", "do not pass")
    lines, ended = [], threading.Event()
    transport = StdioTransport(sys.executable, ["-c", "import json, os; print(json.dumps("
                               "{'env': dict(os.environ), 'cwd': os.getcwd()}))"],
                               {"GIVEN": "yes"}, tmp_path)
    transport.open(lines.append, lambda reason, request_id: ended.set())
    assert ended.wait(10)
    seen = json.loads(lines[0])
    assert seen["env"]["GIVEN"] == "yes" and seen["env"]["PATH"] == os.environ["PATH"]
    assert "SECRET_TOKEN" not in seen["env"]
    assert Path(seen["cwd"]) == tmp_path
    transport.close()


@pytest.mark.parametrize("block, text", [
    ({"type": "text", "text": "plain"}, "plain"),
    ({"type": "image", "mimeType": "image/png", "data": "AAAA"},
     "[image: image/png, 4 bytes base64, not shown]"),
    ({"type": "audio", "mimeType": "audio/wav", "data": "AAAAAAAA"},
     "[audio: audio/wav, 8 bytes base64, not shown]"),
    ({"type": "resource", "resource": {"uri": "file:///a.txt", "text": "inside"}},
     "[resource: file:///a.txt]\ninside"),
    ({"type": "resource", "resource": {"uri": "file:///a.bin", "mimeType": "x/y", "blob": "AA"}},
     "[resource: file:///a.bin, x/y, 2 bytes base64, not shown]"),
    ({"type": "resource_link", "uri": "file:///b", "name": "b", "description": "the b file"},
     "[resource link: file:///b b - the b file]"),
    ({"type": "hologram"}, "[hologram content, not shown]"),
])
def test_content_that_is_not_text_is_named_not_shown(block, text):
    assert describe([block]) == text
    assert describe([{"type": "text", "text": "first"}, block]) == f"first\n{text}"
