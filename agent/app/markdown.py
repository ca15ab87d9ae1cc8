"""Markdown in the terminal: the model's answer with its headings, emphasis, lists and code
shown as such, line by line as it streams.

    md = Markdown(color=True)
    md.feed("Here is **the")          -> ""                  a partial line waits for its newline
    md.feed(" fix**:\\n```py\\n")       -> "Here is the fix:\\n"  ("the fix" in bold); the fence opens
    md.end()                          -> the last line if it had no newline; an open fence closes

    the model writes        colour (a terminal)               plain (NO_COLOR, TERM=dumb, a pipe)
    # Heading               bold (and underlined for #)       Heading
    **bold**  *em*  _em_    bold, italic                      bold  em  em
    ***both***  ~~gone~~    bold italic, struck through       both  gone
    `code`                  cyan, without the backticks       `code` (the backticks say: exactly this)
    - item  * item  + item  • item (its indent kept)          • item
    - [ ] todo  - [x] done  • ☐ todo  • ☑ done                the same
    1. item                 1. item                           1. item
    > quote                 │ quote, dim                      │ quote
    ---  ***  ___           a rule                            a rule
    ```lang ... ```         each line as it is, in cyan,      each line as it is, indented four;
                            indented four; no fence lines     no fence lines
    [text](url)             text (url)                        text (url)
    \\*  \\_  \\`             the character itself              the character itself

Emphasis needs a word boundary outside it: snake_case_names, __init__, 2*3*4 and a * b stay as
they are, and nothing inside `code` or a code block is touched. Streaming: text arrives in
pieces; a line is rendered when its newline arrives, the fence state is carried from line to
line, and `end()` renders what is left when the message ends. Lines are never wrapped or cut
here (the terminal wraps them).
Simplified: one line at a time, so what needs the next line is not seen: a `---` under a line
is a rule, not a setext heading; a paragraph's lines are not joined; indented (unfenced) code
and tables are shown as they are; `__bold__` is left alone (dunder names are more common);
a line over LONG_LINE characters is shown as written.
Not covered: syntax colouring inside code blocks, HTML, footnotes, reference-style links.
Claude Code counterpart: its Markdown rendering of the assistant's messages.
"""

from __future__ import annotations

import re

# subtle: styles are marked with characters of Plane 16 (private use, and not \w) while the
# regexes run, and turned into ANSI codes, or nothing, at the end; a backslash-escaped
# character is hidden the same way so that no regex sees it.
_MARK = 0x10FF00
_ESCAPED = 0x10FE00
BOLD, ITALIC, CODE, STRIKE, DIM, UNDERLINE = range(6)
ANSI = {BOLD: ("\033[1m", "\033[22m"), ITALIC: ("\033[3m", "\033[23m"),
        CODE: ("\033[36m", "\033[39m"), STRIKE: ("\033[9m", "\033[29m"),
        DIM: ("\033[2m", "\033[22m"), UNDERLINE: ("\033[4m", "\033[24m")}
_BACKTICK = _MARK + 2 * len(ANSI)  # a code span's backtick: shown in plain text, not in colour

FENCE = re.compile(r"^( *)(`{3,}|~{3,})([^`]*)$")  # any indent: models nest code in lists
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
RULE = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
BULLET = re.compile(r"^(\s*)[-*+]\s+(?:\[([ xX])\]\s+)?(.*)$")
NUMBERED = re.compile(r"^(\s*)(\d{1,9}[.)])\s+(.*)$")
QUOTE = re.compile(r"^ {0,3}>\s?(.*)$")
LONG_LINE = 5000
"""Longer lines (a log, data) are shown as they are: no markup to find there."""
# a backslash escape, a code span (backticks closed by as many), or a link
TOKEN = re.compile(r"\\([!-/:-@\[-`{-~])|(?<!`)(`+)(?!`)(.+?)(?<!`)\2(?!`)"
                   r"|\[([^\]\n]+)\]\(([^()\s]+)\)")


def _emphasis(marker: str, touching: bool = False) -> re.Pattern:
    """`marker`text`marker`, with no space just inside and no word character just outside;
    `touching`: an inner emphasis may touch the marker inside (`**a *b***`, `***a* b**`)."""
    m, c = re.escape(marker), re.escape(marker[0])
    inside = "" if touching else c
    return re.compile(rf"(?<![\w{c}]){m}(?![\s{inside}])(.+?)(?<![\s{inside}]){m}(?![\w{c}])")


EMPHASIS = [(_emphasis("***"), (BOLD, ITALIC)), (_emphasis("**", touching=True), (BOLD,)),
            (_emphasis("*"), (ITALIC,)), (_emphasis("_"), (ITALIC,)), (_emphasis("~~"), (STRIKE,))]


def _on(style: int) -> str:
    return chr(_MARK + 2 * style)


def _off(style: int) -> str:
    return chr(_MARK + 2 * style + 1)


def _wrap(text: str, *styles: int) -> str:
    return "".join(map(_on, styles)) + text + "".join(map(_off, reversed(styles)))


class Markdown:
    """Renders one stream of Markdown, line by line; `end()` at the end of each message."""

    def __init__(self, color: bool):
        self.color = color
        self.pending = ""
        """The start of a line whose newline has not come yet."""
        self.fence = ""
        """The open code fence (```` ``` ```` or `~~~`, its length counts), "" outside code."""
        self.fence_indent = 0

    def feed(self, text: str) -> str:
        """The lines this text completes, rendered, each ending with a newline."""
        self.pending += text
        *whole, self.pending = self.pending.split("\n")
        shown = (self.line(line) for line in whole)
        return "".join(line + "\n" for line in shown if line is not None)

    def end(self) -> str:
        """The rest of the message (its last line, without a newline), and code ends."""
        tail, self.pending = self.pending, ""
        shown = self.line(tail) if tail.strip() else None
        self.fence = ""
        return shown or ""

    def line(self, line: str) -> str | None:
        """One whole line rendered, or None for a line not shown (a code fence)."""
        line = line.rstrip("\r")
        fence = FENCE.match(line)
        if self.fence:
            closing = fence and fence[2][0] == self.fence[0] and len(fence[2]) >= len(self.fence)
            if closing and not fence[3].strip():
                self.fence = ""
                return None
            code = line[min(self.fence_indent, len(line) - len(line.lstrip(" "))):]
            return "    " + self._finish(_wrap(code, CODE))
        if fence and not (fence[2][0] == "~" and "~" in fence[3]):
            self.fence, self.fence_indent = fence[2], len(fence[1])
            return None
        if len(line) > LONG_LINE:  # emphasis costs time that grows with the square of a line
            return line
        return self._finish(self.block(line))

    def block(self, line: str) -> str:
        """A line outside code: a heading, a rule, a list item, a quote, or text."""
        if m := HEADING.match(line):
            styles = (BOLD, UNDERLINE) if len(m[1]) == 1 else (BOLD,)
            return _wrap(inline(m[2]).replace(_on(BOLD), "").replace(_off(BOLD), ""), *styles)
        if RULE.match(line):
            return _wrap("─" * 40, DIM)
        if m := BULLET.match(line):
            box = {" ": "☐ ", "x": "☑ ", "X": "☑ "}.get(m[2] or "", "")
            return f"{m[1]}• {box}{inline(m[3])}"
        if m := NUMBERED.match(line):
            return f"{m[1]}{m[2]} {inline(m[3])}"
        if m := QUOTE.match(line):
            return _wrap("│ ", DIM) + self.block(m[1])
        return inline(line)

    def _finish(self, marked: str) -> str:
        """Marks to ANSI codes (colour) or to nothing (plain); escaped characters back."""
        out = []
        for ch in marked:
            n = ord(ch)
            if n == _BACKTICK:
                out.append("" if self.color else "`")
            elif _MARK <= n < _BACKTICK:
                if self.color:
                    out.append(ANSI[(n - _MARK) // 2][(n - _MARK) % 2])
            elif _ESCAPED <= n < _MARK:
                out.append(chr(n - _ESCAPED))
            else:
                out.append(ch)
        return "".join(out)


def inline(text: str) -> str:
    """One line's text: escapes, code spans and links first (hidden from what follows), then
    emphasis over the whole line, so that `**see `this` here**` is bold throughout."""
    return _emphasize(_protect(text))


def _protect(text: str) -> str:
    def one(m: re.Match) -> str:
        if m[1]:  # \* shows a *, never a marker
            return chr(_ESCAPED + ord(m[1]))
        if m[2]:  # a code span: its inside as it is, its backticks kept for plain text
            code = m[3]
            if code.startswith(" ") and code.endswith(" ") and code.strip():
                code = code[1:-1]
            ticks = chr(_BACKTICK) * len(m[2])
            return _on(CODE) + ticks + _hide(code) + ticks + _off(CODE)
        label = _protect(m[4])
        return label if m[4] == m[5] else f"{label} ({_hide(m[5])})"
    return TOKEN.sub(one, text)


def _emphasize(text: str) -> str:
    for pattern, styles in EMPHASIS:
        text = pattern.sub(lambda m: _wrap(m[1], *styles), text)
    return text


def _hide(text: str) -> str:
    """Text no later regex may change (a code span's inside, a URL)."""
    return "".join(chr(_ESCAPED + ord(c)) if ord(c) < 128 else c for c in text)
