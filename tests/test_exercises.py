"""The coursework of exercises/ keeps working: every exercise has its page, its starter tests
and a reference solution; the starter tests pass against the solutions (EXERCISES_SOLUTIONS=1);
and in a fresh clone, where no student has written a plugin yet, every exercise is skipped
as "not solved yet". Each run is a separate pytest process, so exercises/ is never collected
twice (pyproject.toml's testpaths is tests/ alone)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
EXERCISES = ROOT / "exercises"
NAMES = sorted(p.name for p in EXERCISES.iterdir() if re.fullmatch(r"\d\d_\w+", p.name))


def pytest_exercises(cwd: Path, solutions: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "EXERCISES_SOLUTIONS"}
    if solutions:
        env["EXERCISES_SOLUTIONS"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "exercises", "-q", "-rs",
                           "-p", "no:cacheprovider", "-o", "addopts=", "--rootdir", str(cwd)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def counts(output: str) -> dict[str, int]:
    """The summary line's counts: {"passed": 57, "skipped": 0, ...}."""
    summary = output.strip().splitlines()[-1]
    return {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", summary)}


def test_every_exercise_has_a_page_starter_tests_and_a_solution():
    assert len(NAMES) >= 8, NAMES
    for name in NAMES:
        folder = EXERCISES / name
        assert (folder / "README.md").is_file(), name
        (tests,) = folder.glob("test_*.py")
        assert "PLUGIN = solved(__file__)" in tests.read_text(), tests
        assert (EXERCISES / "solutions" / f"{name}.py").is_file(), name
        assert f"]({name}/README.md)" in (EXERCISES / "README.md").read_text(), name


def test_the_starter_tests_pass_against_the_reference_solutions():
    done = pytest_exercises(ROOT, solutions=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    found = counts(done.stdout)
    assert found.get("passed", 0) >= 3 * len(NAMES), done.stdout[-2000:]
    assert set(found) == {"passed"}, done.stdout[-2000:]  # nothing skipped, failed, ...


def test_in_a_fresh_clone_every_exercise_is_skipped_as_not_solved(tmp_path):
    shutil.copytree(EXERCISES, tmp_path / "exercises",
                    ignore=shutil.ignore_patterns("plugin.py", "__pycache__"))
    done = pytest_exercises(tmp_path, solutions=False)
    # 5: pytest's "no tests ran", as every module skipped itself while it was collected
    assert done.returncode == 5, done.stdout[-3000:] + done.stderr[-2000:]
    assert counts(done.stdout).get("skipped") == len(NAMES), done.stdout[-2000:]
    assert "passed" not in counts(done.stdout)
    for name in NAMES:
        assert f"not solved yet: write exercises/{name}/plugin.py" in done.stdout, name
