"""Grep without ripgrep: the same output from Python's `re`, in a child process, on a budget.

    grep_python(search, ctx)  ->  (lines, notes)      what agent/tools/search.py's Grep shows

A regex such as `(a+)+$` backtracks for hours on one line of 30 a's and a b, inside `re`,
which holds the interpreter and which no other thread can stop. So the search runs in a
child (`python -c`, calling `serve` below), which writes each file's matches as a JSON line
as soon as it has them; at FALLBACK_BUDGET_S the child is killed, and the matches found so
far are kept, with a note naming the file it was in. Files over MAX_SEARCH_BYTES are not
read (their size is checked with stat first), and a note names them. The child's memory is
its own: a large search never grows the harness.

Simplified: each file is read whole (at most MAX_SEARCH_BYTES); a child starts per search
(about 0.1 s). Not covered: .gitignore, which ripgrep honours.
Claude Code counterpart: none (its Grep always has ripgrep).
"""

from __future__ import annotations

import json
import os
import re
import selectors
import subprocess
import sys
import time
from pathlib import Path

from agent.tools import ToolContext, ToolError
from agent.tools.files import BINARY_SNIFF_BYTES, MAX_FILE_BYTES
from agent.tools.search import Search, glob_regex, readable, shown_path, walk


def _text_lines(path: Path) -> list[str] | None:
    """A file's lines, or None when it is binary or unreadable (skipped, as rg does)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        return None
    lines = data.decode("utf-8", "replace").split("\n")  # \n only, like rg: \r stays
    if lines[-1] == "":
        lines.pop()
    return lines


def _with_context(shown: str, lines: list[str], hits: list[int], q: Search) -> list[str]:
    """Matches and their context lines, ripgrep style; `--` where lines are skipped."""
    hit_set, out, last = set(hits), [], None
    gap_mark = q.before or q.after  # rg marks gaps only when it shows context
    wanted = sorted({j for i in hits
                     for j in range(max(0, i - q.before), min(len(lines), i + q.after + 1))})
    for j in wanted:
        if gap_mark and last is not None and j != last + 1:
            out.append("--")
        sep = ":" if j in hit_set else "-"
        number = f"{j + 1}{sep}" if q.numbers else ""
        out.append(f"{shown}{sep}{number}{lines[j]}")
        last = j
    return out


FALLBACK_BUDGET_S = 5.0
"""How long the Python search may take before it is stopped (ripgrep has no such need)."""
MAX_SEARCH_BYTES = MAX_FILE_BYTES
"""Files over this size are not read by the Python search; the result names them."""
_CHILD = "import sys; sys.path.insert(0, sys.argv[1]); import agent.tools.grep_python as g; g.serve()"


def serve() -> None:
    """The child's side: the request in argv, one JSON line per event on stdout, flushed as
    it happens: {"at": file} before a file, {"lines": [...]} for its matches, {"big": size}
    for a file skipped for its size, {"done": true} at the end."""
    request = json.loads(sys.argv[2])
    q = Search(**{**request["search"], "root": Path(request["search"]["root"])})
    cwd, regex = Path(request["cwd"]), re.compile(q.pattern, re.IGNORECASE if q.ignore_case else 0)
    name_glob = glob_regex(q.glob) if q.glob else None

    def send(record: dict) -> None:
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()
    # A file named explicitly is searched whatever the glob says, as with rg.
    for path in [q.root] if q.root.is_file() else walk(q.root):
        shown = shown_path(path, cwd)
        if name_glob and path != q.root:
            if not name_glob.fullmatch(shown if "/" in q.glob else path.name):
                continue
        try:
            size = path.stat().st_size
        except OSError:
            continue
        if size > MAX_SEARCH_BYTES:
            send({"file": str(path), "shown": shown, "big": size})
            continue
        send({"file": str(path), "shown": shown, "at": True})
        lines = _text_lines(path) or []
        hits = [i for i, line in enumerate(lines) if regex.search(line)]
        if hits:
            found = ([shown] if q.mode == "files_with_matches" else [f"{shown}:{len(hits)}"]
                     if q.mode == "count" else _with_context(shown, lines, hits, q))
            send({"file": str(path), "shown": shown, "lines": found})
    send({"done": True})


def _search_in_child(q: Search, ctx: ToolContext) -> tuple[list[dict], bool]:
    """The child's records, and whether it finished within FALLBACK_BUDGET_S."""
    request = json.dumps({"cwd": str(ctx.cwd.resolve()),
                          "search": {**q.__dict__, "root": str(q.root)}})
    package_parent = str(Path(__file__).resolve().parents[2])
    proc = subprocess.Popen([sys.executable, "-I", "-c", _CHILD, package_parent, request],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out, deadline, ended = bytearray(), time.monotonic() + FALLBACK_BUDGET_S, False
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            while not ended and (left := deadline - time.monotonic()) > 0 \
                    and selector.select(left):
                chunk = os.read(proc.stdout.fileno(), 1 << 16)
                out += chunk
                ended = not chunk
    finally:
        proc.kill()  # done already, or stopped at the budget
        proc.wait()
        proc.stdout.close()
    records = [json.loads(line) for line in out.split(b"\n")[:-1]]  # a cut last line: dropped
    finished = bool(records) and records[-1].get("done") is True
    if ended and not finished:  # it died: a bug of ours, not the model's to fix
        error = proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"the Python search stopped: {error[-1] if error else proc.returncode}")
    proc.stderr.close()
    return records, finished


def grep_python(q: Search, ctx: ToolContext) -> tuple[list[str], list[str]]:
    """The matches, and notes on what was not searched."""
    try:
        re.compile(q.pattern, re.IGNORECASE if q.ignore_case else 0)
    except re.error as e:
        raise ToolError(f"{q.pattern!r} is not a valid regular expression: {e}.") from None
    if q.glob:
        glob_regex(q.glob)  # a bad glob is the model's to fix, said here
    records, finished = _search_in_child(q, ctx)
    out, big, at = [], [], None
    for r in (r for r in records if "file" in r and readable(Path(r["file"]), ctx)):
        if "big" in r:
            big.append(f"{r['shown']} ({r['big'] / 1e6:,.0f} MB)")
        elif "at" in r:
            at = r["shown"]
        else:
            if out and (q.before or q.after):
                out.append("--")
            out += r["lines"]
    notes = []
    if big:
        notes.append(f"[not searched, over {MAX_SEARCH_BYTES // 10**6} MB: "
                     f"{', '.join(big[:5])}{f' and {len(big) - 5} more' if len(big) > 5 else ''}"
                     f". Install ripgrep (rg) to search large files, or use Bash.]")
    if not finished:
        notes.append(f"[Grep was stopped after {FALLBACK_BUDGET_S:g} s"
                     + (f", while searching {at}" if at else "")
                     + ": the results above are only those found so far. Without ripgrep the "
                       "search runs in Python, which is slow and can backtrack for ever on "
                       "patterns like (a+)+; install ripgrep (rg), or narrow the pattern, the "
                       "path or the glob.]")
    return out, notes
