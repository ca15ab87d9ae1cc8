"""The kept sandbox: one bubblewrap sandbox for a run of commands, instead of one each.

    kept = KeptSandbox.start(bwrap_args, placeholders)   bubblewrap and its spawner, at once
    proc = kept.spawn(["bash", "-c", "make"], cwd, env, stdin=DEVNULL, stdout=PIPE, ...)
    proc.pid, proc.stdout, proc.wait(timeout)            as a subprocess.Popen has them
    kept.close()                                         everything in it ends

A new sandbox for each command cost about 4 ms a step (the namespaces and 40-odd mounts),
as much as all the rest of the harness. Here the sandbox (agent/permissions/sandbox.py
decides its walls) is started once, with a spawner inside (sandbox_spawner.py, which says the
protocol), and each command is a request over a Unix socket: its pipes go across as file
descriptors, and a pidfd comes back from which this side reads the command's pid as the
harness sees it. The process runner (agent/tools/process.py) then treats it as any other
command: it signals its process group and holds it with the tether.

Nothing is started in the harness's place: `start` returns as soon as bubblewrap is running,
and the first request waits until the spawner reads it. A sandbox that cannot start (or a
kernel without pidfds, 5.3+) raises SandboxUnavailable with bubblewrap's own words; the
caller then goes back to a sandbox per command.

Commands in one kept sandbox share its PID and network namespaces: a background job (`server
> log &`) lives on to the next command and the end of the sandbox, and a later command reaches
it on loopback. When the harness dies, however it dies, the spawner reads the end of its
socket and takes the sandbox down with it.
Not covered: a command's output streamed to the user while it runs (as for every command).
Claude Code counterpart: none; its sandbox starts once per command.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from agent.tools import tether

SPAWNER = str(Path(__file__).with_name("sandbox_spawner.py"))
START_WAIT_S = 10.0
"""How long the first command waits for the spawner to answer: a Python start on a busy machine."""
CODE_WAIT_S = 5.0
"""How long an ended command waits for its exit code to arrive."""
MAX_REPLY = 4096


class SandboxUnavailable(OSError):
    """The kept sandbox could not start, or stopped answering."""


class KeptSandbox:
    """One running sandbox and the spawner inside it."""

    def __init__(self, proc: subprocess.Popen, control: socket.socket, key: tuple,
                 placeholders: list[Path]):
        self.proc, self.control, self.key = proc, control, key
        self.ended = os.pidfd_open(proc.pid)
        """Readable once bubblewrap has exited (a request sent then would wait for ever: the
        end of its socket, in flight to a spawner that never read it, does not come back)."""
        self.placeholders = placeholders
        """The empty files and folders bubblewrap made as mount points: removed at `close`."""
        self.closed = False

    @classmethod
    def start(cls, bwrap_args: list[str], placeholders: list[Path]) -> KeptSandbox:
        if not hasattr(os, "pidfd_open"):
            raise SandboxUnavailable("this Python or kernel has no pidfd_open (Linux 5.3+)")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            proc = subprocess.Popen([*bwrap_args, "--as-pid-1", sys.executable, "-I", "-S", SPAWNER,
                                     str(theirs.fileno())], pass_fds=[theirs.fileno()],
                                    env={},  # each command gets its own; nothing to read here
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, start_new_session=True)
        except OSError as err:
            ours.close()
            raise SandboxUnavailable(f"bubblewrap could not be run ({err})") from err
        finally:
            theirs.close()
        kept = cls(proc, ours, tuple(bwrap_args), placeholders)
        atexit.register(kept.close)  # the placeholders go even when nobody ended it
        if placeholders:  # and even when the harness is killed (by SIGKILL)
            tether.tidy(proc.pid, placeholders)
        return kept

    def spawn(self, argv: list[str], cwd: Path, env: dict | None, stdin, stdout,
              stderr) -> KeptProcess:
        """Start `argv` in the sandbox, in a process group of its own. stdin is DEVNULL or
        PIPE, stdout PIPE, stderr PIPE or STDOUT (the subset of Popen's the runner uses)."""
        if self.closed:
            raise SandboxUnavailable("the sandbox was closed")
        mine, theirs = [], []  # (this side's file objects), (the command's descriptors)
        conn, far = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            if stdin == subprocess.PIPE:
                read, write = os.pipe()
                theirs.append(read)
                mine.append(open(write, "wb"))
            else:
                theirs.append(os.open(os.devnull, os.O_RDONLY))
                mine.append(None)
            read, write = os.pipe()
            mine.append(open(read, "rb"))
            theirs.append(write)
            if stderr == subprocess.STDOUT:
                theirs.append(os.dup(write))
                mine.append(None)
            else:
                read, write = os.pipe()
                mine.append(open(read, "rb"))
                theirs.append(write)
            try:
                socket.send_fds(self.control, [b"run"], [far.fileno(), *theirs])
            except OSError as err:
                raise SandboxUnavailable(f"the sandbox stopped answering ({err})") from err
            body = json.dumps({"argv": argv, "cwd": str(cwd),
                               "env": dict(os.environ if env is None else env)}).encode()
            conn.sendall(struct.pack("!I", len(body)) + body)
            return KeptProcess(argv, conn, *mine, self._first_reply(conn))
        except BaseException:
            conn.close()
            for stream in mine:
                if stream is not None:
                    stream.close()
            raise
        finally:
            far.close()
            for fd in theirs:
                os.close(fd)

    def _first_reply(self, conn: socket.socket) -> int:
        """The command's pid, as this side sees it (read from the pidfd that came back)."""
        ready = select.select([conn, self.ended], [], [], START_WAIT_S)[0]
        if not ready:
            raise SandboxUnavailable(f"the sandbox did not answer in {START_WAIT_S:g} s")
        if conn not in ready:
            raise SandboxUnavailable(f"the sandbox did not start: {self._why()}")
        try:
            conn.settimeout(START_WAIT_S)  # what comes from inside the sandbox is not trusted:
            head, fds, _, _ = socket.recv_fds(conn, 4, 1)  # bounded in time and size
            if not head:
                raise SandboxUnavailable(f"the sandbox did not start: {self._why()}")
            reply = json.loads(_message(conn, head))
        except (OSError, ValueError) as err:
            raise SandboxUnavailable(f"the sandbox broke off ({err})") from err
        if "error" in reply:
            raise OSError(reply["error"])  # a missing cwd: the command's problem, not ours
        try:
            with open(f"/proc/self/fdinfo/{fds[0]}") as info:
                pid = next(int(line.split()[1]) for line in info if line.startswith("Pid:"))
        except (OSError, StopIteration, IndexError, ValueError) as err:
            raise SandboxUnavailable(f"cannot read the command's pid ({err})") from err
        finally:
            for fd in fds:
                os.close(fd)
        conn.sendall(b"k")  # read: it may be reaped now
        if pid <= 0:
            raise SandboxUnavailable("the command's pid is not visible from here")
        return pid

    def _why(self) -> str:
        """What bubblewrap said before it ended (it has, when the spawner never answered)."""
        try:
            self.proc.wait(2)
            said = self.proc.stderr.read().decode("utf-8", "replace").strip()
        except (subprocess.TimeoutExpired, OSError, ValueError):
            said = ""
        return said.splitlines()[-1] if said else f"bubblewrap exited with {self.proc.poll()}"

    @property
    def alive(self) -> bool:
        return not self.closed and self.proc.poll() is None

    def close(self) -> None:
        """End the sandbox and everything in it, then remove the placeholders still empty."""
        if self.closed:
            return
        self.closed = True
        atexit.unregister(self.close)
        self.control.close()  # the spawner reads the end and exits: the sandbox goes with it
        try:  # wait for that: until then a command could create what the placeholders hold
            self.proc.wait(2)
        except subprocess.TimeoutExpired:  # a stuck spawner: the kernel ends the sandbox
            for pid in _children(self.proc.pid):  # when its PID 1 is killed
                os.kill(pid, signal.SIGKILL)
            self.proc.wait()
        self.proc.stderr.close()
        os.close(self.ended)
        for path in reversed(self.placeholders):
            remove_if_empty(path)
        tether.tidied(self.proc.pid)


def remove_if_empty(path: Path, wait: float = 0.0) -> None:
    """Remove a placeholder unless something was put in it meanwhile, or another sandbox
    (another session in the same workspace) holds it as a mount point: removing it there
    would lift that sandbox's wall, and a command still running in it could create `.env`.
    `wait`: seconds to give a sandbox that is ending (the command's own) to let go of it."""
    deadline = time.monotonic() + wait
    while _mount_point(path) in held_elsewhere():
        if time.monotonic() >= deadline:
            return
        time.sleep(0.02)
    try:
        path.rmdir() if path.is_dir() else (path.stat().st_size or path.unlink())
    except OSError:
        pass


def held_elsewhere() -> set[str]:
    """The mount points of every other process's mount namespace (/proc/PID/mountinfo, as
    that process sees them; a sandbox binds each path where it is)."""
    points, seen = set(), set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            space = os.readlink(f"/proc/{entry}/ns/mnt")
            if space in seen:
                continue
            with open(f"/proc/{entry}/mountinfo") as info:
                points.update(line.split()[4] for line in info if line.count(" ") > 4)
            seen.add(space)
        except (OSError, IndexError):
            continue
    return points


def _mount_point(path: Path) -> str:
    """A path as mountinfo writes it (space, tab, newline and backslash as octal escapes)."""
    return "".join(f"\\{ord(c):03o}" if c in " \t\n\\" else c for c in str(path))


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (bubblewrap's: the spawner, as seen from here)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _message(conn: socket.socket, head: bytes = b"") -> bytes:
    """One message from the spawner: 4 bytes of length, then that many (a few dozen: more is
    not a reply but something inside the sandbox that took the spawner over)."""
    size = struct.unpack("!I", _exactly(conn, 4, head))[0]
    if size > MAX_REPLY:
        raise OSError(f"a reply of {size} bytes from the sandbox")
    return _exactly(conn, size)


def _exactly(conn: socket.socket, size: int, data: bytes = b"") -> bytes:
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise OSError("the sandbox hung up")
        data += chunk
    return data


class KeptProcess:
    """A command in the kept sandbox, with what the runner uses of a subprocess.Popen."""

    def __init__(self, args: list[str], conn: socket.socket, stdin, stdout, stderr, pid: int):
        self.args, self.conn, self.pid = args, conn, pid
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.returncode: int | None = None
        self._lock = threading.RLock()  # a stop signal's handler may wait inside a wait

    def poll(self) -> int | None:
        try:
            return self.wait(0)
        except subprocess.TimeoutExpired:
            return None

    def wait(self, timeout: float | None = None) -> int:
        """The exit code, once the spawner reports it; TimeoutExpired after `timeout` s."""
        if self.returncode is not None:
            return self.returncode
        if not self._lock.acquire(timeout=-1 if timeout is None else timeout):
            raise subprocess.TimeoutExpired(self.args, timeout)  # another thread waits: ask again
        try:
            if self.returncode is None:
                self.returncode = self._read_code(timeout)
            return self.returncode
        finally:
            self._lock.release()

    def _read_code(self, timeout: float | None) -> int:
        if not select.select([self.conn], [], [], timeout)[0]:
            raise subprocess.TimeoutExpired(self.args, timeout)
        if self.returncode is not None:  # read meanwhile, by a signal handler's wait
            return self.returncode
        try:
            self.conn.settimeout(CODE_WAIT_S)
            code = int(json.loads(_message(self.conn))["code"])
        except (OSError, ValueError, KeyError, TypeError):
            code = -signal.SIGKILL  # the sandbox ended under it: killed with it
        self.conn.close()
        return code
