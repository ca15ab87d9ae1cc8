"""The task suite of benchmarks/tasks/ (run by benchmarks/tasks.py): every task is well formed,
its check fails on the untouched workspace and passes on the reference solution, a wrong
answer fails, and for the tasks where the right thing is to decline, doing the forbidden
thing fails even with a polite refusal. The checks run as the runner runs them:
`python3 check.py WORKDIR ANSWER_FILE` from the task folder."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TASKS = Path(__file__).resolve().parent.parent.parent / "benchmarks" / "tasks"
FOLDERS = sorted(p for p in TASKS.iterdir() if (p / "task.json").is_file())
MINIMUM = {"fact": 3, "grep": 3, "fix-test": 3, "implement": 3, "rename": 2, "command": 2,
           "two-file-bug": 2, "refactor": 2, "refuse": 2}
CACHES = shutil.ignore_patterns("__pycache__", "*.pyc")
each_task = pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])


def spec(folder: Path) -> dict:
    return json.loads((folder / "task.json").read_text(encoding="utf-8"))


def answers(folder: Path) -> bool:
    """A task judged on the final answer (fact, grep, command, refuse)."""
    return (folder / "solution" / "answer.txt").is_file()


def workspace(folder: Path, tmp_path: Path, solved: bool) -> tuple[Path, Path]:
    """A fresh copy of files/ (with solution/ laid over it when `solved`) and an answer file:
    empty, or the reference answer when solved."""
    work, answer = tmp_path / "work", tmp_path / "answer.txt"
    shutil.copytree(folder / "files", work, ignore=CACHES)
    answer.write_text("", encoding="utf-8")
    if solved:
        for path in sorted((folder / "solution").rglob("*")):
            rel = path.relative_to(folder / "solution")
            if not path.is_file() or "__pycache__" in rel.parts:
                continue
            if rel.as_posix() == "answer.txt":
                answer.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
            else:
                (work / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, work / rel)
    return work, answer


def check(folder: Path, work: Path, answer: Path) -> tuple[int, list[str]]:
    done = subprocess.run([sys.executable, "check.py", str(work), str(answer)], cwd=folder,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout.strip().splitlines()


def assert_fails(folder: Path, work: Path, answer: Path) -> None:
    code, lines = check(folder, work, answer)
    assert code != 0, f"{folder.name}: the check passed: {lines}"
    assert len(lines) == 1 and lines[0].strip(), f"{folder.name}: not one line: {lines}"


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_suite_has_every_kind_and_four_quick_tasks():
    kinds = [spec(f)["kind"] for f in FOLDERS]
    assert len(FOLDERS) >= 20
    for kind, minimum in MINIMUM.items():
        assert kinds.count(kind) >= minimum, f"{kinds.count(kind)} {kind} tasks, want {minimum}"
    quick = [f.name for f in FOLDERS if spec(f)["quick"]]
    assert len(quick) == 4, quick


@each_task
def test_the_task_is_well_formed(folder):
    task = spec(folder)
    assert {"prompt", "kind", "quick", "timeout_s"} <= set(task)
    assert task["kind"] in MINIMUM
    assert isinstance(task["quick"], bool) and isinstance(task["timeout_s"], int)
    assert task["prompt"].strip() and len(task["prompt"]) < 400
    assert (folder / "check.py").is_file() and (folder / "solution").is_dir()
    files = [p for p in (folder / "files").rglob("*") if p.is_file()]
    assert 1 <= len(files) <= 5, f"{len(files)} workspace files"
    assert not [p for p in (folder / "files").rglob("*") if p.name == "__pycache__"]
    for path in files:
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 60, path.name
    if answers(folder):
        assert task.get("wrong_answer", "").strip(), "an answer task needs a wrong_answer"
    if task["kind"] == "refuse":
        assert task.get("forbidden"), "a refuse task names its forbidden action"


@each_task
def test_the_check_fails_on_the_unsolved_workspace(folder, tmp_path):
    work, answer = workspace(folder, tmp_path, solved=False)
    assert_fails(folder, work, answer)
    answer.unlink()  # a missing answer file is a failure too, not a crash
    assert_fails(folder, work, answer)


@each_task
def test_the_check_passes_on_the_solution_and_leaves_the_task_alone(folder, tmp_path):
    before = snapshot(folder)
    work, answer = workspace(folder, tmp_path, solved=True)
    code, lines = check(folder, work, answer)
    assert code == 0, f"{folder.name}: {lines}"
    assert snapshot(folder) == before, "the check wrote into the task folder"


TESTED = [f for f in FOLDERS if list((f / "files").glob("test*.py"))]


@pytest.mark.parametrize("folder", TESTED, ids=[f.name for f in TESTED])
def test_the_workspace_tests_pass_once_solved(folder, tmp_path):
    work, _ = workspace(folder, tmp_path, solved=True)
    done = subprocess.run([sys.executable, "-B", "-m", "unittest", "-q"], cwd=work,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Ran 0 tests" not in done.stderr


@pytest.mark.parametrize("folder", [f for f in FOLDERS if answers(f)],
                         ids=[f.name for f in FOLDERS if answers(f)])
def test_a_wrong_answer_fails(folder, tmp_path):
    work, answer = workspace(folder, tmp_path, solved=True)
    answer.write_text(spec(folder)["wrong_answer"], encoding="utf-8")
    assert_fails(folder, work, answer)


REFUSE = [f for f in FOLDERS if spec(f)["kind"] == "refuse"]


@pytest.mark.parametrize("folder", REFUSE, ids=[f.name for f in REFUSE])
def test_doing_the_forbidden_thing_fails_even_with_a_refusal(folder, tmp_path):
    work, answer = workspace(folder, tmp_path, solved=True)
    forbidden = spec(folder)["forbidden"]
    for rel in forbidden.get("delete", []):
        target = work / rel
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    if "run" in forbidden:
        argv = [sys.executable if a == "python3" else a for a in forbidden["run"]]
        subprocess.run(argv, cwd=work, capture_output=True, timeout=60)
    assert_fails(folder, work, answer)
