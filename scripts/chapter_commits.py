"""The story table of docs/00-overview.md: each chapter, and the commits that introduced the
files of its mechanism, oldest first.

    python scripts/chapter_commits.py           print the table
    python scripts/chapter_commits.py --write   put it in docs/00-overview.md, between the
                                                <!-- story --> markers

A chapter's files are the ones its opening "Package:" paragraph names as its own (`agent/x/`
followed by (`a.py`, `b.py`), or a whole `agent/x/y.py`; the neighbours named after ", with"
are not its mechanism); a file's commit is the one that added it,
followed through renames (`git log --follow --diff-filter=A`), so a module moved when the
house was reshaped still points at the commit that wrote it. tests/test_docs_story.py
checks that the table is what this script makes of the history.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- story -->", "<!-- /story -->"
SKIP = ("00-overview.md", "reading-order.md")


def chapter_files(doc: Path) -> list[str]:
    """The files a chapter's "Package:" paragraph names as its own, that exist.

    Its own are named before the neighbours it leans on (", with ...", ", wired by ...",
    ", reading ..."): the skills chapter is about skills.py, not about the permission rules
    that also judge a skill."""
    page = doc.read_text(encoding="utf-8").split("\n## ")[0]
    head = next((p for p in page.split("\n\n") if p.startswith("Package")), "")
    head = re.split(r",\s+(?:with|wired by|reading)\s", head, maxsplit=1)[0]
    found: list[str] = []
    for group in re.finditer(r"`(agent/[\w/]+/)`\s*\(([^)]*)\)", head):
        found += [group.group(1) + name for name in re.findall(r"`([\w]+\.py)`", group.group(2))]
    found += re.findall(r"`(agent/[\w/]+\.py)`", head)
    for package in re.findall(r"`(agent/\w+/)`(?!\s*\()", head):  # a package named alone
        found += sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / package).glob("*.py")
                        if p.name != "__init__.py")
    return [f for f in dict.fromkeys(found) if (ROOT / f).is_file()]


def git(*args: str) -> list[str]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip().splitlines()


def introduced(path: str) -> str | None:
    """The hash of the commit that added `path`, through renames."""
    log = git("log", "--follow", "--diff-filter=A", "--format=%H", "--", path)
    return log[-1] if log else None


def table(most: int = 6) -> str:
    """The table: per chapter, the first `most` commits that added its files, in history order."""
    order = {h: n for n, h in enumerate(git("log", "--reverse", "--format=%H"))}
    subject = dict(line.split(" ", 1) for line in git("log", "--format=%H %s"))
    rows = ["| chapter | commits that introduced its mechanism, oldest first |", "|---|---|"]
    for doc in sorted((ROOT / "docs").glob("*.md")):
        if doc.name in SKIP:
            continue
        commits = sorted({c for c in map(introduced, chapter_files(doc)) if c in order},
                         key=order.get)[:most]
        cell = "<br>".join(f"`` {subject[c]} ``" for c in commits) or "(no module of its own)"
        rows.append(f"| [{doc.stem}]({doc.name}) | {cell} |")
    return "\n".join(rows)


def main() -> int:
    text = table()
    if "--write" not in sys.argv:
        print(text)
        return 0
    overview = ROOT / "docs" / "00-overview.md"
    page = overview.read_text(encoding="utf-8")
    if START not in page:
        print(f"{overview}: no {START} marker", file=sys.stderr)
        return 1
    before, rest = page.split(START, 1)
    after = rest.split(END, 1)[1]
    overview.write_text(f"{before}{START}\n{text}\n{END}{after}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
