"""The kept sandbox's spawner: one small process inside bubblewrap that starts each command.

    bwrap ... python3 -I -S sandbox_spawner.py FD      FD: its end of a SOCK_SEQPACKET pair

Starting bubblewrap costs about 4 ms (new namespaces, 40-odd mounts), as much as the rest of
a step. So the sandbox is made once per turn (agent/permissions/kept_sandbox.py) and this
program, inside it, starts the commands. It runs as a file with `-I -S` and imports only the
standard library: nothing of the harness, or of the project, runs in here.

One command, on a stream socket of its own (`conn`), so that commands can overlap:

    harness ─► control   b"run", with four descriptors: conn, the command's stdin, stdout, stderr
    harness ─► conn      the request: {"argv", "cwd", "env"}
    spawner ─► conn      {"pid": N}, with a pidfd of the command attached (the harness reads
                         the pid it has outside from it), or {"error": why} if it did not start
    harness ─► conn      b"k": it has read the pid. Only then may the command be reaped; before
                         that, a command that ended at once would leave no pid to read.
    spawner ─► conn      {"code": N} once it has ended (negative: the signal that killed it)

Each message on conn is 4 bytes of length and a JSON object. Each command leads a process
group of its own (a new session), which the harness signals from outside by its own pid.

The spawner is the sandbox's PID 1 (bubblewrap's --as-pid-1), which settles three things:
no command can kill it (the kernel keeps signals from inside away from PID 1); the orphans
of background jobs come to it, and it reaps them; and when it exits, the kernel kills every
process left in the sandbox. It exits at the end of the control socket: the harness closed
it, or died in whatever way.
Claude Code counterpart: none; its sandbox starts once per command.
"""

import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys

ACK_WAIT_S = 10.0
"""How long a finished command waits for the harness to have read its pid."""


def send(conn: socket.socket, message: dict, fds: list[int] = ()) -> None:
    body = json.dumps(message).encode()
    socket.send_fds(conn, [struct.pack("!I", len(body)) + body], list(fds))


def receive(conn: socket.socket) -> dict:
    head = _exactly(conn, 4)
    return json.loads(_exactly(conn, struct.unpack("!I", head)[0]))


def _exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise EOFError("the harness hung up")
        data += chunk
    return data


class Command:
    """One command started here, and what is known of its harness's side."""

    def __init__(self, proc: subprocess.Popen, conn: socket.socket, pidfd: int):
        self.proc, self.conn, self.pidfd, self.acked = proc, conn, pidfd, False

    def finish(self, ended: dict[int, int]) -> None:
        """It has ended: wait for the harness's ack if need be, reap it, report its code."""
        try:
            if not self.acked:
                self.conn.settimeout(ACK_WAIT_S)
                self.conn.recv(1)
            send(self.conn, {"code": reap(self.proc, ended)})
        except (OSError, EOFError):
            reap(self.proc, ended)  # the harness went away: reap it all the same
        finally:
            self.conn.close()
            os.close(self.pidfd)


def reap(proc: subprocess.Popen, ended: dict[int, int]) -> int:
    """The exit code of one of ours: reaped now, or earlier with the orphans."""
    if proc.pid not in ended:
        ended[proc.pid] = os.waitstatus_to_exitcode(os.waitpid(proc.pid, 0)[1])
    proc.returncode = ended.pop(proc.pid)  # so that Popen never waits for it itself
    return proc.returncode


def reap_orphans(ended: dict[int, int], ours: set[int]) -> None:
    """As PID 1, this process inherits every orphan (a background job whose shell ended):
    reap what has ended, keeping the codes of ours for `reap`. Only called when the harness
    has read every pid of ours (a command reaped before that would leave it none to read)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in ours:
            ended[pid] = os.waitstatus_to_exitcode(status)


def start(fds: list[int]) -> Command | None:
    """Start the command of one request; None when it did not start (the harness is told)."""
    conn = socket.socket(fileno=fds[0])
    pipes = fds[1:4]
    try:
        conn.settimeout(ACK_WAIT_S)
        request = receive(conn)
        proc = subprocess.Popen(request["argv"], cwd=request["cwd"], env=request["env"],
                                stdin=pipes[0], stdout=pipes[1], stderr=pipes[2],
                                start_new_session=True)
    except (OSError, EOFError, ValueError, KeyError, TypeError) as err:
        try:
            send(conn, {"error": f"{type(err).__name__}: {err}"})
        except OSError:
            pass
        conn.close()
        return None
    finally:
        for fd in pipes:
            os.close(fd)  # the command holds them now
    pidfd = os.pidfd_open(proc.pid)
    try:
        send(conn, {"pid": proc.pid}, [pidfd])
    except OSError:  # the harness hung up: nobody waits for this command
        os.killpg(proc.pid, signal.SIGKILL)
    conn.setblocking(False)
    return Command(proc, conn, pidfd)


def undumpable() -> None:
    """No command may read this process's memory or trace it (/proc/1/mem, ptrace): they run
    as the same user, and this process holds the socket to the harness."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError, ImportError):
        pass  # no libc to ask: the sandbox's walls still hold


def main(control_fd: int) -> None:
    undumpable()
    control = socket.socket(fileno=control_fd)
    control.set_inheritable(False)
    wake_read, wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_write)  # SIGCHLD: an orphan to reap
    signal.signal(signal.SIGCHLD, lambda *_: None)
    running: dict[int, Command] = {}  # by pidfd
    ended: dict[int, int] = {}  # exit codes of ours, reaped with the orphans
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.fileobj is control:
                try:
                    message, fds, _, _ = socket.recv_fds(control, 16, 4)
                except OSError:
                    message, fds = b"", []
                if not message:  # the harness is gone: so is everything here, as PID 1 ends
                    return
                if len(fds) != 4:
                    for fd in fds:
                        os.close(fd)
                    continue
                command = start(fds)
                if command is not None:
                    running[command.pidfd] = command
                    selector.register(command.pidfd, selectors.EVENT_READ)
                    selector.register(command.conn, selectors.EVENT_READ, command)
            elif key.fileobj == wake_read:
                while True:
                    try:
                        if not os.read(wake_read, 512):
                            break
                    except BlockingIOError:
                        break
            elif isinstance(key.data, Command):  # the ack (or the harness hung up on it)
                command = key.data
                if command.acked or command.conn.fileno() < 0:
                    continue  # subtle: it ended in this same select, and was finished above
                selector.unregister(command.conn)
                command.acked = True
                try:
                    command.conn.recv(1)
                except OSError:
                    pass
            else:  # a pidfd: that command has ended
                command = running.pop(key.fd, None)
                if command is None:
                    continue
                selector.unregister(key.fd)
                if not command.acked:
                    selector.unregister(command.conn)
                command.conn.setblocking(True)
                command.finish(ended)
        if all(command.acked for command in running.values()):
            reap_orphans(ended, {command.proc.pid for command in running.values()})


if __name__ == "__main__":
    main(int(sys.argv[1]))
