"""Checkpoints and /rewind: a scripted session over real HTTP writes and edits real files across
three prompts; rewinding must give the files back byte for byte, cut the conversation at the
right message, leave what Bash did alone and say so, and let the session go on."""

import json
import os
from pathlib import Path

import pytest

from agent.session.checkpoints import NOT_TRACKED, Checkpoints, rewind_command
from agent.tools.todo import todos_text
from invariants import assert_paired

PNG = b"\x89PNG\r\n\x1a\n\xff\xfe caf\xe9\r\n\x80\x81"  # not UTF-8, CRLF, no NUL (Read takes it)
PLAN = [{"content": "Fix it", "status": "in_progress", "activeForm": "Fixing it"}]


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "src.py").write_text("def f():\n    return 1\n")
    (repo / "data.bin").write_bytes(PNG)
    (repo / "old.txt").write_text("old\n")
    (repo / "untouched.txt").write_text("same\n")
    return repo


def build(repo, server, mode="bypassPermissions", ask=None, session_id="s1"):
    from agent.session.compose import build_session, load_permissions
    from agent.config.config import load_config
    config = load_config({"base_url": server.base_url, "model": "m", "permission_mode": mode},
                         {"HOME": os.environ["HOME"]}, repo)
    return build_session(config, lambda e: None, ask, session_id=session_id,
                         permissions=load_permissions(config, [], []))


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def edit(path: str, old: str, new: str) -> tuple[str, dict]:
    return ("Edit", {"file_path": path, "old_string": old, "new_string": new})


def three_prompts(agent, server, repo) -> list[dict[str, bytes]]:
    """The session: the files before each prompt and at the end."""
    states = [snapshot(repo)]
    server.reply(tool_calls=[("Read", {"file_path": "src.py"}), ("Read", {"file_path": "data.bin"})])
    server.reply(tool_calls=[("Write", {"file_path": "data.bin", "content": "new png\n"}),
                             ("Write", {"file_path": "new.txt", "content": "v1\n"}),
                             edit("src.py", "return 1", "return 2")])
    server.reply("done 1")
    agent.run("one")
    states.append(snapshot(repo))
    server.reply(tool_calls=[edit("new.txt", "v1", "v2"),  # created in prompt 1, edited now
                             edit("src.py", "return 2", "return 3"),
                             edit("untouched.txt", "same", "other"),  # not read: refused
                             ("Bash", {"command": "rm old.txt"})])
    server.reply("done 2")
    agent.run("two")
    states.append(snapshot(repo))
    server.reply(tool_calls=[("Write", {"file_path": "data.bin", "content": "newer\n"}),
                             edit("src.py", "return 3", "return 4"),
                             ("Write", {"file_path": "new2.txt", "content": "fresh\n"}),
                             ("Write", {"file_path": "sub/dir/deep.txt", "content": "deep\n"})])
    server.reply("done 3")
    agent.run("three")
    states.append(snapshot(repo))
    return states


def prompts(messages: list[dict]) -> list[str]:
    """The user prompts, without the reminders notes appended to them (the date)."""
    return [m["content"].split("\n\n<system-reminder>")[0] for m in messages if m["role"] == "user"]


def without(state: dict[str, bytes], *names: str) -> dict[str, bytes]:
    return {k: v for k, v in state.items() if k not in names}


def test_rewind_restores_files_byte_for_byte_and_the_conversation(home, repo, server):
    session = build(repo, server)
    before = three_prompts(session.agent, server, repo)
    assert before[2]["new.txt"] == b"v2\n" and "old.txt" not in before[2]
    assert before[2]["untouched.txt"] == b"same\n"
    menu = rewind_command(session, "")
    assert '  1  "one"  data.bin, new.txt, src.py' in menu
    assert '  2  "two"  new.txt, src.py\n' in menu  # the refused Edit saved nothing
    assert '  3  "three"  data.bin, src.py, new2.txt, sub/dir/deep.txt' in menu
    assert menu.endswith(NOT_TRACKED)

    said = rewind_command(session, "2")
    assert snapshot(repo) == without(before[1], "old.txt")  # Bash deleted it in prompt 2:
    assert "old.txt" in before[1] and not (repo / "old.txt").exists()  # not restored
    assert "Not undone: commands run through Bash since then (rm old.txt)" in said
    assert "restored new.txt, src.py, data.bin; deleted new2.txt, sub/dir/deep.txt (created since)" in said
    assert session.agent.messages[-1]["content"] == "done 1"
    assert prompts(session.agent.messages) == ["one"]
    assert '"two"' not in rewind_command(session, "")

    server.reply("carrying on")  # the session goes on from there, with a valid history
    assert session.run("again").stop_reason == "end_turn"
    sent = server.requests[-1]["messages"]
    assert prompts(sent) == ["one", "again"]
    assert_paired(sent)
    assert_paired(session.agent.messages)

    n_messages = len(session.agent.messages)
    said = rewind_command(session, "1 code")  # saves of rewound prompts still count
    assert snapshot(repo) == without(before[0], "old.txt")
    assert (repo / "data.bin").read_bytes() == PNG
    assert len(session.agent.messages) == n_messages  # code only: the conversation stays
    assert "conversation" not in said


def test_conversation_only_leaves_the_files(home, repo, server):
    session = build(repo, server)
    after = three_prompts(session.agent, server, repo)[-1]
    said = rewind_command(session, "3 conversation")
    assert snapshot(repo) == after
    assert "code:" not in said and "conversation: 7 messages removed" in said
    assert session.agent.messages[-1]["content"] == "done 2"
    assert_paired(session.agent.messages)


def test_the_checkpoints_are_on_disk_and_survive_the_session(home, repo, server):
    session = build(repo, server)
    before = three_prompts(session.agent, server, repo)
    folder = home / ".agent" / "sessions" / "s1" / "checkpoints"
    again = Checkpoints(folder, repo)  # as after a crash: only the folder is left
    assert again.menu(session.agent.messages) == rewind_command(session, "")
    again.restore(2)
    assert snapshot(repo) == without(before[1], "old.txt")
    lines = [json.loads(line) for line in (folder / "index.jsonl").read_text().splitlines()]
    assert [e["text"] for e in lines if "text" in e] == ["one", "two", "three"]


def test_a_file_that_cannot_be_restored_is_named_and_the_rest_restored(home, repo, server):
    session = build(repo, server)
    before = three_prompts(session.agent, server, repo)
    (repo / "new2.txt").unlink()
    (repo / "new2.txt").mkdir()  # a folder where the file was: it cannot be deleted as a file
    said = rewind_command(session, "3 code")
    assert "could not restore new2.txt (" in said
    assert snapshot(repo) == before[2]


def test_a_checkpoint_folder_that_cannot_be_written_keeps_the_saves_for_this_run(
        home, repo, server):
    (home / ".agent").write_text("")  # a file where the data folder should be
    session = build(repo, server)
    before = three_prompts(session.agent, server, repo)
    listing = rewind_command(session, "")
    assert "could not be written" in listing and "kept for this run only" in listing
    rewind_command(session, "2 code")
    assert snapshot(repo) == without(before[1], "old.txt")  # old.txt: Bash removed it


def test_a_refused_write_saves_nothing(home, repo, server):
    server.reply(tool_calls=[("Write", {"file_path": "made.txt", "content": "x"})])
    server.reply("could not")
    session = build(repo, server, mode="default")  # print mode: nobody can approve
    session.run("make a file")
    assert not (repo / "made.txt").exists()
    assert '"make a file"  no file changes' in rewind_command(session, "")


def test_after_a_clear_only_the_code_can_go_back(home, repo, server):
    session = build(repo, server)
    before = three_prompts(session.agent, server, repo)
    session.agent.clear()
    assert "(compacted or cleared: code only)" in rewind_command(session, "")
    said = rewind_command(session, "2")
    assert "cannot go back before it" in said and "/rewind 2 code" in said
    assert snapshot(repo) == before[-1]  # refused: nothing changed
    said = rewind_command(session, "2 code")
    assert snapshot(repo) == without(before[1], "old.txt") and said.endswith(NOT_TRACKED)


@pytest.mark.parametrize("rest, answer", [
    ("x", "Use: /rewind N [code|conversation|both]"),
    ("1 files", "Use: /rewind N"),
    ("9", "There is no prompt 9 to rewind to."),
])
def test_bad_arguments_say_how(home, repo, server, rest, answer):
    server.reply("hi")
    session = build(repo, server)
    session.run("hello")
    assert rewind_command(session, rest).startswith(answer)


def test_rewinding_the_conversation_brings_back_its_todo_list(home, repo, server):
    server.reply(tool_calls=[("TodoWrite", {"todos": PLAN})])
    server.reply("planned")
    server.reply(tool_calls=[("TodoWrite", {"todos": [{**PLAN[0], "status": "completed"}]})])
    server.reply("done")
    session = build(repo, server)
    session.run("plan")
    session.run("finish")
    assert todos_text(session.todos.items) == "☑ Fix it"
    rewind_command(session, "2")
    assert todos_text(session.todos.items) == "◐ Fixing it"
    rewind_command(session, "1 conversation")
    assert todos_text(session.todos.items) == "No todos yet."


def test_a_session_resumed_in_the_repl_brings_its_checkpoints(home, repo, server):
    from agent.app.slash import command
    server.reply(tool_calls=[("Write", {"file_path": "made.txt", "content": "x"})])
    server.reply("made")
    first = build(repo, server)
    first.run("make a file")
    first.transcript.close()  # as the process that wrote it ends: one writer per session
    other = build(repo, server, session_id="s2")
    assert command(other, "/rewind", "") == "No prompts yet: there is nothing to rewind."
    assert command(other, "/resume", "s1").startswith("Resumed session s1")
    assert "make a file" in command(other, "/rewind", "")
    command(other, "/rewind", "1")
    assert not (repo / "made.txt").exists() and len(other.messages) == 1
