"""The stdio transport: the MCP server is a child process, one JSON message a line.

    harness ── stdin ──► {"jsonrpc": "2.0", "id": 1, "method": "initialize", ...}  server
    harness ◄── stdout ── {"jsonrpc": "2.0", "id": 1, "result": {...}}              server
               stderr ── the server's own log; its last lines are kept for errors

The child runs in a session of its own (`start_new_session`), so the terminal's Ctrl-C
reaches the harness, which cancels the call, and not the server, which would die. Its group
is held by the tether (agent/tools/tether.py) while it runs, so it ends with the harness
even when the harness is killed. Its environment is a small base (PATH, HOME, LANG and a few
like them, as the SDKs pass) with the given `env` over it: the caller decides which secrets
a server gets, and nothing else of the harness's environment leaks through.

A reader thread hands each line of stdout to the client. When stdout ends, the child is
given a moment to exit, and the client is told how it ended: the exit code (or signal) and
its last stderr line. A line longer than MAX_MESSAGE stops the server: a message that size
is a broken server, and reading it whole would cost that much memory. Closing is polite
first, as the spec asks: stdin is closed (an SDK server exits at the end of its input), and
only after `grace` seconds are SIGTERM, then SIGKILL, sent to the group
(agent/tools/process.py `stop`).
Not covered: Windows; a server that leaves its process group; a server that stops reading
its input while a message longer than the pipe holds (64 KB) is written to it, which blocks
that writer (the call's timeout does not start until the message is sent).
Claude Code counterpart: the stdio transport of its MCP client.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

from agent.mcp.client import MAX_MESSAGE, McpError, ServerGone
from agent.tools import tether
from agent.tools.process import stop

BASE_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LOGNAME", "USER", "SHELL", "TERM", "TMPDIR")
"""What a server gets of the harness's environment (the SDKs' default list, and the locale)."""
STDERR_LINES = 20


class StdioTransport:
    """A server started as `command args...` in `cwd`, spoken to over its stdin and stdout."""

    def __init__(self, command: str, args: list[str], env: dict[str, str] | None = None,
                 cwd: Path | None = None, grace: float = 2.0) -> None:
        self.command = command
        self.args = list(args)
        self.env = {k: os.environ[k] for k in BASE_ENV if k in os.environ} | dict(env or {})
        self.cwd = cwd
        self.grace = grace
        """Seconds the server gets to exit on its own once its stdin is closed."""
        self.process: subprocess.Popen | None = None
        self.stderr_lines: deque[str] = deque(maxlen=STDERR_LINES)
        self._write_lock = threading.Lock()
        self._stderr_reader: threading.Thread | None = None
        self._closing = False

    def open(self, receive: Callable[[str], None], lost: Callable[[str, int | None], None]) -> None:
        try:
            self.process = subprocess.Popen(
                [self.command, *self.args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=self.env, cwd=self.cwd, start_new_session=True)
        except OSError as err:  # no such program, not executable, no such cwd
            raise McpError(f"cannot start `{self.command}`: {err.strerror or err}; check the "
                           "server's command (and that it is installed)") from None
        tether.hold(self.process.pid)
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True,
                                               name=f"mcp-stderr-{self.process.pid}")
        self._stderr_reader.start()
        threading.Thread(target=self._read_stdout, args=(receive, lost), daemon=True,
                         name=f"mcp-stdout-{self.process.pid}").start()

    def send(self, message: dict) -> None:
        """Write one message as one line; ServerGone when the server no longer reads."""
        data = json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n"
        with self._write_lock:
            if self.process is None or self.process.stdin.closed:
                raise ServerGone(f"the server is not running ({self.exit_reason()})")
            try:
                self.process.stdin.write(data)
                self.process.stdin.flush()
            except OSError:  # BrokenPipeError, mostly
                raise ServerGone(f"the server stopped reading ({self.exit_reason()})") from None

    def close(self) -> None:
        """Close stdin, give the server `grace` seconds to exit, then stop its group."""
        self._closing = True
        proc = self.process
        if proc is None:
            return
        with self._write_lock, contextlib.suppress(OSError):
            proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(self.grace)
        stop(proc, grace=1.0)  # whatever is left of its group; at once gone if it all exited
        tether.release(proc.pid)

    def exit_reason(self) -> str:
        """How the server ended ("exited with code 3; its last stderr line: ...") or "running"."""
        code = None if self.process is None else self.process.poll()
        if self.process is None:
            how = "not started"
        elif code is None:
            how = "running"
        elif code < 0:
            how = f"killed by signal {-code}"
        else:
            how = f"exited with code {code}"
        if self.stderr_lines:
            how += f"; its last stderr line: {self.stderr_lines[-1]}"
        return how

    # ---- the reader threads

    def _read_stdout(self, receive: Callable[[str], None],
                     lost: Callable[[str, int | None], None]) -> None:
        stdout = self.process.stdout
        while True:
            line = stdout.readline(MAX_MESSAGE + 1)
            if not line:
                break
            if len(line) > MAX_MESSAGE:  # and no end of line within it
                stop(self.process, grace=0)
                lost(f"the server sent a message of more than {MAX_MESSAGE // 2**20} MB and was "
                     "stopped; ask its authors to page or shorten it", None)
                return
            if line.strip():
                receive(line.decode("utf-8", errors="replace"))
        lost(self._ended(), None)

    def _ended(self) -> str:
        """Why stdout ended, said once the process is gone and its stderr read to the end."""
        try:
            self.process.wait(self.grace)
        except subprocess.TimeoutExpired:  # it closed stdout but lives on: no use to anyone
            stop(self.process, grace=1.0)
        self._stderr_reader.join(1.0)
        tether.release(self.process.pid)
        if self._closing:
            return "the server was closed"
        return f"the server {self.exit_reason()}; fix it and connect again"

    def _read_stderr(self) -> None:
        stderr = self.process.stderr
        while line := stderr.readline(4096):  # read as it comes: the server never blocks on it
            text = line.decode("utf-8", errors="replace").strip()
            if text:
                self.stderr_lines.append(text[:300])
