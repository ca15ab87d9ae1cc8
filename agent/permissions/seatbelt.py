"""The macOS counterpart of the bubblewrap sandbox: a Seatbelt profile for `sandbox-exec`.

    sandbox-exec -p "$(profile)" bash -c COMMAND

The same walls as agent/permissions/sandbox.py draws on Linux: read everywhere, write only
under the workspace but not its protected paths, network only when allowed. Generated and
checked by the tests here (tests/permissions/test_sandbox.py); it has not run on a Mac.
Not covered: running it (the harness does not call sandbox-exec yet); hiding the harness's
environment, which Seatbelt has no namespace for.
Claude Code counterpart: its macOS sandbox, which uses Seatbelt.
"""

from __future__ import annotations

from pathlib import Path


def seatbelt_profile(writable: list[Path], protected: list[Path], network: bool) -> str:
    """The macOS Seatbelt profile (for `sandbox-exec -p PROFILE bash -c CMD`) that matches
    the bubblewrap sandbox: read everywhere, write only under `writable` but not `protected`."""
    def q(path: Path) -> str:
        return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = ["(version 1)", "(deny default)", "(allow process-fork)", "(allow process-exec)",
             "(allow signal (target same-sandbox))", "(allow sysctl-read)", "(allow mach-lookup)",
             "(allow file-read*)", "(allow file-write* (literal \"/dev/null\") (literal \"/dev/tty\"))"]
    if writable:
        lines.append("(allow file-write* " + " ".join(f"(subpath {q(p)})" for p in writable) + ")")
    if protected:
        lines.append("(deny file-write* " + " ".join(f"(subpath {q(p)})" for p in protected) + ")")
    if network:
        lines.append("(allow network*)")
    return "\n".join(lines) + "\n"
