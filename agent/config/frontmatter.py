"""Frontmatter: the `---` block of YAML at the top of a markdown file, and the body after it.

    ---
    description: Review a pull request        plain scalar (a ` #` starts a comment)
    argument-hint: "[pr-number]"              double- or single-quoted string
    allowed-tools: [Read, "Bash(gh pr:*)"]    flow list
    tags:                                     block list, indented or not
      - review
    notes: >                                  folded block (`|` keeps the line breaks;
      joined into one line                    `-` strips, `+` keeps the final newlines)
    ---
    The body: everything after the closing `---` (or `...`).

Custom commands (agent/app/custom_commands.py) use it, and skills and subagent files would too. PyYAML
is not a dependency, so this reads the subset such files use in practice, and refuses the
rest with a `FrontmatterError` that names the line, rather than guess.
Simplified: every value is a string or a list of strings: `true`, `3` and `null` stay the
strings "true", "3" and "null" (the caller converts). A key given twice keeps the last value.
A `[...]` followed by more text (`argument-hint: [pr] [priority]`, common in command files,
invalid YAML) is read as the plain string it looks like.
Not covered (an error, never a silent guess): nested mappings, lists of mappings and nested
lists, flow mappings (`{a: 1}`), anchors and aliases (`&a`, `*a`), tags (`!!str`), quoted
strings that span lines, explicit keys (`? `), several documents. Indentation indicators
(`|2`) are read and ignored; more-indented lines in a folded block are folded like the rest.
Claude Code counterpart: the YAML frontmatter of commands, skills and subagents.
"""

from __future__ import annotations

import re

Value = str | list[str]
KEY = re.compile(r"^([A-Za-z_][\w.-]*)\s*:(?:\s+(.*))?$")
BLOCK = re.compile(r"^([|>])([+-]?)\d?([+-]?)\s*(?:#.*)?$")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "\\": "\\", "/": "/", " ": " "}


class FrontmatterError(ValueError):
    """YAML outside the subset, or broken; the message names the line (1 = the opening ---)."""

    def __init__(self, line: int, problem: str):
        super().__init__(f"frontmatter line {line}: {problem}")


def split(text: str) -> tuple[dict[str, Value], str]:
    """The fields and the body of a markdown file; ({}, text) when it has no frontmatter
    (no `---` on the first line, or no closing one)."""
    lines = text.removeprefix("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            return parse([line.rstrip("\r\n") for line in lines[1:end]]), "".join(lines[end + 1:])
    return {}, text


def parse(lines: list[str]) -> dict[str, Value]:
    """The fields of the lines between the `---` lines."""
    fields: dict[str, Value] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        found = KEY.match(line)
        if line[0].isspace() or not found:
            raise FrontmatterError(i + 2, f"expected `key: value`, found {line.strip()!r}")
        key, rest = found.group(1), (found.group(2) or "").strip()
        end = i + 1
        while end < len(lines) and (not lines[end].strip() or lines[end][0].isspace()
                                    or (not rest and lines[end].startswith("-"))):
            end += 1
        fields[key] = value(rest, lines[i + 1:end], i + 2)
        i = end
    return fields


def value(rest: str, block: list[str], n: int) -> Value:
    """The value of the key on line n: `rest` is what follows the colon, `block` the lines
    under it (indented, or list items)."""
    header = BLOCK.match(rest)
    if header:
        return block_scalar(header.group(1), header.group(2) or header.group(3), block)
    inner = [line for line in block if line.strip() and not line.lstrip().startswith("#")]
    if rest.startswith("[") and "]" not in rest and inner:  # a flow list over several lines
        rest, inner = " ".join([rest, *(line.strip() for line in inner)]), []
    if not rest:
        if inner and inner[0].lstrip().startswith("-"):
            return block_list(inner, n)
        if inner and KEY.match(inner[0].strip()):
            raise FrontmatterError(n + 1, "nested mappings are not supported")
        return " ".join(line.strip() for line in inner)
    if rest[0] in "{&*!":
        raise FrontmatterError(n, f"{rest[0]!r} (flow mappings, anchors, aliases and tags) "
                                  "is not supported")
    if inner:
        if rest[0] in "\"'[":
            raise FrontmatterError(n + 1, "a quoted string or [list] must end on its line")
        return " ".join([plain(rest), *(plain(line.strip()) for line in inner)])
    if rest.startswith("["):
        items = flow_list(rest, n)
        if items is not None:
            return items
        return plain(rest)
    return scalar(rest, n)


def scalar(text: str, n: int) -> str:
    """One inline scalar: quoted or plain, with a trailing comment dropped."""
    if text[:1] in ("'", '"'):
        body, after = quoted(text, n)
        if after.strip() and not after.strip().startswith("#"):
            raise FrontmatterError(n, f"text after the closing quote: {after.strip()!r}")
        return body
    if text[:1] in "{&*!":
        raise FrontmatterError(n, f"{text[0]!r} (flow mappings, anchors, aliases and tags) "
                                  "is not supported")
    return plain(text)


def plain(text: str) -> str:
    """A plain scalar: up to a comment (` #`), trimmed."""
    return re.split(r"(?:^|\s)#", text, maxsplit=1)[0].strip()


def quoted(text: str, n: int) -> tuple[str, str]:
    """A quoted string at the start of `text`: its value and what follows the closing quote."""
    quote, out, i = text[0], [], 1
    while i < len(text):
        ch = text[i]
        if quote == "'" and ch == "'":
            if text[i + 1:i + 2] == "'":  # '' is one quote inside single quotes
                out.append("'")
                i += 2
                continue
            return "".join(out), text[i + 1:]
        if quote == '"' and ch == '"':
            return "".join(out), text[i + 1:]
        if quote == '"' and ch == "\\":
            code = text[i + 1:i + 2]
            if code == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2:i + 6]):
                out.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
                continue
            if code not in ESCAPES:
                raise FrontmatterError(n, f"unknown escape \\{code} in a double-quoted string")
            out.append(ESCAPES[code])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise FrontmatterError(n, "a quoted string must end on its line")


def flow_list(text: str, n: int) -> list[str] | None:
    """`[a, "b, c", 'd']` as a list; None when text follows the closing bracket (a plain
    string that starts with a bracket, like `[pr-number] [priority]`)."""
    items, i, item, done = [], 1, "", None
    while i < len(text):
        ch = text[i]
        if ch in ("'", '"') and not item.strip():
            done, after = quoted(text[i:], n)  # a quoted item is kept as it is
            if not after.lstrip().startswith((",", "]")):
                raise FrontmatterError(n, f"text after the closing quote: {after.strip()!r}")
            i = len(text) - len(after.lstrip())
            continue
        if ch in ",]":
            if done is not None or item.strip():
                items.append(done if done is not None else scalar(item.strip(), n))
            item, done = "", None
            if ch == "]":
                after = text[i + 1:].strip()
                return items if not after or after.startswith("#") else None
        elif ch == "[":
            raise FrontmatterError(n, "nested lists are not supported")
        else:
            item += ch
        i += 1
    raise FrontmatterError(n, "a [list] must end on its line with ]")


def block_list(lines: list[str], n: int) -> list[str]:
    """`- a` items; a more-indented line continues the item above it."""
    items: list[str] = []
    dash = len(lines[0]) - len(lines[0].lstrip())
    for line in lines:
        indent = len(line) - len(line.lstrip())
        text = line.strip()
        if indent == dash and (text == "-" or text.startswith("- ")):
            item = text[1:].strip()
            if item.startswith("- ") or item == "-":
                raise FrontmatterError(n, "nested lists are not supported")
            if KEY.match(item) and not item.startswith(("'", '"')):
                raise FrontmatterError(n, "lists of mappings are not supported")
            items.append(scalar(item, n) if item else "")
        elif indent > dash and items:
            items[-1] = f"{items[-1]} {plain(text)}".strip()
        else:
            raise FrontmatterError(n, f"expected a `- item`, found {text!r}")
    return items


def block_scalar(style: str, chomp: str, lines: list[str]) -> str:
    """`|` (literal) or `>` (folded) text; chomp "" keeps one final newline, "-" none, "+" all."""
    filled = [line for line in lines if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in filled), default=0)
    rows = [line[indent:] if line.strip() else "" for line in lines]
    n_trailing = 0
    while rows and not rows[-1]:
        rows.pop()
        n_trailing += 1
    if style == "|":
        text = "\n".join(rows)
    else:
        text, previous = "", ""
        for row in rows:
            if not row:
                text += "\n"
            elif previous:
                text += " " + row
            else:
                text += row
            previous = row
    if not text or chomp == "-":
        return text
    return text + "\n" * (1 + n_trailing if chomp == "+" else 1)
