"""Landlock: the sandbox's second choice, for a Linux kernel (5.13+) without bubblewrap.

    python -m agent.permissions.landlock '{"write": [...], "network": false, "tmp": "..."}' -- bash -c CMD

The command runs through this module: it asks the kernel to restrict the process (and all it
starts) with Landlock, through the system calls themselves (ctypes, no package), then execs
the command. What Landlock holds here:

    writes      only under the workspace, $TMPDIR and /dev (files, folders, links, renames)
    network     no TCP connect or bind (kernel ABI 4 and later)
    signals     none to processes outside the sandbox (ABI 6 and later)

What it does not, and bubblewrap does: the protected files inside the workspace (.git/config,
.agent, ...: Landlock only grants, it cannot take back a part of what it granted), the
harness's own environment (/proc/<pid>/environ of the same user stays readable), hidden files.
So the sandbox says which one runs, and with Landlock a command the rules cannot read still
asks (agent/permissions/policy.py).
Claude Code counterpart: none (Codex CLI uses Landlock on Linux).
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
from functools import cache

CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446  # the same on x86-64 and arm64
PR_SET_NO_NEW_PRIVS, PATH_BENEATH, VERSION = 38, 1, 1
WRITE = sum(1 << bit for bit in (1, 4, 5, 6, 7, 8, 9, 10, 11, 12))  # write, remove, make *
REFER, TRUNCATE = 1 << 13, 1 << 14  # ABI 2, ABI 3
NET_BIND, NET_CONNECT = 1 << 0, 1 << 1  # ABI 4
SCOPE_SIGNAL = 1 << 1  # ABI 6


class _Ruleset(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _Beneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


@cache
def abi() -> int:
    """The kernel's Landlock ABI version; 0 when it has none (or this is not Linux)."""
    if not sys.platform.startswith("linux"):
        return 0
    version = _libc().syscall(CREATE_RULESET, None, 0, VERSION)
    return max(version, 0)


def command(argv: list[str], write: list[str], tmp: str, network: bool) -> list[str]:
    """The argv that runs `argv` under Landlock."""
    spec = json.dumps({"write": write, "tmp": tmp, "network": network})
    return [sys.executable, "-m", "agent.permissions.landlock", spec, "--", *argv]


def restrict(write: list[str], network: bool) -> None:
    """Restrict this process, for good. Raises OSError when the kernel refuses."""
    version, libc = abi(), _libc()
    fs = WRITE | (REFER if version >= 2 else 0) | (TRUNCATE if version >= 3 else 0)
    net = 0 if network or version < 4 else NET_BIND | NET_CONNECT
    scoped = SCOPE_SIGNAL if version >= 6 else 0
    attr = _Ruleset(fs, net, scoped)
    size = 24 if version >= 6 else 16 if version >= 4 else 8
    ruleset = libc.syscall(CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    try:
        for path in write:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a folder that is not there: nothing to grant
            try:
                rule = _Beneath(fs, fd)
                if libc.syscall(ADD_RULE, ruleset, PATH_BENEATH, ctypes.byref(rule), 0) < 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
            finally:
                os.close(fd)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) or \
                libc.syscall(RESTRICT_SELF, ruleset, 0) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(ruleset)


def main(args: list[str]) -> None:
    spec, argv = json.loads(args[0]), args[2:]
    os.makedirs(spec["tmp"], mode=0o700, exist_ok=True)
    os.environ["TMPDIR"] = spec["tmp"]
    restrict([*spec["write"], spec["tmp"], "/dev"], spec["network"])
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
