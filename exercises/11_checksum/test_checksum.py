"""Starter tests of exercise 11: a Checksum tool that only reads, so that several calls of it in
one reply run side by side, like Read, Glob and Grep."""

import hashlib

import pytest

from agent.events import ToolFinished
from agent.model.scripted import call
from kit import assert_paired, results, solved, start

PLUGIN = solved(__file__)


@pytest.fixture
def files(workspace):
    for name, data in (("a.bin", b"alpha"), ("b.bin", bytes(range(256)) * 9000), ("c.bin", b"")):
        (workspace / name).write_bytes(data)
    return workspace


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_checksum_is_right(files):
    session, _ = start(files, [call("Checksum", file_path="b.bin"), "Done."], PLUGIN)
    session.run("checksum b.bin")
    assert results(session.messages) == [f"sha256 {sha(files / 'b.bin')}  b.bin"]


def test_calls_in_one_reply_run_side_by_side_and_answer_in_order(files):
    events = []
    names = ["a.bin", "b.bin", "c.bin"]
    session, _ = start(files, [[call("Checksum", file_path=n) for n in names], "Done."], PLUGIN,
                       events=events)
    session.run("checksum them all")
    finished = [e.call for e in events if isinstance(e, ToolFinished)]
    assert len(finished) == 3  # ToolFinished: the loop ran the three as one group
    assert results(session.messages) == [f"sha256 {sha(files / n)}  {n}" for n in names]
    assert_paired(session.messages)


def test_a_bad_path_fails_alone_and_the_others_still_answer(files):
    (files / "folder").mkdir()
    steps = [[call("Checksum", file_path="a.bin"), call("Checksum", file_path="folder"),
              call("Checksum", file_path="nope.bin")], "Done."]
    session, _ = start(files, steps, PLUGIN)
    session.run("checksum")
    good, folder, missing = results(session.messages)
    assert good == f"sha256 {sha(files / 'a.bin')}  a.bin"
    assert folder.startswith("Error:") and "folder" in folder
    assert missing.startswith("Error:") and "nope.bin" in missing


def test_read_rules_cover_it(files):
    (files / "secret.txt").write_text("hunter2\n")
    session, _ = start(files, [call("Checksum", file_path="secret.txt"), "No."], PLUGIN,
                       deny=("Read(./secret.txt)",))
    session.run("checksum secret.txt")
    assert results(session.messages)[0].startswith("Permission denied: Checksum(secret.txt)")
