"""One writer per session: a lock file beside the transcript, held by the process writing it.

    lock = SessionLock(folder / "<session-id>.lock")
    holder = lock.acquire()      # None: this process holds it; else the holder's pid (0: unknown)
    lock.release()               # also done at exit

Two processes appending to one transcript interleave their messages: the next resume finds
calls answered by the other run's results, or none. So the process that writes a session
holds `fcntl.flock` on its lock file, and a second `--continue` or `--resume` of it is refused
(agent/session/transcript.py says so, and offers `--fork-session`).

Why flock: the kernel lets go of it when the process ends in any way (exit, a crash, kill -9),
so a lock never outlives its holder and there is no stale lock to clean up or to guess about.
The file is opened close-on-exec, so the commands the model runs do not inherit it: a command
that outlives a killed harness does not keep its session locked. The holder writes its pid in
the file, only for the message the next process shows.
Subtle: the file is removed on release, while still held. A process that opened it just before
then holds a lock on a file no longer at that path; it checks, once it holds the lock, that
the path still names its file, and tries again if not.
Not covered: network file systems that do not share flock between machines.
Claude Code counterpart: none; it lets two runs write one session.
"""

from __future__ import annotations

import atexit
import fcntl
import os
from pathlib import Path


class SessionLock:
    """The lock of one session's transcript, held by at most one process."""

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    @property
    def held(self) -> bool:
        return self.fd is not None

    def acquire(self) -> int | None:
        """Take the lock without waiting: None when this process holds it now, or the pid of
        the process that does (0 when it has not written it yet). OSError when the folder
        cannot hold the file (a read-only or full home)."""
        while self.fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode("ascii", "replace").strip()
                os.close(fd)
                return int(holder) if holder.isdigit() else 0
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # released and removed after we opened it: try the new file
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self.fd = fd
            atexit.register(self.release)
        return None

    def release(self) -> None:
        """Let go: remove the file while still holding it, then close it. Safe to repeat."""
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        atexit.unregister(self.release)
        try:
            self.path.unlink(missing_ok=True)
        except OSError:  # a read-only folder now: the file stays, the lock goes with the close
            pass
        os.close(fd)
