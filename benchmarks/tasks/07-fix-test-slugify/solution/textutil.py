"""Small text helpers for page titles and file names."""

import re


def slugify(title):
    """A URL slug: lower-case words of letters and digits joined by single dashes.

    '  Hello,   World! ' -> 'hello-world'
    """
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words)


def shorten(text, width=20):
    """text cut to at most `width` characters, with '...' when it was cut."""
    if len(text) <= width:
        return text
    return text[:width - 3].rstrip() + "..."
