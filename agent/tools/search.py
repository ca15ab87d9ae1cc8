"""Glob and Grep: find files by name and by content without flooding the context.

Glob walks the tree, matches each file's path against the pattern and lists the newest files
first (what the model touched recently is usually what matters), at most 100 of them.
Grep runs ripgrep when `rg` is on the session's PATH, and otherwise a pure-Python search with
the same output, line for line: `path:line:text` for matches, `path-line-text` for context,
`--` between groups, files in ripgrep's `--sort path` order. Both skip `.git`, dependency and
cache folders (IGNORED_DIRS) and binary files, and both search hidden files.

With `--listing toon` both answer in TOON-style rows instead (agent/tools/listing.py).
Paths in results are relative to the working directory when they are under it, absolute
otherwise (Claude Code's Glob prints absolute paths; relative ones cost fewer tokens and Read
accepts both).

Simplified: a glob is matched on `/`-separated paths (`*` and `?` stay within one folder, `**/`
spans folders, `{a,b}` is either); Grep's `glob` matches the file name, or the path relative to
the working directory when it contains a `/`. The regex dialect is ripgrep's (Rust regex) with
rg and Python's `re` without it: the common syntax is the same, but look-around and
backreferences work only in Python, `\\p{Greek}`-style classes only in rg. ripgrep also honours
.gitignore in git repositories; the fallback does not. The fallback (agent/tools/grep_python.py)
runs in a child process with a time budget and skips files over 10 MB, saying so.
Not covered: Claude Code's Grep `type`, `multiline` and `offset` parameters.
Claude Code counterpart: the Glob and Grep tools.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from agent.tools import Tool, ToolContext, ToolError
from agent.tools.capping import cap
from agent.tools.files import MAX_LINE_CHARS, check_regular, int_arg
from agent.tools.listing import grep_listing, inline

IGNORED_DIRS = frozenset({".git", "node_modules", "__pycache__", ".venv", "venv", ".mypy_cache",
                          ".pytest_cache", ".tox", "dist", "build", ".idea"})
MAX_GLOB_RESULTS = 100
RG_TIMEOUT_S = 60
MODES = ("files_with_matches", "content", "count")


def _rg(ctx: ToolContext) -> str | None:
    """ripgrep on the session's PATH, or None: then Grep searches with Python."""
    return shutil.which("rg", path=None if ctx.env is None else ctx.env.get("PATH", ""))


def shown_path(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return str(path)


_GLOB = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
_BRACES = {"{": ("(?:", 1), "}": (")", -1), ",": ("|", 0)}


def glob_regex(pattern: str) -> re.Pattern:
    """A glob as a regex for whole `/`-separated paths."""
    out, depth = [], 0
    for token in re.findall(r"\*\*/|\*\*|\[!?[^]]+\]|.", pattern, re.DOTALL):
        if token in _BRACES and (depth or token == "{"):  # `,` and `}` are plain outside {}
            out.append(_BRACES[token][0])
            depth += _BRACES[token][1]
        elif token.startswith("[") and len(token) > 1:
            out.append("[^" + token[2:] if token.startswith("[!") else token)
        else:
            out.append(_GLOB.get(token) or re.escape(token))
    try:
        return re.compile("".join(out))
    except re.error:
        raise ToolError(f"{pattern!r} is not a valid glob (check its brackets and braces).") \
            from None


def walk(root: Path) -> Iterator[Path]:
    """Files under root, depth first, each folder's entries by name (ripgrep's --sort path
    order), skipping IGNORED_DIRS and not following symlinks."""
    try:
        with os.scandir(root) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:  # unreadable folder: skip it, as rg does
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in IGNORED_DIRS:
                yield from walk(Path(entry.path))
        elif entry.is_file(follow_symlinks=False):
            yield Path(entry.path)


def _check_listable(folder: Path, shown: str) -> None:
    """A folder the user cannot list is an error, not "nothing found"."""
    if folder.is_dir() and not os.access(folder, os.R_OK | os.X_OK):
        raise ToolError(f"permission denied: {shown} (the user the harness runs as may not "
                        f"list this folder); search another one, or ask the user.")


def readable(path: Path, ctx: ToolContext) -> bool:
    """The rules let the model read this file (a Read deny rule covers it: left out)."""
    return ctx.readable is None or ctx.readable(path.resolve())


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # deleted since the walk
        return 0


def glob(args: dict, ctx: ToolContext) -> str:
    pattern = args["pattern"]
    base = ctx.resolve(args["path"]) if args.get("path") else ctx.cwd.resolve()
    if Path(pattern).is_absolute():  # models often write the folder into the pattern
        parts = Path(pattern).parts
        i = next((k for k, p in enumerate(parts) if any(c in p for c in "*?[{")), len(parts) - 1)
        base, pattern = Path(*parts[:i]).resolve(), "/".join(parts[i:])
    if not base.is_dir():
        raise ToolError(f"{base} is not a directory. Give Glob a folder as path.")
    _check_listable(base, str(base))
    regex, cwd = glob_regex(pattern), ctx.cwd.resolve()
    found = [p for p in walk(base) if regex.fullmatch(p.relative_to(base).as_posix())
             and readable(p, ctx)]
    if not found:
        return "No files found"
    found.sort(key=_mtime, reverse=True)  # stable: equal times keep path order
    lines = [shown_path(p, cwd) for p in found[:MAX_GLOB_RESULTS]]
    if ctx.listing == "toon":
        lines = [inline("files", lines)]
    if len(found) > MAX_GLOB_RESULTS:
        lines.append(f"({len(found) - MAX_GLOB_RESULTS} more not shown; narrow the pattern)")
    return cap("\n".join(lines), ctx.max_result_chars)


@dataclass(frozen=True)
class Search:
    """One Grep request, checked, for either engine."""

    pattern: str
    root: Path
    mode: str
    ignore_case: bool
    numbers: bool
    before: int
    after: int
    glob: str | None


def _grep_rg(rg: str, q: Search, ctx: ToolContext) -> list[str]:
    target = shown_path(q.root, ctx.cwd.resolve())
    cmd = [rg, "--hidden", "--no-heading", "--with-filename", "--color", "never",
           "--sort", "path", "--no-messages", "--null"]  # NUL after each path: split exactly
    if q.ignore_case:
        cmd.append("-i")
    if q.mode == "files_with_matches":
        cmd.append("--files-with-matches")
    elif q.mode == "count":
        cmd.append("--count")
    else:
        cmd += ["-n", f"--before-context={q.before}",  # the number tells a match (:) from
                f"--after-context={q.after}"]                # context (-) after --null
    if q.glob:
        cmd += ["--glob", q.glob]
    cmd += [f"--glob=!{name}/" for name in sorted(IGNORED_DIRS)]  # after: the last match wins
    cmd += ["-e", q.pattern, "--", target]
    try:
        done = subprocess.run(cmd, cwd=ctx.cwd, env=ctx.env, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=RG_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ToolError(f"Grep took over {RG_TIMEOUT_S} s; narrow the path or the glob.") from None
    if done.returncode == 2 and not done.stdout:  # 1 is "no match"; 2 is an error
        raise ToolError(f"rg failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return _rg_lines(done.stdout.decode("utf-8", "replace"), q, target, ctx)


def _rg_lines(out: str, q: Search, target: str, ctx: ToolContext) -> list[str]:
    """rg's --null output as the usual lines, without the files the rules forbid reading.
    rg prints "./x" for a search of "."; the fallback (and Glob) print "x"."""
    def shown(path: str) -> str:
        return path[2:] if target == "." and path.startswith("./") else path

    judged: dict[str, bool] = {}  # once per file, not per matching line (a resolve each)

    def allowed(path: str) -> bool:
        if path not in judged:
            judged[path] = readable(ctx.cwd / path, ctx)
        return judged[path]
    if q.mode == "files_with_matches":  # each path ends in NUL, no newline
        return [shown(p) for p in out.split("\0")[:-1] if allowed(p)]
    lines = []
    for line in out.split("\n")[:-1]:
        path, nul, rest = line.partition("\0")
        if not nul:  # "--" between groups
            lines.append(line)
        elif allowed(path):
            if q.mode == "count":
                lines.append(f"{shown(path)}:{rest}")
            else:
                number, sep, text = re.match(r"(\d+)([:-])(.*)", rest, re.DOTALL).groups()
                lines.append(f"{shown(path)}{sep}{number + sep if q.numbers else ''}{text}")
    # a file left out may leave its group's separators behind
    return [line for i, line in enumerate(lines) if line != "--" or
            0 < i < len(lines) - 1 and lines[i - 1] != "--"]


def grep(args: dict, ctx: ToolContext) -> str:
    root = ctx.resolve(args["path"]) if args.get("path") else ctx.cwd.resolve()
    if not root.exists():
        raise ToolError(f"{args['path']} does not exist. Check the path with Glob.")
    _check_listable(root, args.get("path") or ".")
    if not root.is_dir():
        check_regular(root.stat(), args["path"])  # rg would wait on a FIFO for ever
    mode = args.get("output_mode") or "files_with_matches"
    if mode not in MODES:
        raise ToolError(f"output_mode must be one of {', '.join(MODES)}; got {mode!r}.")
    context = int_arg(args, "-C", 0, minimum=0)
    q = Search(pattern=args["pattern"], root=root, mode=mode, ignore_case=bool(args.get("-i")),
               numbers=bool(args.get("-n", True)), glob=args.get("glob") or None,
               before=int_arg(args, "-B", context, minimum=0),
               after=int_arg(args, "-A", context, minimum=0))
    from agent.tools.grep_python import grep_python  # it imports this module: here, not above
    rg = _rg(ctx)
    lines, notes = (_grep_rg(rg, q, ctx), []) if rg else grep_python(q, ctx)
    if not lines:
        return "\n".join(["No matches found", *notes])
    lines = [line.rstrip("\r") if len(line) <= MAX_LINE_CHARS
             else f"{line[:MAX_LINE_CHARS]} [... line cut]" for line in lines]
    head_limit, more = int_arg(args, "head_limit", 0, minimum=0), []
    if head_limit and len(lines) > head_limit:
        more = [f"[{len(lines) - head_limit} more lines not shown; raise head_limit or narrow "
                "the search]"]
        lines = lines[:head_limit]
    if ctx.listing == "toon" and (q.numbers or q.mode != "content"):
        lines = [grep_listing(lines, q.mode)]
    return cap("\n".join(lines + more + notes), ctx.max_result_chars)


GLOB = Tool(
    name="Glob",
    description=(
        "Find files by name pattern, e.g. \"**/*.py\" (any depth), \"src/*.ts\" (one folder), "
        "\"**/test_*.{py,js}\". The pattern is matched against paths relative to `path` "
        "(default: the working directory). Lists up to 100 files, most recently modified "
        "first; skips .git, node_modules, virtualenvs, caches, dist and build folders. Use it "
        "to find files; use Grep to search inside them."),
    parameters={
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "The glob to match file paths against."},
            "path": {"type": "string", "description": "The folder to search (default: cwd)."},
        },
        "required": ["pattern"],
    },
    run=glob,
    read_only=True,
    alongside=True,
    path_parameters=("path", "pattern"),  # `/etc/*` and `../*` reach outside: judged as paths
)

GREP = Tool(
    name="Grep",
    description=(
        "Search file contents with a regular expression (ripgrep syntax, e.g. \"def \\w+\", "
        "\"log.*Error\"; escape literal braces and dots). output_mode: \"files_with_matches\" "
        "(default, one path per line), \"content\" (matching lines as path:line:text, with "
        "-A/-B/-C context lines), \"count\" (path:matching lines). Filter files with glob "
        "(e.g. \"*.py\", \"*.{ts,tsx}\"); limit the output with head_limit. Skips binary files, "
        ".git and dependency folders. Use this instead of grep or rg in Bash."),
    parameters={
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "The regular expression to search for."},
            "path": {"type": "string", "description": "File or folder to search (default: cwd)."},
            "glob": {"type": "string", "description": "Only search files matching this glob."},
            "output_mode": {"type": "string", "enum": list(MODES),
                            "description": "What to show (default files_with_matches)."},
            "-i": {"type": "boolean", "description": "Case-insensitive search."},
            "-n": {"type": "boolean", "description": "Line numbers in content (default true)."},
            "-A": {"type": "integer", "description": "Lines to show after each match."},
            "-B": {"type": "integer", "description": "Lines to show before each match."},
            "-C": {"type": "integer", "description": "Lines before and after each match."},
            "head_limit": {"type": "integer", "description": "Show only the first N lines."},
        },
        "required": ["pattern"],
    },
    run=grep,
    read_only=True,
    alongside=True,
)
