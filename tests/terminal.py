"""A child process on a real pseudo-terminal, for the REPL's tests: what a person at a
terminal sees and types, Ctrl-C included."""

import fcntl
import os
import pty
import select
import subprocess
import termios
import time


class Pty:
    """A child process on a pseudo-terminal, with expect-style reading."""

    def __init__(self, args: list[str], cwd, env: dict):
        self.master, slave = pty.openpty()
        # A new session whose controlling terminal is the pty, so that Ctrl-C becomes SIGINT
        # for the child exactly as it does for a person at a terminal.
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd,
                                     env=env, start_new_session=True,
                                     preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout: float = 20, count: int = 1) -> str:
        deadline = time.monotonic() + timeout
        while self.seen.count(text) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} did not appear; the terminal shows:\n{self.seen}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 4096).decode(errors="replace")
                except OSError:  # the child closed the terminal
                    chunk = ""
                if not chunk and self.proc.poll() is not None:
                    raise AssertionError(f"exited before {text!r} appeared:\n{self.seen}")
                self.seen += chunk
        return self.seen

    def read_to_end(self, timeout: float = 20) -> str:
        """Everything the child writes until it closes the terminal (it has exited)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the child closed the terminal
                    return self.seen
                if not chunk:
                    return self.seen
                self.seen += chunk.decode(errors="replace")
            elif self.proc.poll() is not None:
                return self.seen
        raise AssertionError(f"the child did not end; the terminal shows:\n{self.seen}")

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=10)
        finally:
            if self.master is not None:
                os.close(self.master)
                self.master = None

    def __enter__(self) -> "Pty":
        return self

    def __exit__(self, *exc) -> None:
        """A test that failed half-way leaves no child behind."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.close()
