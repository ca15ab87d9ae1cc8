"""`agent demo`: the README's first command, run as a user runs it."""

import shutil
import subprocess
import sys
from pathlib import Path

from agent.app.demo import BUGGY, FIXED, SAMPLE


def test_demo_fixes_the_sample_with_a_scripted_model(tmp_path):
    done = subprocess.run([sys.executable, "-m", "agent", "demo", "--keep"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SCRIPTED" in done.stdout
    calls = [line.split("(")[0] for line in done.stdout.splitlines() if line.startswith("● ")]
    assert calls == ["● Bash", "● Read", "● Grep", "● Read", "● Edit", "● Bash"]
    kept = Path(done.stdout.split("kept: ")[1].strip())
    try:
        assert FIXED in (kept / "inventory.py").read_text()
        # the fix is real: the sample's own tests pass when run again, outside the harness
        rerun = subprocess.run([sys.executable, "-m", "unittest", "-q"], cwd=kept,
                               capture_output=True, text=True)
        assert rerun.returncode == 0, rerun.stderr
        assert "inventory.py fixed on disk: yes" in done.stdout
        assert "they pass" in done.stdout  # the report was written from the real test run
    finally:
        shutil.rmtree(kept.parent, ignore_errors=True)


def test_the_sample_really_fails_before_the_fix(tmp_path):
    for name, text in SAMPLE.items():
        (tmp_path / name).write_text(text)
    before = subprocess.run([sys.executable, "-m", "unittest", "-q"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert before.returncode == 1 and "FAILED" in before.stderr
    assert BUGGY in SAMPLE["inventory.py"]


def test_demo_without_keep_leaves_nothing_behind(tmp_path):
    done = subprocess.run([sys.executable, "-m", "agent", "demo"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0
    repo = Path(done.stdout.split("sample repository: ")[1].splitlines()[0])
    assert not repo.exists()
