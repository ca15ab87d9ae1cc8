"""The sandbox: commands the model runs are confined by the operating system, not by our reading.

Reading a shell command word by word cannot be made sound: bash expands, substitutes and
evaluates again after the harness has judged it (`echo '$(touch x)'; echo ${_@P}` runs
`touch`). So every command the harness runs for the model (Bash, and `` !`cmd` `` in custom
commands) runs inside bubblewrap, where the kernel holds the line:

    writable    the workspace (cwd and additionalDirectories), sandbox.filesystem.allowWrite,
                and $TMPDIR, a private folder kept for the session (in plan mode: nothing
                but a throwaway $TMPDIR); /tmp itself is read-only
    read-only   everything else; and inside the workspace .git/config, .git/hooks, .agent/,
                .claude/ and .env (a command cannot grant the next session anything, or run
                code through git); the ones that do not exist are held by an empty
                read-only placeholder while the command runs, then removed
    hidden      sandbox.filesystem.denyRead, and what a Read deny rule covers in the workspace
                (an empty folder or file in their place: `grep -r key .` skips `.env`)
    processes   a new PID namespace: the harness and its environment are not visible
    network     none (a new network namespace with only loopback), unless
                sandbox.network.allowedDomains is ["*"]; domain filtering is not built
    privileges  every capability dropped, also for root (root could remount / writable)

The environment is the scrubbed one (agent/config/settings.py: scrub_env). One sandbox is
kept for a turn's commands (agent/permissions/kept_sandbox.py: `warm` when the prompt comes,
`rest` when the turn ends), and a new one made when the walls change; background jobs live
to the end of the turn. Where it cannot be kept, each command gets one of its own.

With the sandbox on, a command that runs in it needs no question in default and acceptEdits
mode (sandbox.autoAllowBashIfSandboxed, on by default): the limits are the kernel's. Deny and
ask rules, the hard floor and the workspace check of named paths still apply first, and in
plan mode everything runs read-only. sandbox.excludedCommands (rule patterns) run outside it,
judged by the rules alone.

Where bubblewrap is missing or cannot start (no user namespaces), Landlock (kernel 5.13+,
agent/permissions/landlock.py) holds what it can: writes outside the workspace and TCP; a
command the rules cannot read then still asks. Without both, commands run unsandboxed. The
harness says which at start, in /permissions and in `agent doctor`; with
sandbox.failIfUnavailable it refuses to start without one. On macOS the same walls would be a
Seatbelt profile (agent/permissions/seatbelt.py), generated and checked, not run.
Not covered: per-domain network rules; resource limits (CPU, memory, disk).
Claude Code counterpart: the sandboxed Bash tool, `sandbox` settings, /sandbox.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from agent.config.sandbox_settings import SandboxSettings
from agent.permissions import landlock
from agent.permissions.kept_sandbox import KeptSandbox, SandboxUnavailable, remove_if_empty
from agent.tools.process import Spawn, popen

PROTECTED = (".git/config", ".git/hooks", ".agent", ".claude", ".env")
"""Inside each writable folder: read-only for commands (names compared without case)."""


@cache
def bubblewrap() -> tuple[str | None, str]:
    """(bwrap's path, "") when it can start a sandbox here, else (None, why not)."""
    path = shutil.which("bwrap")
    if path is None:
        return None, "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    try:
        done = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-pid", "--cap-drop", "ALL",
                               "--die-with-parent", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as err:
        return None, f"bubblewrap could not be run ({err})"
    if done.returncode:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no reason"]
        return None, f"bubblewrap cannot start a sandbox here ({why[0]})"
    return path, ""


@dataclass
class Sandbox:
    """How the session's commands run. `policy` gives the mode and the workspace."""

    policy: object
    settings: SandboxSettings = field(default_factory=SandboxSettings)
    tmp: Path | None = None
    """The session's private /tmp (None: a throwaway one per command)."""
    extra_writable: tuple[Path, ...] = ()
    """Besides cwd: the additional directories of the settings."""
    forced: bool | None = None
    """--sandbox (True) or --no-sandbox (False); None: the settings decide."""
    backend: str | None = None
    """"bubblewrap" or "landlock" only (tests); None: bubblewrap where it works, else Landlock."""
    keep: bool = True
    """Keep one bubblewrap sandbox for a turn's commands (agent/permissions/kept_sandbox.py);
    False: a sandbox of its own for each command."""
    kept: KeptSandbox | None = field(default=None, repr=False)
    kept_error: str = ""
    """Why the sandbox is no longer kept this session ("": it is, or was never needed)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def wanted(self) -> bool:
        if self.forced is not None:
            return self.forced
        return self.settings.enabled is not False

    @property
    def kind(self) -> str | None:
        """"bubblewrap", "landlock" (writes and TCP only), or None: commands run unsandboxed."""
        if not self.wanted:
            return None
        if self.backend in (None, "bubblewrap") and bubblewrap()[0] is not None:
            return "bubblewrap"
        if self.backend in (None, "landlock") and landlock.abi() >= 1:
            return "landlock"
        return None

    @property
    def active(self) -> bool:
        """Commands really run sandboxed."""
        return self.kind is not None

    def covers(self, command: str) -> bool:
        """This command runs in the sandbox (not excluded, and the sandbox works)."""
        if not self.active:
            return False
        from agent.permissions.rules import matches_command, normalize, parse

        text = " ".join(normalize(command).split())
        return not any(matches_command(parse("allow", f"Bash({p})", "sandbox", Path("/")), text)
                       for p in self.settings.excluded)

    def describe(self) -> str:
        """One line for the start, /permissions and `agent doctor`."""
        if not self.wanted:
            return "Sandbox: off (--no-sandbox or sandbox.enabled false): commands run unsandboxed."
        net = "network allowed" if self.settings.network else "no network"
        asks = "sandboxed commands run without a question" if self.settings.auto_allow else \
            "the rules still ask"
        if self.kind == "bubblewrap":
            alone = f" (a sandbox per command: {self.kept_error})" if self.kept_error else ""
            return f"Sandbox: bubblewrap{alone}; commands write only in the workspace, {net}; {asks}."
        if self.kind == "landlock":
            why = f" ({bubblewrap()[1]})" if bubblewrap()[1] else ""
            return (f"Sandbox: Landlock{why}; commands write only in the workspace, "
                    f"{'network allowed' if self.settings.network else 'no TCP'}; not held: the "
                    ".git/.agent/.claude/.env files inside it and the harness's environment; "
                    "a command the rules cannot read still asks.")
        return (f"Sandbox: unavailable, commands run unsandboxed: {bubblewrap()[1]}, and the "
                "kernel has no Landlock.")

    def writable(self) -> list[Path]:
        if self.policy.mode == "plan":
            return []
        return [Path(self.policy.cwd).resolve(), *(p.resolve() for p in self.extra_writable),
                *(p.resolve() for p in self.settings.allow_write)]

    @contextmanager
    def confine(self, command: str):
        """How to start `command` (a Spawn, agent/tools/process.py): in the kept sandbox,
        in a sandbox of its own, under Landlock, or plainly when the sandbox does not cover
        it. A sandbox of its own lives as long as the block, with its placeholders."""
        if not self.covers(command):
            yield popen
            return
        if self.kind == "landlock":
            tmp = self._tmp()[0]
            yield lambda argv, *rest: popen(landlock.command(
                argv, [str(p) for p in self.writable()], str(tmp), self.settings.network), *rest)
            return
        with self._lock:
            made: list[Path] = []
            args = self._bwrap(made)
            kept = self._kept_for(args, made)
        alone: list[Path] = []  # the placeholders of a sandbox of its own, if it came to that
        try:
            yield self._spawner(kept, args, made, alone)
        finally:  # its own sandbox may still be ending (a background job being killed)
            for path in reversed(alone):
                remove_if_empty(path, wait=1.0)

    def _spawner(self, kept: KeptSandbox | None, args: list[str], made: list[Path],
                 alone: list[Path]) -> Spawn:
        """Start in the kept sandbox; without one, or if it has stopped working, in one of
        its own (for the rest of the session: `kept_error` says why)."""
        def spawn(argv, cwd, env, *pipes):
            if kept is not None:
                try:
                    tmp = {"TMPDIR": str(self._tmp()[0])}
                    return kept.spawn(argv, Path(cwd).resolve(), {**(os.environ if env is None
                                                                     else env), **tmp}, *pipes)
                except SandboxUnavailable as err:
                    if not kept.closed:  # closed meanwhile (the walls changed): not a failure
                        self.kept_error = str(err)
                        self.rest()
            alone.extend(made)
            return popen([*args, "--die-with-parent", "--chdir", str(Path(cwd).resolve()), *argv],
                         cwd, env, *pipes)
        return spawn

    def _kept_for(self, args: list[str], made: list[Path]) -> KeptSandbox | None:
        """The kept sandbox with these walls: the running one, or a new one (the old one
        ended) when they changed. None when it cannot be kept here."""
        if self.kept_error or not self.keep:
            return None
        if self.kept is not None and self.kept.key == tuple(args) and self.kept.alive:
            return self.kept
        self.rest()
        try:
            self.kept = KeptSandbox.start(args, list(made))
        except SandboxUnavailable as err:
            self.kept_error = str(err)
        return self.kept

    def warm(self, prompt: str = "") -> None:
        """Start the kept sandbox now, so that it is ready by the first command (on_prompt:
        it starts while the model thinks)."""
        if self.kind == "bubblewrap" and self.covers("true"):
            with self._lock:
                made: list[Path] = []
                self._kept_for(self._bwrap(made), made)

    def rest(self, *_) -> None:
        """End the kept sandbox, its background jobs and its placeholders: at the end of a
        turn, and before the Stop hooks, which must not see the placeholders."""
        kept, self.kept = self.kept, None
        if kept is not None:
            kept.close()

    def _bwrap(self, made: list[Path]) -> list[str]:
        """bubblewrap's arguments, up to the command; `made` gets the placeholders they make."""
        args = [bubblewrap()[0], "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        tmp, lasting = self._tmp()
        if lasting:
            args += ["--bind", str(tmp), str(tmp)]
        else:  # plan mode: a temporary folder that is gone when the sandbox ends
            args += ["--tmpfs", str(tmp)]
        for root in self.writable():
            if root.is_dir():
                args += ["--bind", str(root), str(root)]
        for root in self.writable():
            args += self._protect(root, made)
        for path in self.settings.deny_write:
            args += ["--ro-bind-try", str(path), str(path)]
        for path in [*self.settings.deny_read, *self.read_denied()]:
            if path.is_dir():
                args += ["--tmpfs", str(path), "--remount-ro", str(path)]
            elif path.exists():
                args += ["--ro-bind", "/dev/null", str(path)]
        args += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--cap-drop", "ALL",
                 "--new-session", "--setenv", "TMPDIR", str(tmp)]
        if not self.settings.network:
            args.append("--unshare-net")
        return args

    def read_denied(self, limit: int = 20_000) -> list[Path]:
        """The files and folders under the workspace that a Read deny rule covers, to hide
        them from a command (`grep -r key .` with `Read(./.env)` denied). The walk skips
        dependency folders and stops after `limit` entries."""
        denied = getattr(self.policy, "read_denied", None)
        if denied is None or not self.policy.rules_of("deny", "Read", "Read"):
            return []
        from agent.tools.search import IGNORED_DIRS
        found, seen = [], 0
        for folder, dirs, files in os.walk(Path(self.policy.cwd).resolve()):
            dirs[:] = [d for d in dirs if d not in IGNORED_DIRS]
            for name in [*dirs, *files]:
                seen += 1
                if denied(Path(folder) / name):
                    found.append(Path(folder) / name)
            dirs[:] = [d for d in dirs if Path(folder, d) not in found]
            if seen > limit:
                break
        return found

    def _tmp(self) -> tuple[Path, bool]:
        """$TMPDIR: the session's own folder, kept between commands; in plan mode, or when it
        cannot be made, a throwaway one."""
        if self.tmp is not None and self.policy.mode != "plan":
            try:
                self.tmp.mkdir(mode=0o700, parents=True, exist_ok=True)
                return self.tmp, True
            except OSError:
                pass
        mount = Path(tempfile.gettempdir()) / f"agent-sandbox-{os.getuid()}"
        mount.mkdir(mode=0o700, exist_ok=True)
        return mount, False

    def _protect(self, root: Path, made: list[Path]) -> list[str]:
        """Read-only binds for the protected paths under root, every case spelling found on
        disk, and a placeholder for each canonical one that is missing."""
        args = []
        git = root / ".git"
        for rel in PROTECTED:
            if rel.startswith(".git/") and not (self._present(git) and git.is_dir()):
                continue  # no repository: .git itself is held below
            args += self._hold(root / rel, made, folder=not rel.endswith(("config", ".env")))
        if not self._present(git):
            args += self._hold(git, made, folder=True)
        for entry in _entries(root):  # `.GIT`, `.Env`: the same file on a case-blind disk
            if entry.name.lower() in (".git", ".agent", ".claude", ".env") and entry.name not in \
                    (".git", ".agent", ".claude", ".env"):
                args += ["--ro-bind", str(entry), str(entry)]
        return args

    def _present(self, path: Path) -> bool:
        """On disk, and not a placeholder of the kept sandbox still as it was made: the walls
        of the next command must not depend on the placeholders of the last one."""
        if not (path.exists() or path.is_symlink()):
            return False
        return self.kept is None or path not in self.kept.placeholders or not _empty(path)

    def _hold(self, path: Path, made: list[Path], folder: bool) -> list[str]:
        if self._present(path):
            return ["--ro-bind", str(path), str(path)]
        if not path.parent.is_dir():
            return []
        made.append(path)
        if folder:
            return ["--tmpfs", str(path), "--remount-ro", str(path)]
        return ["--ro-bind", "/dev/null", str(path)]


def _empty(path: Path) -> bool:
    """A placeholder still as it was made (an empty folder, an empty file)."""
    try:
        return not any(path.iterdir()) if path.is_dir() else path.stat().st_size == 0
    except OSError:
        return False


def _entries(root: Path) -> list[Path]:
    try:
        return list(root.iterdir())
    except OSError:
        return []
