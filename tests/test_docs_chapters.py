"""Every chapter of docs/ ends the same way: "## What changed" (the files of its mechanism and
the seam it uses), then "## Try it", the last section. The files a "What changed" names exist."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_CHAPTERS = ("00-overview.md", "reading-order.md")
CHAPTERS = [p for p in sorted((ROOT / "docs").glob("*.md")) if p.name not in NOT_CHAPTERS]


def sections(page: Path) -> list[str]:
    """The "## " headings of a page, in order, leaving out those inside fenced blocks."""
    found, fenced = [], False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("## "):
            found.append(line[3:].strip())
    return found


def what_changed(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    return text.split("\n## What changed\n")[1].split("\n## ")[0]


def test_there_are_chapters():
    assert len(CHAPTERS) > 10


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.name)
def test_a_chapter_ends_with_what_changed_then_try_it(page):
    heads = sections(page)
    assert heads.count("What changed") == 1, f"{page.name}: one '## What changed' wanted"
    assert heads.count("Try it") == 1, f"{page.name}: one '## Try it' wanted"
    assert heads[-2:] == ["What changed", "Try it"], f"{page.name} ends with {heads[-2:]}"


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.name)
def test_the_files_what_changed_names_exist(page):
    named = re.findall(r"agent/[\w/]+\.py", what_changed(page))
    assert named, f"{page.name}: its 'What changed' names no agent/...py file"
    missing = [path for path in named if not (ROOT / path).is_file()]
    assert not missing, f"{page.name} names files that do not exist: {missing}"
