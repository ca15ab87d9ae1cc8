"""The task suite's runner (benchmarks/tasks.py) end to end: `agent -p` through the recording
proxy to the HTTP test server, the task's own check, the counts, the CSV."""

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import tasks as runner  # noqa: E402  (benchmarks/tasks.py)

TASK = "01-fact-staging-token"
ANSWER = (ROOT / "benchmarks" / "tasks" / TASK / "solution" / "answer.txt").read_text().strip()


@pytest.fixture
def recorder(server):
    proxy = runner.Recorder(server.base_url)
    yield proxy
    proxy.close()


def one(recorder, harness="ours"):
    (task,) = runner.load_tasks(TASK)
    return runner.run_one(harness, task, recorder, "m", 0, "mini", 6)


def test_a_task_solved_for_real_is_solved_and_counted(server, recorder):
    server.reply(tool_calls=[("Read", {"file_path": "settings.ini"})])
    server.reply(ANSWER)
    run = one(recorder)
    assert run.solved, run.why
    assert run.turns == 2 and run.prompt_tokens > 0 and run.completion_tokens > 0
    assert run.first_token_s is not None and run.first_token_s < run.wall_s
    assert len(server.requests) == 2  # every request went through the proxy, and only once


def test_saying_it_is_solved_is_not_solving_it(server, recorder):
    server.reply("I have read settings.ini: the staging handshake_token is lantern-otter-19.")
    run = one(recorder)
    assert not run.solved and run.why and run.turns == 1


def test_the_lean_profile_is_what_ours_lean_runs(server, recorder):
    server.reply(ANSWER)
    one(recorder, "ours-lean")
    assert [t["function"]["name"] for t in server.requests[-1]["tools"]] == \
        ["Read", "Edit", "Write", "Bash", "Grep"]


def test_the_command_line_prints_the_table_the_summary_and_writes_the_csv(server, tmp_path):
    server.reply(tool_calls=[("Read", {"file_path": "settings.ini"})])
    server.reply(ANSWER)
    server.reply("I do not know.")
    out = tmp_path / "runs.csv"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "tasks.py"), "--base-url",
                           server.base_url, "--model", "m", "--tasks", "01-*", "--repeat", "2",
                           "--harness", "ours", "--csv", str(out)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "solve_rate 50" in done.stdout and "spread 0-100" in done.stdout
    rows = list(csv.DictReader(out.open()))
    assert [r["solved"] for r in rows] == ["True", "False"] and rows[0]["turns"] == "2"


def test_an_unknown_harness_or_pattern_is_a_clear_error(server):
    for args, said in ((["--harness", "claude"], "unknown harness 'claude'"),
                       (["--tasks", "nothing-*"], "no task matches 'nothing-*'")):
        done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "tasks.py"), "--base-url",
                               server.base_url, "--model", "m", *args], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode != 0 and said in done.stderr


def test_the_plot_is_a_png_with_matplotlib_and_a_sentence_without(tmp_path, monkeypatch):
    rows = [{"harness": "ours", "solve_rate": 50.0, "median_wall_s": 12.0},
            {"harness": "ours-lean", "solve_rate": 75.0, "median_wall_s": 8.0}]
    if importlib.util.find_spec("matplotlib") is None:
        pytest.skip("matplotlib is not installed (the bench extra)")
    said = runner.plot(rows, tmp_path / "tasks.png", "2 tasks")
    assert said.startswith("plot:") and (tmp_path / "tasks.png").read_bytes()[:4] == b"\x89PNG"
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert "matplotlib is not installed" in runner.plot(rows, tmp_path / "no.png", "x")


def test_tasks_are_chosen_by_globs_and_quick_ones_by_their_mark():
    assert [t.name for t in runner.load_tasks("01-*,15-*")] == [TASK, "15-command-fingerprint"]
    quick = runner.load_tasks(quick=True)
    assert len(quick) == 4 and all(t.quick for t in quick)
