"""The story table of docs/00-overview.md is what the history says: each chapter, and the
commits that added the files of its mechanism (scripts/chapter_commits.py)."""

import importlib.util
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load():
    spec = importlib.util.spec_from_file_location("chapter_commits", ROOT / "scripts" / "chapter_commits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def story():
    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT,
                             capture_output=True, text=True)
    if shallow.returncode != 0 or shallow.stdout.strip() == "true":
        pytest.skip("needs the whole git history (a checkout, not a shallow clone or an archive)")
    return load()


def shown_rows() -> list[str]:
    page = (ROOT / "docs" / "00-overview.md").read_text(encoding="utf-8")
    return page.split("<!-- story -->")[1].split("<!-- /story -->")[0].strip().splitlines()[2:]


def test_every_commit_the_table_names_is_in_the_history_in_its_order(story):
    """A commit cannot name itself, so the table lags a new chapter by one commit: what it
    shows must be true, and `python scripts/chapter_commits.py --write` brings it up to date."""
    subjects = story.git("log", "--reverse", "--format=%s")
    for row in shown_rows():
        named = [cell.strip() for cell in row.split("``")[1::2]]
        assert all(s in subjects for s in named), f"not in the history: {row}"
        positions = [subjects.index(s) for s in named]
        assert positions == sorted(positions), f"not oldest first: {row}"


def test_every_chapter_but_the_newest_has_a_row_with_its_commits(story):
    chapters = {p.stem for p in (ROOT / "docs").glob("*.md") if p.name not in story.SKIP}
    shown = {row.split("](")[0].lstrip("| [") for row in shown_rows()}
    missing = chapters - shown
    assert len(missing) <= 1, f"chapters without a row: {missing} (run the script with --write)"
    with_commits = [row for row in shown_rows() if "``" in row]
    assert len(with_commits) >= len(shown) - 2


def test_a_chapter_finds_the_files_its_opening_names(story):
    assert story.chapter_files(ROOT / "docs" / "01-loop.md")[:2] == ["agent/loop/turn.py",
                                                                     "agent/loop/seams.py"]
    assert "agent/mcp/client.py" in story.chapter_files(ROOT / "docs" / "21-mcp.md")
