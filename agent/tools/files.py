"""Read, Write and Edit: the file tools, and the rule that keeps edits honest.

Read numbers the lines like `cat -n`, so the model can point at them, and pages through long
files with offset/limit. Write and Edit refuse to touch an existing file the model has not
read in this session, or that changed on disk since it read it (the user saved it, a formatter
ran, a command rewrote it): an edit made against a stale picture of the file silently undoes
someone else's work. `ctx.read_files` remembers each file's (mtime_ns, size) when the model
last read or wrote it; a difference means "read it again".

Edit replaces an exact string, which must be unique unless replace_all is set: the model
quotes the text it wants changed, so a wrong guess fails loudly instead of editing the wrong
place. The file's other bytes are kept, CRLF line endings included.

What a file is, and how big, is known before a byte is read (`read_checked`): FIFOs, sockets
and devices are refused (a FIFO blocks, /dev/zero never ends), and so are files over 10 MB.

Simplified: the freshness check compares mtime and size, not content; text is UTF-8 (Read
shows other bytes as U+FFFD, Edit refuses non-UTF-8 files).
Not covered: images, PDFs and notebooks (Claude Code's Read shows them), other encodings,
creating a file with an empty old_string.
Claude Code counterpart: the Read, Write and Edit tools.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import stat
import tempfile
from pathlib import Path

from agent.tools import Tool, ToolContext, ToolError
from agent.tools.capping import cap

MAX_FILE_BYTES = 10 * 1024 * 1024
DEFAULT_LIMIT = 2000
MAX_LINE_CHARS = 2000
BINARY_SNIFF_BYTES = 8192


def int_arg(args: dict, key: str, default: int, minimum: int = 1) -> int:
    """A whole-number argument; models sometimes send "10" for 10, which is accepted."""
    value = args.get(key)
    if value is None:
        return default
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ToolError(f"{key} must be a whole number, got {value!r}.") from None
    if n < minimum:
        raise ToolError(f"{key} must be at least {minimum}, got {n}.")
    return n


def write_safely(path: Path, data: bytes, ctx: ToolContext) -> None:
    """Replace a file so that a failure at any point leaves the old one whole: the bytes go to
    a temporary file beside it, are flushed to disk, and the temporary file is renamed over
    the original (which keeps its mode). The checkpoint is saved first. OSError says why."""
    if ctx.before_write is not None:
        ctx.before_write(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:  # a full disk, a file size limit, Ctrl-C: the original stays
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


KINDS = {stat.S_IFIFO: "a FIFO (a named pipe)", stat.S_IFSOCK: "a socket",
         stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device"}


def check_regular(st: os.stat_result, shown: str) -> None:
    """Refuse what is not a regular file: a FIFO blocks until a writer comes, /dev/zero and
    /dev/urandom never end."""
    if not stat.S_ISREG(st.st_mode):
        kind = KINDS.get(stat.S_IFMT(st.st_mode), "not a file")
        raise ToolError(f"{shown} is {kind}, not a regular file; the file tools only take "
                        f"regular files (reading it could block or never end). Use Bash with a "
                        f"limit if you need it, e.g. `timeout 5 head -c 2000 {shown}`.")


def read_checked(path: Path, shown: str, tool: str) -> tuple[bytes, tuple[int, int]]:
    """A regular file's bytes and its (mtime_ns, size), checked before anything is read: its
    kind and its size (MAX_FILE_BYTES) by stat. Opened without blocking, so that a FIFO put
    in its place after the check is refused too, not waited on."""
    check_regular(os.stat(path), shown)
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as f:
        st = os.fstat(f.fileno())
        check_regular(st, shown)
        if st.st_size > MAX_FILE_BYTES:
            raise ToolError(f"{shown} is {st.st_size / 1e6:.1f} MB, over {tool}'s 10 MB limit. "
                            f"Look inside with Grep, or Bash (`head -n 100`, `sed -n "
                            f"'500,600p'`{', `sed -i`' if tool == 'Edit' else ''}).")
        return f.read(), (st.st_mtime_ns, st.st_size)


def _existing_file(path: Path, shown: str) -> None:
    if path.is_dir():
        raise ToolError(f"{shown} is a directory, not a file. Use Glob or Bash `ls` to list it.")
    if not path.exists():
        raise ToolError(f"{shown} does not exist. Check the path with Glob.")


def _check_fresh(path: Path, shown: str, ctx: ToolContext) -> None:
    """Refuse to change a file the model has not read, or that changed since it did."""
    if path not in ctx.read_files:
        raise ToolError(f"{shown} has not been read in this session. Read it first, then "
                        f"make the change.")
    if _stamp(path) != ctx.read_files[path]:
        raise ToolError(f"{shown} has changed on disk since it was last read (by the user or a "
                        f"command). Read it again before changing it.")


def read(args: dict, ctx: ToolContext) -> str:
    shown = args["file_path"]
    path = ctx.resolve(shown)
    _existing_file(path, shown)
    # subtle: small models send offset 0 for "from the start" (0-based habits); read it so.
    offset = max(int_arg(args, "offset", 1, minimum=0), 1)
    limit = int_arg(args, "limit", DEFAULT_LIMIT)
    # subtle: stamped before reading; if the file changes in between, the next check sees it.
    data, stamp = read_checked(path, shown, "Read")
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        raise ToolError(f"{shown} looks binary (it has NUL bytes); Read shows text only. "
                        f"Use Bash (`file`, `xxd | head`) to inspect it.")
    # universal newlines, as a text-mode open reads: \r\n and \r end lines
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    ctx.read_files[path] = stamp
    if not text:
        return f"{shown} is empty."
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if offset > len(lines):
        raise ToolError(f"offset {offset} is past the end: {shown} has {len(lines)} lines.")
    out, size = [], 0
    for n, line in enumerate(lines[offset - 1:offset - 1 + limit], start=offset):
        if len(line) > MAX_LINE_CHARS:
            n_cut = len(line) - MAX_LINE_CHARS
            line = f"{line[:MAX_LINE_CHARS]} [... line cut: {n_cut:,} more characters]"
        size += len(line) + 8
        if out and size > ctx.max_result_chars - 100:  # whole lines only, and room for the note
            break
        out.append(f"{n:6}\t{line}")
    last = offset + len(out) - 1
    if offset > 1 or last < len(lines):
        note = f"[lines {offset}-{last} of {len(lines)} shown"
        out.append(note + (f"; call Read with offset={last + 1} to continue]"
                           if last < len(lines) else "]"))
    return cap("\n".join(out), ctx.max_result_chars)


def write(args: dict, ctx: ToolContext) -> str:
    shown, content = args["file_path"], args["content"]
    if not isinstance(content, str):
        raise ToolError("content must be a string (the whole new file).")
    path = ctx.resolve(shown)
    existed = path.exists()
    if path.is_dir():
        raise ToolError(f"{shown} is a directory; give the path of a file.")
    if existed:
        check_regular(path.stat(), shown)
    if existed:
        _check_fresh(path, shown, ctx)
    try:
        write_safely(path, content.encode("utf-8", "surrogatepass"), ctx)  # no \n translation
    except OSError as e:
        raise ToolError(f"could not write {shown}: {e.strerror or e}; "
                        f"{'the file is as it was' if existed else 'nothing was written'}.") from None
    ctx.read_files[path] = _stamp(path)
    n_lines = content.count("\n") + (0 if content.endswith("\n") or not content else 1)
    return (f"{'Overwrote' if existed else 'Created'} {shown} "
            f"({n_lines} line{'' if n_lines == 1 else 's'})")


def _not_found(text: str, old: str, shown: str) -> ToolError:
    """old_string is missing: say so, with a hint at the usual causes."""
    message = f"old_string was not found in {shown}."
    if re.match(r"\s*\d+\t", old):
        message += " It starts with a line number: leave out Read's `     N<tab>` prefix."
    elif " ".join(old.split()) in " ".join(text.split()):
        message += (" It would match if whitespace were ignored: copy the indentation (tabs "
                    "or spaces) and line breaks exactly as Read shows them.")
    return ToolError(message + " Read the file again if unsure of its current text.")


def edit(args: dict, ctx: ToolContext) -> str:
    shown, old, new = args["file_path"], args["old_string"], args["new_string"]
    replace_all = bool(args.get("replace_all", False))
    if not old:
        raise ToolError("old_string is empty. To create a file use Write; to insert text, "
                        "quote a nearby line in old_string and repeat it in new_string.")
    if old == new:
        raise ToolError("old_string and new_string are the same; there is nothing to change.")
    path = ctx.resolve(shown)
    _existing_file(path, shown)
    check_regular(path.stat(), shown)
    _check_fresh(path, shown, ctx)
    try:
        # as bytes: \r\n stays as it is, so the rest of the file is written back unchanged.
        text = read_checked(path, shown, "Edit")[0].decode("utf-8")
    except UnicodeDecodeError:
        raise ToolError(f"{shown} is not UTF-8 text; Edit cannot change it safely. "
                        f"Use Bash (e.g. sed) instead.") from None
    if "\r\n" in text and "\r" not in old:
        # The model saw Read's lines without \r; speak the file's line endings for it.
        old, new = old.replace("\n", "\r\n"), new.replace("\n", "\r\n")
    count = text.count(old)
    if count == 0:
        raise _not_found(text, old, shown)
    if count > 1 and not replace_all:
        raise ToolError(f"old_string matches {count} times in {shown}. Add surrounding lines "
                        f"to make it unique, or set replace_all to true to change all {count}.")
    updated = text.replace(old, new) if replace_all else text.replace(old, new, 1)
    try:
        write_safely(path, updated.encode("utf-8", "surrogatepass"), ctx)
    except OSError as e:
        raise ToolError(f"could not write {shown}: {e.strerror or e}; the file is as it "
                        "was.") from None
    ctx.read_files[path] = _stamp(path)
    n = count if replace_all else 1
    diff = difflib.unified_diff(text.splitlines(), updated.splitlines(), f"a/{shown}",
                                f"b/{shown}", n=2, lineterm="")
    header = f"Edited {shown}: {n} replacement{'s' if n > 1 else ''}."
    return cap(header + "\n" + "\n".join(diff), min(ctx.max_result_chars, 4000))


_FILE_PATH = {"type": "string", "description": "The file: absolute, or relative to the cwd."}

READ = Tool(
    name="Read",
    description=(
        "Read a text file. Lines come numbered like `cat -n` (the number, a tab, the line); "
        "the number is not part of the file. Up to 2000 lines per call (fewer if they are long); "
        "for more, use offset (the 1-based line to start at) and limit, as the note at the end "
        "says. Lines over "
        "2000 characters are cut. Binary files and files over 10 MB are refused (use Grep or "
        "Bash). Read a file before you Edit or overwrite it."),
    parameters={
        "type": "object",
        "properties": {
            "file_path": _FILE_PATH,
            "offset": {"type": "integer", "description": "The line number to start at (1-based)."},
            "limit": {"type": "integer", "description": "How many lines to read (default 2000)."},
        },
        "required": ["file_path"],
    },
    run=read,
    read_only=True,
    alongside=True,
)

WRITE = Tool(
    name="Write",
    description=(
        "Write a whole file, creating it and its parent folders if needed. To overwrite an "
        "existing file you must Read it first in this session, and it must not have changed "
        "since. For a change to part of a file, prefer Edit: it sends less and risks less."),
    parameters={
        "type": "object",
        "properties": {
            "file_path": _FILE_PATH,
            "content": {"type": "string", "description": "The complete new content of the file."},
        },
        "required": ["file_path", "content"],
    },
    run=write,
    read_only=False,
)

EDIT = Tool(
    name="Edit",
    description=(
        "Replace exact text in a file you have Read in this session. old_string must match the "
        "file exactly, indentation included, without Read's line-number prefix, and must be "
        "unique: include a few surrounding lines to make it so, or set replace_all to change "
        "every occurrence (e.g. renaming). Returns a diff of the change."),
    parameters={
        "type": "object",
        "properties": {
            "file_path": _FILE_PATH,
            "old_string": {"type": "string", "description": "The exact text to replace."},
            "new_string": {"type": "string", "description": "The text to put in its place."},
            "replace_all": {"type": "boolean",
                            "description": "Replace every occurrence (default false)."},
        },
        "required": ["file_path", "old_string", "new_string"],
    },
    run=edit,
    read_only=False,
)
