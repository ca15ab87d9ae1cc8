"""A web page as readable text: what WebFetch shows the model instead of the markup.

    html_text("<title>Docs</title><h1>Install</h1><p>Run <code>pip</code>.</p>", url)
    -> "Title: Docs\\n\\n# Install\\n\\nRun `pip`."

A page's HTML is mostly navigation, scripts and styling; the model needs the words, the
structure and where the links go. So, with the standard library's `html.parser`:

    <title>                 the first line, "Title: ..."
    <h1> ... <h6>           "# ...", "## ...", a paragraph of their own
    <p>, <div>, <br>, ...   paragraphs and line breaks kept, other whitespace collapsed
    <a href>                [text](absolute url), resolved against the page's URL
    <ul>/<ol> <li>          "- item" / "1. item", indented when nested
    <pre>, <code>           a block verbatim in ``` fences; inline code in backticks
    <table>                 a line per row, cells separated by " | "
    script, style, noscript, svg, template, head, iframe, object   removed, content too

Entities are decoded by the parser. Broken HTML is read as a browser would roughly read it:
an unclosed tag ends with its parent or the page, a stray end tag is ignored. It never raises:
html.parser before Python 3.13 asserts on some `<![` declarations, which are made text first.
Simplified: no CSS (hidden elements are shown), no layout (columns, floats), images dropped.
Not covered: JavaScript-rendered pages (the text is what the server sent), forms.
Claude Code counterpart: WebFetch's conversion of a page's HTML to Markdown.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

SKIPPED = {"script", "style", "noscript", "svg", "template", "head", "iframe", "object"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
PARAGRAPHS = {"p", "blockquote", "table", "ul", "ol", "dl", "figure", "form", "hr",
              "section", "article", "header", "footer", "main", "nav", "aside", "details"}
LINES = {"div", "br", "li", "dt", "dd", "figcaption", "summary", "address", "caption"}
IN_HEAD = {"title", "meta", "link", "style", "script", "base", "noscript", "template"}


def html_text(html: str, url: str = "") -> str:
    """The readable text of a page; links are made absolute against `url`."""
    reader = _Reader(url)
    # subtle: `<![if IE]>` and other `<![...` that are not CDATA make html.parser (< 3.13)
    # raise AssertionError; as text they are harmless.
    html = re.sub(r"<!\[(?!CDATA\[)", "&lt;![", html)
    try:
        reader.feed(html)
        reader.close()
    except AssertionError:  # html.parser's own checks: keep what was read up to there
        pass
    return reader.text()


class _Reader(HTMLParser):
    """Collects lines as the parser walks the page; `text()` gives the result."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.title: list[str] = []
        self.lines: list[str] = []       # finished lines; "" is a paragraph break
        self.pieces: list[str] = []      # the inline text of the line being built
        self.prefix = ""                 # "## " or "  - ": put before the line's text
        self.skipped: list[str] = []     # the open elements whose content is dropped
        self.in_title = False
        self.pre: list[str] | None = None  # the verbatim text of an open <pre>
        self.lists: list[list] = []      # [tag, next number] per open <ul>/<ol>
        self.links: list[tuple[str, int]] = []  # (href, where its text starts in pieces)
        self.cells = 0                   # the cells begun in the current table row
        self.in_cell = False

    # -- the parser's callbacks

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipped[-1:] == ["head"] and tag not in IN_HEAD:  # a <head> left open
            self.skipped.pop()
        if tag == "title" and set(self.skipped) <= {"head"}:  # not an <svg>'s title
            self.in_title = not self.title
            return
        if tag in SKIPPED:
            self.skipped.append(tag)
        if self.skipped:
            return
        if self.pre is not None:
            if tag == "br":
                self.pre.append("\n")
        elif tag in HEADINGS:
            self.paragraph()
            self.prefix = "#" * HEADINGS[tag] + " "
        elif tag in ("ul", "ol"):
            self.line() if self.lists else self.paragraph()
            self.lists.append([tag, 1])
        elif tag == "li":
            self.line()
            kind, n = self.lists[-1] if self.lists else ("ul", 1)
            if self.lists:
                self.lists[-1][1] += 1
            self.prefix = "  " * max(len(self.lists) - 1, 0) + ("- " if kind == "ul" else f"{n}. ")
        elif tag == "pre":
            self.paragraph()
            self.pre = []
        elif tag == "a":
            self.end_link()
            href = dict(attrs).get("href") or ""
            if href and not href.startswith(("#", "javascript:")):
                self.links.append((urljoin(self.url, href), len(self.pieces)))
        elif tag == "code":
            self.pieces.append("`")
        elif tag in ("td", "th"):
            self.pieces.append(" | " if self.cells else "")
            self.cells += 1
            self.in_cell = True
        elif tag in ("tr", "table"):
            self.in_cell, self.cells = False, 0
            self.line() if tag == "tr" else self.paragraph()
        elif tag in PARAGRAPHS | LINES:
            self.paragraph() if tag in PARAGRAPHS else self.line()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)  # `<br/>`: a start, and nothing to end
        if tag in SKIPPED and self.skipped and self.skipped[-1] == tag:
            self.skipped.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in self.skipped:  # it ends what was opened inside it too
            del self.skipped[len(self.skipped) - 1 - self.skipped[::-1].index(tag):]
            return
        if self.skipped:
            return
        if tag == "pre" and self.pre is not None:
            self.end_pre()
        elif self.pre is not None:
            return
        elif tag in HEADINGS:
            self.paragraph()
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self.line() if self.lists else self.paragraph()
        elif tag == "a":
            self.end_link()
        elif tag == "code":
            self.pieces.append("`")
        elif tag in ("td", "th"):
            self.in_cell = False
        elif tag in ("tr", "table"):
            self.in_cell, self.cells = False, 0
            self.line() if tag == "tr" else self.paragraph()
        elif tag in PARAGRAPHS:
            self.paragraph()
        elif tag in LINES - {"br"}:
            self.line()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif self.skipped:
            return
        elif self.pre is not None:
            self.pre.append(data)
        else:
            self.pieces.append(data)

    # -- building the lines

    def end_link(self) -> None:
        """Wrap the text since the open <a> as [text](url); a link with no text is dropped."""
        if not self.links:
            return
        href, start = self.links.pop()
        raw = "".join(self.pieces[start:])
        words = " ".join(raw.split())
        lead = " " if raw[:1].isspace() else ""
        trail = " " if raw[-1:].isspace() else ""
        self.pieces[start:] = [f"{lead}[{words}]({href}){trail}" if words else raw]

    def end_pre(self) -> None:
        """A <pre> block as one entry of `lines`, fenced, so its blank lines are kept."""
        block = "".join(self.pre or []).strip("\n").rstrip()
        self.pre = None
        if block:
            self.lines += [f"```\n{block}\n```", ""]

    def line(self) -> None:
        """End the line being built (inside a table cell, a block is only a space)."""
        if self.in_cell:
            self.pieces.append(" ")
            return
        while self.links:
            self.end_link()
        text = " ".join("".join(self.pieces).split())
        if text.replace("`", "").strip():
            self.lines.append(self.prefix + text)
        self.pieces, self.prefix = [], ""

    def paragraph(self) -> None:
        self.line()
        if not self.in_cell and self.lines and self.lines[-1] != "":
            self.lines.append("")

    def text(self) -> str:
        if self.pre is not None:  # a <pre> never closed: its text as it came
            self.end_pre()
        self.in_cell = False
        self.line()
        title = " ".join("".join(self.title).split())
        out = [f"Title: {title}", ""] if title else []
        for line in self.lines:
            if line or (out and out[-1]):
                out.append(line.rstrip())
        return "\n".join(out).strip("\n")
