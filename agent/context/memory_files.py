"""Memory files: the instructions a user and a project leave for the agent, and their imports.

    ~/.agent/AGENT.md  AGENTS.md  CLAUDE.md            the user's own, for every project
    <repo root>/AGENT.md ... <cwd>/AGENT.md            the project's, root first, cwd last
    *.local.md beside each (AGENT.local.md, ...)       personal notes, not committed

Later files are more specific, so they come later in the prompt. A line may import another
file with `@path/to/file.md`: the path is relative to the importing file (`~/` for home),
imports may nest at most 4 hops deep, each file is read once, and an `@` inside a code span
(`like @this`) or a fenced code block is text, not an import. Every file is capped with a
stated note when cut.

Subfolders below the working directory load later: `SubfolderMemory` is a guard (agent.loop.turn)
that, when a tool first touches a path in a folder below cwd (Read, Write, Edit `file_path`;
Glob, Grep `path`), appends the memory files of each folder from cwd down to it to that
tool's result, in a `<memory-file path="...">` block. Appended, not written into the system
prompt: the prompt prefix stays the same (agent/compact/window.py). Compaction keeps these blocks when
it masks a result and puts them back after a summary (agent/compact/ladder.py).
`INIT_PROMPT` is what /init asks the model to do.
Not covered: paths named inside Bash commands (only the tools' path arguments are looked at).
Claude Code counterpart: CLAUDE.md memory with `@` imports, and nested CLAUDE.md files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from agent.config.paths import data_folder
from agent.model.types import BadArguments, ToolCall, parse_arguments

NAMES = ("AGENT.md", "AGENTS.md", "CLAUDE.md")
LOCAL_NAMES = tuple(name.replace(".md", ".local.md") for name in NAMES)
CAP = 20_000  # characters per file
MAX_HOPS = 4
IMPORT = re.compile(r"(?<![\w`@])@((?:~/|\.{1,2}/|/)?[\w.\-/]+\.\w+)")
CODE_SPAN = re.compile(r"`+[^`]*`+")


@dataclass(frozen=True)
class MemoryFile:
    """One loaded file: where it is, its (capped) text, and which file imported it."""

    path: Path
    text: str
    imported_from: Path | None = None


def discover(cwd: Path, root: Path, home: Path) -> list[Path]:
    """The memory files in load order: the user's folder, then root down to cwd."""
    folders = [cwd, *cwd.parents]
    folders = folders[: folders.index(root) + 1] if root in folders else [cwd]
    found = [data_folder(home) / name for name in NAMES + LOCAL_NAMES]
    found += [folder / name for folder in reversed(folders) for name in NAMES + LOCAL_NAMES]
    return [p for p in found if is_file(p)]


def imports(text: str) -> list[str]:
    """The `@path` imports of a text, outside code spans and fenced code blocks."""
    found, in_fence = [], False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if not in_fence:
            found += IMPORT.findall(CODE_SPAN.sub("", line))
    return found


def is_file(path: Path) -> bool:
    """Path.is_file, but a path in a folder the user cannot enter is no file (Path.is_file
    raises PermissionError there: a locked folder must not stop a session)."""
    try:
        return path.is_file()
    except OSError:
        return False


def read_capped(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:  # a file the user may not read: said in its place
        return f"[not read: {err.strerror or err}]"
    if len(text) > CAP:
        text = (text[:CAP] + f"\n[... cut: {path.name} is {len(text):,} characters, "
                f"the first {CAP:,} are shown]")
    return text.strip()


def load(paths: list[Path], home: Path, seen: set[Path] | None = None,
         confine: Path | None = None) -> list[MemoryFile]:
    """Read the files and, after each, the files it imports (depth first, each file once;
    `seen` holds the files already read, and gets the new ones). `confine`: an untrusted
    project; its files, and what they import, are read only where they resolve inside it (a
    committed `AGENT.md -> /proc/self/environ` or `@~/.config/gh/hosts.yml` is not)."""
    loaded: list[MemoryFile] = []
    seen = set() if seen is None else seen
    box = confine.resolve() if confine else None

    def visit(path: Path, hops: int, importer: Path | None, boxed: bool) -> None:
        boxed = boxed or box is not None and path.absolute().is_relative_to(box)
        path = path.resolve()
        if path in seen or not is_file(path):
            return
        seen.add(path)
        if boxed and not path.is_relative_to(box):
            loaded.append(MemoryFile(path, f"[not read: it is outside the project {box}, which "
                                           "is not trusted; trust it to read this file]", importer))
            return
        text = read_capped(path)
        loaded.append(MemoryFile(path, text, importer))
        if hops == MAX_HOPS:
            return
        for target in imports(text):
            base = home if target.startswith("~/") else path.parent
            visit(base / target.removeprefix("~/"), hops + 1, path, boxed)

    for path in paths:
        visit(path, 0, None, False)
    return loaded


def render(files: list[MemoryFile]) -> str:
    """The memory section of the system prompt: each file with its path."""
    blocks = []
    for f in files:
        origin = f" (imported by {f.imported_from})" if f.imported_from else ""
        blocks.append(f"Contents of {f.path}{origin}:\n\n{f.text}")
    return "\n\n".join(blocks)


INIT_PROMPT = """\
Survey this project and write a starter AGENT.md at the root of the working directory: the \
instructions a new engineer (or a future session of yours) needs before changing anything.

Look first: list the files (Glob), read the README, the build and package files \
(pyproject.toml, package.json, Makefile, ...), and a few central modules. Then write, briefly:
- what the project is, in two or three sentences;
- the commands to install, build, lint and run the tests, including one single test;
- the layout: the main folders and modules, and how a request flows through them;
- the conventions you see (style, naming, error handling, how tests are written).

Keep it under 60 lines and specific to this project: no generic advice. If AGENT.md, \
AGENTS.md or CLAUDE.md exists already, read it and improve it rather than starting over. \
The file is read at the start of the next session."""

PATH_ARGUMENTS = ("file_path", "path")


class SubfolderMemory:
    """A guard: the memory files of a folder below cwd, appended to the result of the first
    tool call that touches it. `startup` are the files already in the system prompt."""

    def __init__(self, cwd: Path, home: Path, startup: list[MemoryFile],
                 confine: Path | None = None):
        self.cwd, self.home, self.confine = cwd.resolve(), home, confine
        self.startup = startup
        self.loaded: list[tuple[Path, MemoryFile]] = []  # (the folder touched, a file it loaded)
        self._seen_files = {f.path for f in startup}
        self._seen_folders: set[Path] = set()

    def __call__(self, call: ToolCall, result: str, is_error: bool = False) -> str:
        new = [(folder, f) for folder in self.folders(call) for f in self.visit(folder)]
        self.loaded += new
        return result + "".join(block(f, folder) for folder, f in new)

    def folders(self, call: ToolCall) -> list[Path]:
        """The folders from below cwd down to the one the call touches (empty when none)."""
        try:
            args = parse_arguments(call.arguments)
        except BadArguments:
            return []
        raw = next((args[k] for k in PATH_ARGUMENTS if isinstance(args.get(k), str) and args[k]),
                   None)
        if raw is None:
            return []
        target = Path(raw).expanduser()
        target = (target if target.is_absolute() else self.cwd / target).resolve()
        try:
            folder = target if target.is_dir() else target.parent
        except OSError:  # inside a folder the user cannot enter: its parent is as far as we see
            folder = target.parent
        if folder == self.cwd or self.cwd not in folder.parents:
            return []
        below = [folder, *folder.parents]
        return list(reversed(below[:below.index(self.cwd)]))

    def visit(self, folder: Path) -> list[MemoryFile]:
        if folder in self._seen_folders:
            return []
        self._seen_folders.add(folder)
        paths = [folder / name for name in NAMES + LOCAL_NAMES if is_file(folder / name)]
        return load(paths, self.home, self._seen_files, self.confine)

    def text(self) -> str:
        """The subfolder files loaded so far, as blocks (put back after a summary)."""
        return "".join(block(f, folder) for folder, f in self.loaded).strip()

    def forget(self) -> None:
        """After /clear: the blocks left with the history, so the folders count as new."""
        self.loaded.clear()
        self._seen_folders.clear()
        self._seen_files = {f.path for f in self.startup}


def block(f: MemoryFile, folder: Path) -> str:
    """One memory file appended to a tool result. The opening matches compact.MEMORY_MARK."""
    origin = f' imported-by="{f.imported_from}"' if f.imported_from else ""
    return (f'\n\n<memory-file path="{f.path}"{origin}>\nInstructions for work in {folder}; '
            f"follow them there:\n{f.text}\n</memory-file>")
