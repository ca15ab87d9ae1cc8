"""A resume appends what changed instead of copying the whole history: ten resumes with a new
system prompt each time do not grow the file tenfold (agent/session/transcript.py)."""

import json

from agent.config.paths import project_folder
from agent.session.resume import resume_into
from agent.session.transcript import NO_RESULT, load, resume_records
from invariants import assert_paired
from test_transcript import SYSTEM, build, write_fixture


def a_long_session(n: int) -> list[dict]:
    messages = [SYSTEM]
    for i in range(n):
        messages += [{"role": "user", "content": f"question {i} " + "x" * 400},
                     {"role": "assistant", "content": f"answer {i} " + "y" * 600}]
    return messages


def test_ten_resumes_with_a_new_system_prompt_each_append_only_that(home, repo, server):
    path = write_fixture(project_folder(repo, home), "long", a_long_session(50))
    size = path.stat().st_size
    assert size > 50_000
    prompts = []
    for i in range(10):
        (repo / "AGENT.md").write_text(f"Memory, version {i}.\n")  # the system prompt changes
        session = build(repo, server)
        resume_into(session, path)
        prompts.append(session.agent.messages[0])
        session.transcript.close()  # as the process ends
        loaded = load(path)
        assert loaded.messages[0] == prompts[-1] and loaded.messages[1:] == a_long_session(50)[1:]
    assert len({p["content"] for p in prompts}) == 10
    grown = path.stat().st_size - size
    assert grown <= 10 * (len(json.dumps(prompts[-1])) + 100), grown  # ten system lines, no copies
    *_, last = path.read_text().splitlines()
    assert json.loads(last) == {"type": "system", "message": prompts[-1]}
    server.reply("still here")
    session = build(repo, server)
    resume_into(session, path)
    session.run("and now?")  # compacted first (50 kB in an 8k window): the file still loads to it
    assert load(path).messages == session.agent.messages


def test_a_resume_with_nothing_changed_writes_nothing(home, repo, server):
    session = build(repo, server)
    server.reply("hi")
    session.run("hello")
    path = session.transcript.path
    session.transcript.close()
    before = path.read_bytes()
    resume_into(build(repo, server), path)
    assert path.read_bytes() == before


def test_what_a_repair_adds_at_the_end_is_appended_and_a_change_in_the_middle_is_one_history_line():
    call = {"role": "assistant", "content": "", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "Bash", "arguments": "{}"}}]}
    new_system = {"role": "system", "content": "now"}
    on_disk = [SYSTEM, {"role": "user", "content": "go"}, call]
    cut_off = {"role": "tool", "tool_call_id": "c1", "content": NO_RESULT}
    assert resume_records(on_disk, on_disk) == []
    assert resume_records(on_disk, [new_system, *on_disk[1:]]) == [{"type": "system", "message": new_system}]
    assert resume_records(on_disk, [SYSTEM, *on_disk[1:], cut_off]) == [cut_off]
    assert resume_records(on_disk[1:], on_disk) == [{"type": "system", "message": SYSTEM}]  # none stored
    orphan = [SYSTEM, {"role": "tool", "tool_call_id": "x", "content": "?"}, {"role": "user", "content": "go"}]
    (record,) = resume_records(orphan, [new_system, orphan[2]])
    assert record["type"] == "history" and record["messages"] == [new_system, orphan[2]]


def test_a_repaired_file_loads_to_what_is_sent_and_the_next_resume_appends_only(home, repo, server):
    folder = project_folder(repo, home)
    call = {"role": "assistant", "content": "", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "Bash", "arguments": "{}"}},
        {"id": "c2", "type": "function", "function": {"name": "Bash", "arguments": "{}"}}]}
    path = write_fixture(folder, "s", [SYSTEM, {"role": "user", "content": "go"}, call,
                                       {"role": "tool", "tool_call_id": "c2", "content": "2"},
                                       {"role": "tool", "tool_call_id": "c1", "content": "1"}])
    session = build(repo, server)
    resume_into(session, path)  # results out of order: one history line, once
    session.transcript.close()
    assert load(path).messages == session.agent.messages
    assert_paired(session.agent.messages)
    n_lines = len(path.read_text().splitlines())
    (repo / "AGENT.md").write_text("changed\n")
    session = build(repo, server)
    resume_into(session, path)
    assert len(path.read_text().splitlines()) == n_lines + 1  # the new system prompt alone
    assert load(path).messages == session.agent.messages


def test_a_damaged_system_line_is_skipped(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        SYSTEM, {"role": "user", "content": "go"}, {"type": "system", "message": None},
        {"type": "system", "message": {"role": "user", "content": "not a system prompt"}}]) + "\n")
    loaded = load(path)
    assert loaded.messages == [SYSTEM, {"role": "user", "content": "go"}] and loaded.n_skipped == 2
