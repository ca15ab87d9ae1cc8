"""Calls of one reply that share an id: run live, then resumed with every result in place,
from a real `python -m agent` run and from a transcript written before ids were made unique."""

import json

import pytest

from agent.config.paths import project_folder
from agent.session.transcript import NO_RESULT, load, repair
from invariants import assert_paired
from test_transcript import SYSTEM, agent_cli


def calls(*pairs: tuple[str, str]) -> dict:
    return {"role": "assistant", "content": "", "tool_calls": [
        {"id": id_, "type": "function", "function": {"name": "Bash",
                                                     "arguments": json.dumps({"command": f"echo {word}"})}}
        for id_, word in pairs]}


def result(call_id: str, text: str) -> dict:
    return {"role": "tool", "tool_call_id": call_id, "content": text}


@pytest.mark.parametrize("stream", [True, False])
def test_shared_ids_from_the_server_survive_a_resume_with_every_result(home, repo, server, stream):
    server.reply(tool_calls=[("Bash", {"command": f"echo word{n}"}) for n in range(4)],
                 ids=["call_0"] * 4)
    server.reply("Four words.")
    flags = ["--base-url", server.base_url, "--permission-mode", "bypassPermissions",
             *([] if stream else ["--no-stream"])]
    first = agent_cli(["-p", "say four words", *flags], repo, home)
    assert (first.returncode, first.stdout) == (0, "Four words.\n"), first.stderr
    live = server.requests[-1]["messages"]
    assert_paired(live)
    server.reply("Done.")
    again = agent_cli(["--continue", "-p", "and now?", *flags], repo, home)
    assert again.returncode == 0, again.stderr
    sent = server.requests[-1]["messages"]
    assert_paired(sent)
    results = [m["content"] for m in sent if m["role"] == "tool"]
    assert len(results) == 4 and NO_RESULT not in results
    assert [r.strip() for r in results] == [f"word{n}" for n in range(4)]
    assert sent[:len(live)][1:] == live[1:]  # the resume sends what the live run sent
    (path,) = project_folder(repo, home).glob("*.jsonl")
    assert "history" not in path.read_text()  # nothing to repair: nothing rewritten


OLD = {  # transcripts written before replies were made unique
    "two calls, one id": ([calls(("c", "one"), ("c", "two")), result("c", "1"), result("c", "2")],
                          ["1", "2"]),
    "three calls, one id, the last cut off": (
        [calls(("c", "a"), ("c", "b"), ("c", "c")), result("c", "A"), result("c", "B")],
        ["A", "B", NO_RESULT]),
    "a shared id beside a unique one, out of order": (
        [calls(("c", "a"), ("d", "b"), ("c", "c")), result("d", "B"), result("c", "A"), result("c", "C")],
        ["A", "B", "C"]),
    "a shared id, a third result too many": (
        [calls(("c", "a"), ("c", "b")), result("c", "A"), result("c", "B"), result("c", "extra")],
        ["A", "B"]),
}


@pytest.mark.parametrize("name", OLD)
def test_repair_pairs_shared_ids_in_turn_and_gives_them_ids_of_their_own(name):
    body, expected = OLD[name]
    fixed = repair([SYSTEM, {"role": "user", "content": "go"}, *body])
    assert_paired(fixed.messages)
    ids = [c["id"] for c in fixed.messages[2]["tool_calls"]]
    assert len(set(ids)) == len(ids)
    assert [m["content"] for m in fixed.messages[3:]] == expected
    assert [m["tool_call_id"] for m in fixed.messages[3:]] == ids
    assert "calls that shared an id were given ids of their own" in fixed.notes
    assert repair(fixed.messages).notes == ()


def test_an_old_transcript_with_shared_ids_resumes_with_its_results(home, repo, server):
    folder = project_folder(repo, home)
    folder.mkdir(parents=True)
    body, _ = OLD["two calls, one id"]
    path = folder / "old.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in [SYSTEM, {"role": "user", "content": "go"}, *body]))
    server.reply("ok")
    done = agent_cli(["--resume", "old", "-p", "next", "--base-url", server.base_url], repo, home)
    assert done.returncode == 0, done.stderr
    sent = server.requests[-1]["messages"]
    assert_paired(sent)
    assert [m["content"] for m in sent if m["role"] == "tool"] == ["1", "2"]
    assert load(path).messages[-1]["content"] == "ok"
