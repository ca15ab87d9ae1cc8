"""The client against real servers built with the official SDK (tests/mcp/servers/tools_server.py),
the reference for what the protocol is: the same handshake, listing and calls over stdio,
over Streamable HTTP with event-stream replies, and with JSON replies. Each server starts
once for the module."""

import http.client
import json
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from agent.mcp.client import McpClient, McpError, ServerGone
from agent.mcp.http import HttpTransport
from agent.mcp.stdio import StdioTransport

pytest.importorskip("mcp", reason="the official MCP SDK is a dev dependency: "
                    "pip install -e '.[dev]'")
SERVERS = Path(__file__).parent / "servers"
EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "mcp_server.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_http(*mode: str):
    """The SDK's Streamable HTTP server on a free port, once it answers: (url, process)."""
    port = free_port()
    server = subprocess.Popen([sys.executable, str(SERVERS / "tools_server.py"), "http",
                               str(port), *mode],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return f"http://127.0.0.1:{port}/mcp", server
        except OSError:
            assert server.poll() is None, "the SDK's HTTP server exited at start"
            time.sleep(0.05)
    server.kill()
    pytest.fail("the SDK's HTTP server did not listen within 20 s")


@pytest.fixture(scope="module")
def sse_url():
    url, server = serve_http()
    yield url
    server.terminate()
    server.wait(10)


@pytest.fixture(scope="module")
def json_url():
    url, server = serve_http("json")
    yield url
    server.terminate()
    server.wait(10)


@pytest.fixture(scope="module", params=["stdio", "http-sse", "http-json"])
def client(request):
    if request.param == "stdio":
        transport = StdioTransport(sys.executable, [str(SERVERS / "tools_server.py")], None, None)
    else:
        url = request.getfixturevalue("sse_url" if request.param == "http-sse" else "json_url")
        transport = HttpTransport(url, None)
    client = McpClient("tools", transport, timeout=20)
    client.start()
    yield client
    client.close()


def test_the_handshake_then_the_tools_with_their_schemas(client):
    assert client.status == "connected"
    assert client.server_info["name"] == "tools"
    tools = {tool.name: tool for tool in client.tools()}
    assert list(tools) == ["add", "echo", "slow", "fail", "image"]
    assert tools["add"].description == "Add two integers."
    assert tools["add"].input_schema["properties"]["a"]["type"] == "integer"
    assert tools["add"].input_schema["required"] == ["a", "b"]


def test_a_call_gives_its_text(client):
    assert client.call("add", {"a": 2, "b": 3}).text == "5"
    assert client.call("echo", {"text": "héllo ☃\nnext"}).text == "héllo ☃\nnext"


def test_a_tool_that_fails_is_an_error_result_with_its_message(client):
    result = client.call("fail", {})
    assert result.is_error
    assert "this tool always fails" in result.text


def test_an_image_is_described_not_shown(client):
    result = client.call("image", {})
    assert not result.is_error
    assert re.fullmatch(r"\[image: image/png, \d+ bytes base64, not shown\]", result.text)


def test_a_call_past_its_timeout_is_given_up_and_the_server_goes_on(client):
    started = time.monotonic()
    with pytest.raises(McpError, match=r"^MCP server 'tools': tools/call 'slow' timed out "
                                       r"after 0.5 s"):
        client.call("slow", {"seconds": 5}, timeout=0.5)
    assert time.monotonic() - started < 2
    assert client.call("add", {"a": 1, "b": 1}).text == "2"
    assert client.status == "connected"


def test_calls_from_two_threads_at_once_each_get_their_own_answer(client):
    finished = []

    def run(seconds: float) -> None:
        finished.append((seconds, client.call("slow", {"seconds": seconds}).text))
    threads = [threading.Thread(target=run, args=(s,)) for s in (0.8, 0.1)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    # the second call's answer came first: each answer went to its own caller, by id
    assert finished == [(0.1, "slept 0.1"), (0.8, "slept 0.8")]
    assert time.monotonic() - started < 1.5


def test_closing_ends_the_http_session(sse_url):
    client = McpClient("tools", HttpTransport(sse_url, None))
    client.start()
    session = client.transport.session_id
    assert session
    client.close()
    assert client.status.startswith("exited:")
    with pytest.raises(ServerGone, match="was closed"):
        client.tools()
    # the server forgot the session: DELETE reached it
    address = sse_url.split("/")[2].split(":")
    connection = http.client.HTTPConnection(address[0], int(address[1]), timeout=5)
    connection.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
                       {"Content-Type": "application/json", "Mcp-Session-Id": session,
                        "Accept": "application/json, text/event-stream",
                        "MCP-Protocol-Version": "2025-06-18"})
    assert connection.getresponse().status == 404


def test_a_wrong_path_says_the_url_and_the_status(sse_url):
    url = sse_url.replace("/mcp", "/nope")
    client = McpClient("web", HttpTransport(url, None), init_timeout=10)
    with pytest.raises(McpError) as raised:
        client.start()
    message = str(raised.value)
    assert message.startswith("MCP server 'web': ") and url in message and "404" in message
    assert "\n" not in message
    assert client.status.startswith("failed: ") and "404" in client.status


def test_a_url_where_nothing_listens_is_one_line():
    url = f"http://127.0.0.1:{free_port()}/mcp"
    client = McpClient("web", HttpTransport(url, None), init_timeout=10)
    with pytest.raises(McpError) as raised:
        client.start()
    assert f"cannot reach {url}: connection refused" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_url_that_is_not_http():
    with pytest.raises(McpError, match="not an http:// or https:// URL"):
        McpClient("web", HttpTransport("ftp://example.com/mcp", None)).start()


def test_the_example_server_counts_words(tmp_path):
    (tmp_path / "notes.txt").write_text("one two\nthree\n")
    client = McpClient("example", StdioTransport(sys.executable, [str(EXAMPLE)], None, tmp_path))
    client.start()
    try:
        assert [tool.name for tool in client.tools()] == ["word_count", "utc_now"]
        counted = client.call("word_count", {"path": "notes.txt"})
        assert counted.text == "2 lines, 3 words, 14 characters"
        missing = client.call("word_count", {"path": "gone.txt"})
        assert missing.is_error and "gone.txt is not a file" in missing.text
        now = client.call("utc_now", {}).text
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", now)
    finally:
        client.close()
