"""Listings as compact tables: TOON-style rows for Glob and Grep results, opt-in.

A Grep over a project returns hundreds of rows of the same shape. Written as JSON, each row
repeats its keys; TOON (Token-Oriented Object Notation) states the keys once, in a header,
and then one comma-separated row per record:

    matches[3]{path,line,text}:
      agent/loop/turn.py,110,class Agent:
      agent/loop/turn.py,127,"    def run(self, prompt: str) -> TurnEnd:"
      tests/loop/test_loop.py,12,def test_a_turn_ends():

A value is quoted (JSON-style escapes) when it would be misread otherwise: empty, with
spaces at either end, with a comma, colon, quote, backslash, bracket or brace, a control
character, or text that looks like a number, true, false or null. A list of plain values
goes on one line: `files[2]: a.py,b.py`.

`--listing toon` (or AGENT_LISTING=toon) makes Glob and Grep answer this way; the default
stays plain lines, which are already the cheapest form for this data (benchmarks/listings.py
measures TOON against pretty JSON, minified JSON and plain lines on the same results).
`rows_from_lines` reads Grep's `path:line:text` lines back into rows.
Simplified: only the tabular and the inline-list forms of TOON; a path that itself contains
`:<digits>:` is split at its first such place.
Not covered: nested objects, the tab and pipe delimiters, key folding.
Claude Code counterpart: none (its Glob and Grep print plain lines).
"""

from __future__ import annotations

import json
import re

FORMATS = ("lines", "toon")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_SPECIAL = re.compile(r'[,:"\\\[\]{}\x00-\x1f]')


def value(v: object) -> str:
    """One cell: numbers as they are, text quoted only when it must be."""
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, (int, float)):
        return str(v)
    text = str(v)
    needs_quotes = (text == "" or text != text.strip() or _SPECIAL.search(text)
                    or text in ("true", "false", "null") or _NUMBER.fullmatch(text)
                    or text.startswith("- "))
    return json.dumps(text, ensure_ascii=False) if needs_quotes else text


def table(name: str, fields: list[str], rows: list[list[object]]) -> str:
    """`name[N]{a,b}:` and one indented row per record."""
    header = f"{name}[{len(rows)}]{{{','.join(fields)}}}:"
    return "\n".join([header] + ["  " + ",".join(value(v) for v in row) for row in rows])


def inline(name: str, values: list[object]) -> str:
    """`name[N]: a,b,c` for a list of plain values."""
    return f"{name}[{len(values)}]: " + ",".join(value(v) for v in values)


def rows_from_lines(lines: list[str], mode: str) -> tuple[list[str], list[list[object]]] | None:
    """Grep's lines as (fields, rows); None when they are not all plain match lines (context
    lines and `--` separators have no place in a table: then the lines stay as they are)."""
    if mode == "files_with_matches":
        return ["path"], [[line] for line in lines]
    pattern = r"(.*?):(\d+)" if mode == "count" else r"(.*?):(\d+):(.*)"
    rows = []
    for line in lines:
        found = re.fullmatch(pattern, line, re.S)
        if found is None:
            return None
        rows.append([found[1], int(found[2]), *found.groups()[2:]])
    return (["path", "count"] if mode == "count" else ["path", "line", "text"]), rows


def grep_listing(lines: list[str], mode: str) -> str:
    """Grep's result in TOON, or the lines as they were when they do not fit a table."""
    parsed = rows_from_lines(lines, mode)
    if parsed is None:
        return "\n".join(lines)
    fields, rows = parsed
    if mode == "files_with_matches":
        return inline("files", [row[0] for row in rows])
    return table("matches" if mode == "content" else "counts", fields, rows)
