"""What the HTTP transport says when the URL is not a good MCP server: a stand-in server
(the standard library's http.server) answers each path in one wrong way."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agent.mcp.client import McpClient, McpError, ServerGone
from agent.mcp.http import HttpTransport


class Wrong(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        message = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/500":
            self.reply(500, "text/plain", b"boom\nat line 2")
        elif self.path == "/html":
            self.reply(200, "text/html", b"<html>hello</html>")
        elif self.path == "/no-answer":
            self.reply(202, None, b"")
        elif "id" not in message:  # /forgets: notifications are accepted
            self.reply(202, None, b"")
        elif self.headers.get("Mcp-Session-Id"):  # and requests after the handshake are not
            self.reply(404, "text/plain", b"no such session")
        else:
            answer = {"jsonrpc": "2.0", "id": message["id"], "result": {
                "protocolVersion": "2025-06-18", "capabilities": {}, "serverInfo": {"name": "w"}}}
            self.reply(200, "application/json", json.dumps(answer).encode(), session="s1")

    def reply(self, status: int, kind: str | None, body: bytes, session: str | None = None) -> None:
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        if session:
            self.send_header("Mcp-Session-Id", session)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def base():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Wrong)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("path, said", [
    ("/500", "answered HTTP 500 Internal Server Error (boom)"),
    ("/html", "replied with 'text/html', neither JSON nor an event stream"),
    ("/no-answer", "ended its reply to initialize without the answer"),
])
def test_a_wrong_reply_at_the_handshake_is_one_line_with_the_url(base, path, said):
    client = McpClient("web", HttpTransport(base + path, None), init_timeout=10)
    with pytest.raises(McpError) as raised:
        client.start()
    assert str(raised.value).startswith("MCP server 'web': ")
    assert f"{base}{path}" in str(raised.value) and said in str(raised.value)
    assert "\n" not in str(raised.value)
    assert client.status.startswith("failed: ")


def test_a_session_the_server_forgot_is_a_server_gone(base):
    client = McpClient("web", HttpTransport(base + "/forgets", None), init_timeout=10)
    client.start()
    with pytest.raises(ServerGone, match="no longer knows this session \\(HTTP 404\\)"):
        client.tools()
    assert client.status.startswith("exited: ")
    with pytest.raises(ServerGone):
        client.call("anything", {})
