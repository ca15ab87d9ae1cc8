"""What a tool is: a name, a description, a JSON schema, a function, and a read-only flag.

A tool function takes the parsed arguments and the session's `ToolContext` and returns text.
When the model made a mistake it can fix (a missing file, a non-unique Edit, a timeout), the
tool raises `ToolError` with a message that says what to do next; the loop turns that into the
tool result. An OSError (a permission denied, a full disk) is the machine's answer, and the
loop words it with `os_error_text`. Anything else is a bug of the harness and propagates
(the loop still answers the call, agent/loop/turn.py).
Claude Code counterpart: the tool definitions sent to the model.
"""

from __future__ import annotations

import errno
import pwd
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ContextManager
from pathlib import Path


class ToolError(Exception):
    """A mistake the model can fix; the message becomes the tool result."""


_OS_HINTS = {
    errno.EACCES: "the user the harness runs as may not use it; pick another path, or ask "
                  "the user to change its permissions",
    errno.EPERM: "the system does not allow it; pick another path, or ask the user",
    errno.EROFS: "that file system is read-only; write somewhere else",
    errno.ENOSPC: "the disk is full; ask the user to free space",
    errno.EDQUOT: "the disk quota is used up; ask the user to free space",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
}


def os_error_text(err: OSError) -> str:
    """What the system refused, for the model: "permission denied: /x/y (what to do)".
    The loop words every OSError a tool lets through this way: a locked folder, a full disk
    or a read-only file system is a fact about the machine, not a bug of the harness."""
    what = (err.strerror or type(err).__name__).lower()
    where = f": {err.filename}" if err.filename else ""
    hint = _OS_HINTS.get(err.errno)
    return f"{what}{where}" + (f" ({hint})." if hint else ".")


@dataclass
class ToolContext:
    """What tools share within one session."""

    cwd: Path
    """The working directory: relative paths and commands start here."""
    read_files: dict[Path, tuple[int, int]] = field(default_factory=dict)
    """Resolved path -> (mtime_ns, size) when the model last read or wrote it (Edit/Write check it)."""
    max_result_chars: int = 30_000
    """The cap on one tool result; past it the middle is cut and the cut is stated."""
    env: dict[str, str] | None = None
    """The environment for commands (None: the harness's own)."""
    listing: str = "lines"
    """How Glob and Grep lay out results: "lines", or "toon" rows (agent/tools/listing.py)."""
    confine: Callable[[str], ContextManager[Callable]] | None = None
    """Runs the model's commands in the OS sandbox: `with confine(command) as spawn:` gives
    how to start it (a Spawn for run_command, agent/tools/process.py; the sandbox's, in
    agent/permissions/sandbox.py). None: as they are."""
    before_write: Callable[[Path], None] | None = None
    """Called by Write and Edit once every check has passed, just before the file is replaced:
    the checkpoints save its bytes (agent/session/checkpoints.py). None: nothing is kept."""
    readable: Callable[[Path], bool] | None = None
    """Whether the rules let the model read a file: Grep and Glob leave out the others, also
    when they search a folder above them. None: every file."""
    command_started: Callable[[int, str], None] | None = None
    """Told the process group and the text of each command Bash starts, before it runs: the
    transcript records them, so that a resume after a crash can say whether the command is
    still running (agent/session/running.py). None: nobody is told."""

    stopping: threading.Event = field(default_factory=threading.Event)
    """Set when the user stops calls running side by side: a subagent ends at its next step."""
    on_loop_thread: Callable[[Callable], object] | None = None  # side by side: asks go there

    def resolve(self, path: str) -> Path:
        """A path as the model gave it, made absolute against cwd, `~` and `~user` expanded,
        symlinks resolved. A path no system call takes (a NUL byte) is a ToolError."""
        try:
            p = Path(expand_user(path, Path.home()))
        except ValueError as err:
            raise ToolError(f"{err}; give the path as plain text.") from None
        return (p if p.is_absolute() else self.cwd / p).resolve()


def expand_user(path: str, home: Path) -> str:
    """`~` and `~/x` under `home`; `~name/x` under that user's home, as bash does (an unknown
    name stays as it is, as in bash). Raises ValueError for a path no system call takes."""
    if "\0" in path:
        raise ValueError(f"{path!r} is not a path: it contains a NUL byte")
    name, sep, rest = path[1:].partition("/")
    if not path.startswith("~") or name and name not in {u.pw_name for u in pwd.getpwall()}:
        return path
    return (pwd.getpwnam(name).pw_dir if name else str(home)) + sep + rest


PATH_PARAMETERS = ("file_path", "path", "notebook_path")  # paths, unless a tool says otherwise


@dataclass(frozen=True)
class Tool:
    """One tool the model can call."""

    name: str
    description: str
    parameters: dict
    """A JSON schema (type object) for the arguments."""
    run: Callable[[dict, ToolContext], str]
    read_only: bool
    """It changes nothing: it runs without a question inside the workspace, in every mode."""
    path_parameters: tuple[str, ...] | None = None
    """The arguments that name a file or folder, which the permission rules judge as paths.
    None: those of PATH_PARAMETERS that the schema has; (): none."""
    path_rules: str | None = None
    """The rules that judge those paths: "Read" or "Edit". None: Read rules when the tool only
    reads, Edit rules otherwise (a `Read(./.env)` deny rule covers a plugin's WordCount too)."""
    alongside: bool | Callable[[dict], bool] = False
    """It may run in a thread beside its neighbours in a reply (agent/loop/side_by_side.py):
    Read, Glob, Grep; a function of the arguments for Task (a subagent that only reads)."""
    rule_argument: str | None = None
    """The argument a rule's specifier names, for a tool that takes no path: `Task(Explore)`
    names the subagent_type, `Skill(commit)` the skill (`*` is a wildcard). None: no such."""

    @property
    def path_arguments(self) -> tuple[str, ...]:
        """The arguments of this tool that are paths."""
        if self.path_parameters is not None:
            return self.path_parameters
        properties = self.parameters.get("properties", {})
        return tuple(name for name in PATH_PARAMETERS if name in properties)

    @property
    def rule_family(self) -> str | None:
        """"Read" or "Edit": which path rules cover this tool; None when it takes no path."""
        if not self.path_arguments:
            return None
        return self.path_rules or ("Read" if self.read_only else "Edit")

    def schema(self) -> dict:
        """The OpenAI `tools` entry for this tool."""
        return {"type": "function",
                "function": {"name": self.name, "description": self.description,
                             "parameters": self.parameters}}
