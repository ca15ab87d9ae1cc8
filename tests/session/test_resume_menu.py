"""`/resume` with many sessions: the newest first, ten to a page, one numbering across the
pages, and the runs the model never answered left out (and said to be); real transcript
files in a temporary home, the REPL in a real pseudo-terminal."""

import json
import os
import sys
import time

from agent.app.slash import Console, dispatch
from agent.config.paths import project_folder
from agent.session.resume import pick, resume_menu, sessions_report
from terminal import Pty

SYSTEM = {"role": "system", "content": "You are a test."}
NOW = time.time()


def write(folder, name: str, messages: list[dict], age: float, text: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.jsonl"
    path.write_text(text if text is not None else "".join(json.dumps(m) + "\n" for m in messages))
    os.utime(path, (NOW - age, NOW - age))


def many(folder, n_answered: int = 25) -> None:
    """Sessions s00 (newest) to s24, answered; between them the clutter of failed runs."""
    for k in range(n_answered):
        write(folder, f"s{k:02}", [SYSTEM, {"role": "user", "content": f"task {k:02} " + "word " * 30},
                                   {"role": "assistant", "content": "done"}], age=60 * k + 60)
    for k in range(3):  # the server was down: the prompt, and no answer
        write(folder, f"failed{k}", [SYSTEM, {"role": "user", "content": f"failed {k}"}], age=60 * k + 90)
    write(folder, "opened", [SYSTEM], age=30)  # the system prompt only: no session yet
    write(folder, "empty", [], age=20, text="")
    write(folder, "torn", [], age=10, text='{"role": "us')


def test_an_id_that_begins_with_digits_alone_is_found_by_them(home, repo):
    folder = project_folder(repo, home)
    many(folder, n_answered=3)
    answered = [SYSTEM, {"role": "user", "content": "digits"}, {"role": "assistant", "content": "ok"}]
    write(folder, "11516350-aaaa-4bbb-8ccc-dddddddddddd", answered, age=5)
    assert pick(folder, "11516350").id.startswith("11516350-")
    assert pick(folder, "1").id.startswith("11516350-")  # the newest: a number in the list wins
    assert pick(folder, "4").id == "s02"
    try:
        pick(folder, "99")
    except Exception as err:
        assert str(err) == "no session number 99: /resume lists 4"
    else:
        raise AssertionError("99 named a session")


def test_pages_of_ten_with_one_numbering_and_failed_runs_left_out(home, repo):
    folder = project_folder(repo, home)
    many(folder)
    first = resume_menu(folder).splitlines()
    assert first[0] == "Sessions, newest first (1-10 of 25):"
    assert [line.split()[0] for line in first[1:11]] == [f"{n}." for n in range(1, 11)]
    assert all(f"task {n - 1:02} " in first[n] for n in range(1, 11))
    assert first[11] == "/resume N or ID goes on with one; /resume more shows 11-20."
    assert first[12].startswith("(3 run(s) the model never answered are not listed")
    assert not any("failed" in line or "opened" in line for line in first)
    assert all(len(line) <= 100 and line.endswith(" …") for line in first[1:11])  # a word, cut
    third = resume_menu(folder, 20).splitlines()
    assert third[0] == "Sessions, newest first (21-25 of 25):" and third[1].startswith("  21. ")
    assert "task 24 " in third[5] and third[6].endswith("that is all of them.")
    assert resume_menu(folder, 25).startswith("No more sessions: all 25 were listed")
    assert pick(folder, "15").id == "s14" and pick(folder, "failed1").id == "failed1"
    assert "failed1" in sessions_report(folder)  # `agent sessions` still lists every one


def test_the_console_pages_on_with_more_and_picks_by_the_same_numbers(home, repo, server):
    from agent.config.config import load_config
    from agent.session.compose import build_session

    folder = project_folder(repo, home)
    many(folder, n_answered=12)
    config = load_config({"base_url": server.base_url, "model": "m"}, {"HOME": str(home)}, repo)
    console = Console(build_session(config, lambda event: None, ask=None))
    shown = dispatch(console, "/resume", "").text
    assert "(1-10 of 12)" in shown and "/resume more shows 11-12." in shown
    shown = dispatch(console, "/resume", "more").text
    assert "(11-12 of 12)" in shown and "  12. " in shown and "task 11 " in shown
    assert dispatch(console, "/resume", "more").text.startswith("No more sessions")
    assert "(1-10 of 12)" in dispatch(console, "/resume", "more").text  # round again
    said = dispatch(console, "/resume", "12").text
    assert said.startswith("Resumed session s11")
    assert "s11" not in dispatch(console, "/resume", "").text  # the session in use: not offered


def test_the_repl_pages_and_resumes(tmp_path, server):
    home, repo = tmp_path / "home", tmp_path / "repo"
    repo.mkdir()
    many(project_folder(repo, home), n_answered=12)
    env = {**os.environ, "HOME": str(home), "OPENAI_BASE_URL": server.base_url, "TERM": "dumb"}
    with Pty([sys.executable, "-m", "agent"], repo, env) as child:
        child.expect("> ")
        child.send("/resume\r")
        child.expect("/resume more shows 11-12.")
        child.send("/resume more\r")
        child.expect("that is all of them.")
        child.send("/resume 11\r")
        out = child.expect("Resumed session s10 (2 messages).")
        child.send("/exit\r")
        assert child.close() == 0
    assert "task 10 " in out and "failed0" not in out and "opened" not in out
