"""The hard floor: commands refused in every mode, bypassPermissions included, whatever the rules.

    rm -r (with or without -f) of /, home, the workspace, a system folder, or above them,
      also fed by `echo ~ | xargs rm -rf`
    chmod -R / chown -R of those (the workspace itself may be chmod-ed)
    find ... -delete / -exec under /, home or a system folder; rsync --delete into them;
      mv of them
    mkfs, wipefs, mkswap, blkdiscard, sgdisk, shred of /dev/*, dd of= or a redirection onto a
      disk (sdX, nvme, dm-N, /dev/mapper/*, md, loop)
    a fork bomb: a function that starts itself twice, piped or in the background, any name
    a download run as code: curl ... | sh (or busybox sh, or awk with system()),
      sh <(curl ...), bash -c "$(curl ...)"

Targets are resolved as a path would be (`~`, `~+`, `$HOME`, `..`, `x/*` names x; `~-`, the
previous folder, as the worst case) against the workspace, and a `cd` or `pushd` is followed
only when what comes after it is chained with `&&` (a failed `cd build; rm -rf *` would empty
the workspace). This is the second line: the sandbox (agent/permissions/sandbox.py) is the
first, where it works. Commands are read with
agent.permissions.shell_parse, so wrappers (`sudo rm -rf /`) and substitutions are seen through.
Not covered: words are judged before bash expands them (`rm -rf $(echo /)`, `/{usr,etc}`),
and a download saved and then run (`curl -o f url && sh f`) is not caught. A command of more
than 50,000 characters is refused as too long to check.
Claude Code counterpart: none as such; its sandbox and "dangerous command" checks.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from agent.permissions.shell_parse import SHELL, operands, analyze

MAX_CHECKED = 50_000
_DEVICE = r"/dev/(sd|hd|vd|xvd|nvme|mmcblk|r?disk|dm-|mapper/|md\d|loop\d|disk/)"
_FUNCTION = re.compile(r"(?:function)?([\w:.-]+)(?:\(\))?\{(.*?)\}")
_RUNNER = re.compile(SHELL + r"|python[\d.]*|perl|ruby|node|php|eval|source|\.|busybox")
_DISK_TOOLS = ("mkswap", "blkdiscard", "sgdisk", "sfdisk", "parted", "cryptsetup", "fdisk")
_SYSTEM_DIRS = frozenset("/bin /boot /dev /etc /home /lib /lib64 /opt /proc /root /sbin /srv /sys "
                         "/usr /var /Applications /Library /System /Users /Volumes".split())


def catastrophic(command: str, workspace: Path, home: Path) -> str | None:
    """Why a command is refused in every mode, or None. `$DIR` is not known."""
    if len(command) > MAX_CHECKED:  # the cd tracking below grows with the square of the pieces
        return f"too long to check ({len(command):,} characters; the floor reads up to {MAX_CHECKED:,})"
    if _bomb(re.sub(r"\s+", "", command)):
        return "a fork bomb (a function that starts itself twice, in the background or a pipe)"
    analysis = analyze(command)
    if "unparseable: nested too deeply" in analysis.risks:
        return "nested too deeply to check"
    ws, hm = os.path.normpath(workspace), os.path.normpath(home)
    cwds: list[str | None] = [ws]  # where the command may be: a cd can fail or run in a subshell
    within = lambda p, q: p == q or p.startswith(q.rstrip("/") + "/")  # noqa: E731 (p is in q)
    fetches = any(os.path.basename(p.words[0]) in ("curl", "wget") for p in analysis.pieces)
    downloaded = False  # a curl or wget piped into what follows
    last = max([m.start() for m in re.finditer(r"[;\n()]|\|\||(?<!&)&(?!&)", command)] or [-1])
    echoed: list[str] = []  # what `echo ~ |` feeds an `xargs rm -rf`
    for piece in analysis.pieces:
        cmd, args = os.path.basename(piece.words[0]), piece.words[1:]
        if cmd == "busybox" and args:  # `busybox sh` is sh
            cmd, args = os.path.basename(args[0]), args[1:]
        if os.path.basename(piece.raw.split()[0]) == "xargs" and not operands(args):
            args = (*args, *echoed)  # xargs adds what came down the pipe
        echoed = list(operands(args)) if cmd in ("echo", "printf") and re.search(
            re.escape(piece.raw) + r"\s*\|(?!\|)", command) else []
        if cmd in ("cd", "pushd", "popd"):  # sure of the new folder when all that follows is chained with &&, and
            before, _, rest = command.partition(piece.raw)  # not in a pipeline (a subshell)
            sure = re.match(r"\s*&&", rest) and last < len(before) and before.rstrip()[-1:] != "|"
            target = "-" if cmd == "popd" else (operands(args) or ["~"])[0]
            to = [None if target == "-" else _resolve(target, c, home) for c in cwds]
            cwds = to if sure else list(dict.fromkeys(cwds + to))[:8]  # the workspace stays
        vital = [t for t in operands(args) for c in cwds if (p := _resolve(t, c, home)) and (
            p in _SYSTEM_DIRS or within(hm, p) or within(ws, p) and (cmd == "rm" or p != ws))]
        cut = args.index("--") if "--" in args else len(args)
        starts = [a for a in args[:next((k for k, a in enumerate(args) if a[:1] == "-"), len(args))]]
        if cmd == "find" and any(a in args for a in ("-delete", "-exec", "-execdir")) and [
                t for t in starts for c in cwds if (p := _resolve(t, c, home)) and (
                    p in _SYSTEM_DIRS or within(hm, p) or p == "/")]:
            return f"a find that deletes under {starts[0][:60]}: root, home or a system folder"
        if cmd == "rsync" and any(a.startswith("--delete") for a in args) and operands(args) and \
                (p := _resolve(operands(args)[-1], cwds[0], home)) and (
                    p in _SYSTEM_DIRS or within(hm, p) or p == "/"):
            return f"an rsync --delete into {p[:60]}: root, home or a system folder"
        if cmd == "mv" and [t for t in operands(args)[:-1] for c in cwds if (
                p := _resolve(t, c, home)) and (p in _SYSTEM_DIRS or p == "/" or p == hm)]:
            return "a mv of root, home or a system folder"
        if vital and cmd in ("rm", "chmod", "chown", "chgrp") and any(
                len(a) > 2 and "--recursive".startswith(a) or re.fullmatch(r"-[a-zA-Z]+", a) and
                set(a) & set("rR" if cmd == "rm" else "R") for a in args[:cut]):
            return f"a recursive {cmd} of {vital[0][:60]}: root, home, workspace or a system folder"
        if (cmd == "mkfs" or cmd.startswith("mkfs.") or cmd in ("mke2fs", "wipefs") or
                cmd == "shred" and any(a.startswith("/dev/") for a in args) or
                cmd == "dd" and any(re.match("of=" + _DEVICE, a) for a in args) or
                cmd in ("tee", "cp") and any(re.match(_DEVICE, a) for a in args) or
                cmd in _DISK_TOOLS and any(a.startswith("/dev/") for a in args) or
                re.search(r">\|?\s*[\"']?" + _DEVICE, piece.raw)):
            return f"{cmd} would format or overwrite a disk"
        stdin = {"-s", "-", "/dev/stdin"} & set(args) or not operands(args)
        if _RUNNER.fullmatch(cmd) and (downloaded and stdin or fetches and re.search(
                r"\$\(|<\(|`", piece.raw)):  # `sh <(curl ...)`, `bash -c "$(curl ...)"`
            return f"a download run as code by {cmd}"
        if downloaded and re.fullmatch(r"[gnm]?awk", cmd) and "system" in piece.raw:
            return f"a download run as code by {cmd} (system())"
        downloaded = downloaded or cmd in ("curl", "wget") and bool(
            re.search(re.escape(piece.raw) + r"\s*\|(?!\|)", command))
    return None


def _bomb(text: str) -> bool:
    """A function (spaces removed) whose body starts itself twice, piped or in the background."""
    for found in _FUNCTION.finditer(text):
        name, body = found.group(1), found.group(2)
        calls = re.findall(r"(?<![\w:.-])" + re.escape(name) + r"(?![\w:.-])", body)
        if len(calls) >= 2 and re.search(r"[&|]", body):
            return True
    return False


def _resolve(target: str, cwd: str | None, home: Path) -> str | None:
    """The absolute path a target names (`x/*` names x), None when it depends on the run."""
    if re.match(r"~-(/|$)", target):  # the previous folder: unknown, so the worst is assumed
        return "/"
    target = re.sub(r"^(~\+|~|\$\{?HOME\}?|\$\{?PWD\}?)(?=/|$)",
                    lambda m: (cwd or "$") if "PWD" in m[0] or m[0] == "~+" else str(home), target)
    if "$" in target or "`" in target or cwd is None and not target.startswith("/"):
        return None
    target = re.sub(r"(/\.?\*)+$", "", os.path.join(cwd or "/", target))
    return "/" + os.path.normpath(target or "/").lstrip("/")
