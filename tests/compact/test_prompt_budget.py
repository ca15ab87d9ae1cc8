"""A prompt too large for the window never reaches the server: filed away, or refused."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.compact.ladder import Ladder
from agent.compact.prompt_budget import FLOOR, PROMPT_TOO_LONG, PromptBudget
from agent.compact.window import Window
from agent.config.config import load_config
from agent.events import PromptFiled
from agent.loop.seams import FACTS
from agent.loop.turn import Agent
from agent.model.scripted import ScriptedModel
from agent.model.tokens import TokenCounter
from agent.session.compose import build_session
from agent.tools import ToolContext

BIG = "".join(f"line {i}: an error was logged at step {i * 7} of the build\n" for i in range(20_000))
"""About 1 MB."""


def run_cli(args: list[str], cwd: Path, server, stdin: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return subprocess.run([sys.executable, "-m", "agent", "-p", "--base-url", server.base_url,
                           "--model", "m", "--no-sandbox", "--profile", "default", *args],
                          cwd=cwd, env={**base, "HOME": str(cwd)}, input=stdin,
                          capture_output=True, text=True, timeout=60)


def filed(home: Path) -> list[Path]:
    return sorted(home.glob(".agent/sessions/*/prompts/prompt-*.txt"))


def test_a_1mb_prompt_on_stdin_is_filed_away_and_never_sent(server, tmp_path):
    server.reply("I will read it in parts")
    done = run_cli(["--context-window", "8192", "--output-format", "stream-json", "--verbose"],
                   tmp_path, server, BIG)
    assert done.returncode == 0, done.stderr
    assert len(server.requests) == 1  # one request, and no retry of anything
    assert all(len(raw) < 60_000 for raw in server.raw)  # the prompt never went out whole
    sent = server.requests[0]["messages"][-1]["content"]
    (path,) = filed(tmp_path)
    assert path.read_text() == BIG and str(path) in sent and "Read it in parts" in sent
    assert "line 0: an error" in sent and "line 19999: an error" in sent  # its start and end
    assert "20,000 lines" in sent
    events = [json.loads(line) for line in done.stdout.splitlines()]
    (notice,) = [e for e in events if e.get("subtype") == "prompt_filed"]
    assert notice["path"] == str(path) and notice["tokens"] > 200_000
    assert events[-1]["result"] == "I will read it in parts" and not events[-1]["is_error"]
    transcript = next(tmp_path.glob(".agent/projects/*/*.jsonl")).read_text()
    assert len(transcript) < 60_000 and str(path) in transcript  # stored as sent


def test_a_prompt_that_cannot_be_saved_is_refused_in_one_line(server, tmp_path):
    (tmp_path / ".agent").mkdir()
    (tmp_path / ".agent" / "sessions").write_text("not a folder")  # no session folder can be made
    server.reply("never asked")
    done = run_cli(["--context-window", "8192"], tmp_path, server, BIG)
    assert done.returncode == 1 and server.requests == []
    (line,) = done.stderr.strip().splitlines()[-1:]
    assert line.startswith(f"agent: {PROMPT_TOO_LONG}: the prompt is ")
    assert "could not be saved" in line and "nothing was sent" in line and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_json_result_of_a_refused_prompt_is_an_error(server, tmp_path):
    (tmp_path / ".agent").mkdir()
    (tmp_path / ".agent" / "sessions").write_text("not a folder")
    done = run_cli(["--context-window", "8192", "--output-format", "json"], tmp_path, server, BIG)
    document = json.loads(done.stdout)
    assert done.returncode == 1 and server.requests == []
    assert document["is_error"] and document["stop_reason"] == PROMPT_TOO_LONG


def test_print_mode_says_on_stderr_that_the_prompt_was_filed(server, tmp_path):
    server.reply("read it")
    done = run_cli(["--context-window", "8192"], tmp_path, server, BIG)
    (path,) = filed(tmp_path)
    assert done.returncode == 0 and done.stdout == "read it\n"
    assert f"saved in {path}, and the model reads it from there" in done.stderr


def test_a_prompt_under_the_limit_goes_as_it_is(server, tmp_path):
    prompt = "explain this log:\n" + BIG[:3000]
    server.reply("ok")
    done = run_cli(["--context-window", "8192"], tmp_path, server, prompt)
    assert done.returncode == 0, done.stderr
    assert server.requests[0]["messages"][-1]["content"].startswith(prompt.strip())
    assert filed(tmp_path) == []


@pytest.fixture
def session(server, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    config = load_config({"base_url": server.base_url, "model": "m", "context_window": 8192,
                          "sandbox": False}, {"HOME": str(tmp_path)}, tmp_path)
    events: list = []
    return build_session(config, events.append, ask=None, session_id="s1"), events


def test_the_model_can_read_the_filed_prompt_in_parts(session, server, tmp_path):
    session, events = session
    digest = hashlib.sha1(BIG.encode()).hexdigest()[:12]
    path = tmp_path / ".agent" / "sessions" / "s1" / "prompts" / f"prompt-{digest}.txt"
    server.reply(tool_calls=[("Read", {"file_path": str(path), "offset": 101, "limit": 2})])
    server.reply("line 100 says step 700")
    end = session.run(BIG)
    assert end.stop_reason == "end_turn" and end.text == "line 100 says step 700"
    result = server.requests[1]["messages"][-1]
    assert result["role"] == "tool" and "line 100: an error was logged at step 700" in result["content"]
    assert [e for e in events if isinstance(e, PromptFiled)][0].path == str(path)
    # the same prompt again: the same file, and the history stays small
    server.reply("again")
    session.run(BIG)
    assert filed(tmp_path) == [path]
    assert all(len(raw) < 60_000 for raw in server.raw)


def test_the_repl_files_a_large_first_prompt_away(server, tmp_path):
    from terminal import Pty
    prompt = "summarize:\n" + BIG[:60_000]  # a command line holds about 128 kB
    server.reply("summarized from the file")
    env = {**os.environ, "HOME": str(tmp_path), "OPENAI_BASE_URL": server.base_url, "TERM": "dumb"}
    with Pty([sys.executable, "-m", "agent", "--context-window", "8192", "--no-sandbox",
              "--profile", "default", prompt],
             tmp_path, env) as child:
        child.expect("summarized from the file")
        child.send("/exit\r")
        assert child.close() == 0
    (path,) = filed(tmp_path)
    assert path.read_text() == prompt and len(server.requests) == 1
    assert str(path) in server.requests[0]["messages"][-1]["content"]


def budget_for(window: int, folder: Path, fixed: int = 100) -> PromptBudget:
    return PromptBudget(Ladder(Window.of(window)), folder, lambda: fixed)


@pytest.mark.parametrize("window", [4096, 8192, 32768, 131072])
def test_the_rule_half_of_the_history_space(tmp_path, window):
    budget = budget_for(window, tmp_path)
    limit = budget.limit()
    assert limit == (Window.of(window).limit - 100) // 2
    counter = TokenCounter()
    words = "word " * (limit * 2)
    under = words[:len(words) // 2]
    while counter.message({"role": "user", "content": under}) > limit:
        under = under[:-50]
    assert budget.file_away(under) is under  # fits: untouched
    over = under + "word " * 60
    sent = budget.file_away(over)
    assert sent != over and counter.message({"role": "user", "content": sent}) <= limit
    assert (tmp_path / next(tmp_path.iterdir()).name).read_text() == over


def test_a_window_too_small_for_the_system_prompt_still_takes_a_short_question(tmp_path):
    budget = budget_for(4096, tmp_path, fixed=5000)
    assert budget.limit() == FLOOR
    assert budget.file_away("what does main.py do?") == "what does main.py do?"
    assert budget("what does main.py do?") is None


def test_the_loop_refuses_a_prompt_that_came_round_the_filing(tmp_path):
    model = ScriptedModel(["never"])
    agent = Agent(model, [], "sys", ToolContext(cwd=tmp_path))
    budget = PromptBudget(Ladder(Window.of(8192)), tmp_path / "p", lambda: 50)
    agent.on_prompt.add(budget, at=FACTS)
    end = agent.run(BIG)  # straight to the loop, not through Session.run
    assert end.stop_reason == PROMPT_TOO_LONG and "nothing was sent" in end.text
    assert model.requests == [] and agent.messages == [{"role": "system", "content": "sys"}]
