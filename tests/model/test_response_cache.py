"""Response caches: an exact cache that replays a recorded session with no server, and a
semantic cache for tool-free prompts, stacked as layers that each count their hits."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agent.model.response_cache import (ExactCache, SemanticCache, cosine, endpoint_embedder,
                                        layers, moved, tool_free_question)
from agent.model.client import OpenAICompatible
from agent.events import TextDelta
from agent.model.types import ModelError
from agent.model.scripted import ScriptedModel, call
from agent.model.meter import Meter

SYSTEM = {"role": "system", "content": "You are a test agent."}


def ask(text: str) -> list[dict]:
    return [SYSTEM, {"role": "user", "content": text}]


def refuse(messages, tools, emit):
    raise AssertionError("the model behind the cache was called")


class NoServer:
    name = "m"
    extra_body = {"max_tokens": 100}  # the options are part of the key
    complete = staticmethod(refuse)


def test_the_same_request_gets_the_recorded_reply_with_no_server(server, tmp_path):
    store = tmp_path / "rec.jsonl"
    client = OpenAICompatible(server.base_url, "key", "m", extra_body={"max_tokens": 100})
    server.reply(tool_calls=[("Read", {"file_path": "a.py"})])
    first = ExactCache(client, store).complete(ask("read a.py"), [], lambda e: None)
    assert len(server.requests) == 1 and first.tool_calls[0].name == "Read"
    seen = []
    replay = ExactCache(NoServer(), store, replay=True)
    again = replay.complete(ask("read a.py"), [], seen.append)
    assert again.tool_calls == first.tool_calls  # the same ids: the next request is the same too
    assert again.usage == first.usage and again.timing.served_by == "exact"
    assert replay.counts() == {"hits": 1, "misses": 0, "skipped": 0}
    with pytest.raises(ModelError, match=r"Replay: request 2 is not in the recording .*rec.jsonl"):
        replay.complete(ask("read b.py"), [], seen.append)


def test_the_key_covers_model_tools_and_options(tmp_path):
    def cache(name: str = "m", options: dict | None = None) -> ExactCache:
        inner = ScriptedModel([], name=name)
        inner.extra_body = options or {}
        return ExactCache(inner, tmp_path / "c.jsonl")
    base = cache().key(ask("hi"), [])
    assert cache().key(ask("hi"), []) == base
    assert cache("other").key(ask("hi"), []) != base
    assert cache(options={"max_tokens": 5}).key(ask("hi"), []) != base
    assert cache().key(ask("hi"), [{"type": "function"}]) != base
    assert cache().key(ask("hi!"), []) != base


def test_a_replayed_text_is_shown_and_a_torn_store_line_is_skipped(tmp_path):
    store = tmp_path / "c.jsonl"
    scripted = ScriptedModel(["hello there"], name="m")
    scripted.extra_body = {"max_tokens": 100}
    ExactCache(scripted, store).complete(ask("hi"), [], lambda e: None)
    with open(store, "a") as out:
        out.write('{"key": "abc", "reply": {"te')  # a crash mid-write
    seen = []
    reply = ExactCache(NoServer(), store, replay=True).complete(ask("hi"), [], seen.append)
    assert reply.text == "hello there" and seen == [TextDelta("hello there")]


def run(args, cwd, home, server_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return subprocess.run([sys.executable, "-m", "agent", "-p", "fix the typo", "--base-url", server_url,
                           "--permission-mode", "bypassPermissions", "--output-format", "json", *args],
                          cwd=cwd, env={**env, "HOME": str(home)}, capture_output=True, text=True,
                          timeout=60)


def test_a_recorded_session_replays_with_no_server(server, tmp_path):
    home, repo = tmp_path / "home", tmp_path / "repo"
    home.mkdir()
    repo.mkdir()
    (repo / "greet.py").write_text('print("helo")\n')
    pristine = tmp_path / "pristine"
    shutil.copytree(repo, pristine)
    path = str(repo / "greet.py")
    server.reply(tool_calls=[("Read", {"file_path": path})])
    server.reply(tool_calls=[("Edit", {"file_path": path, "old_string": "helo", "new_string": "hello"})])
    server.reply(tool_calls=[("Bash", {"command": "python3 greet.py"})])
    server.reply("Fixed: it prints hello.")
    recording = tmp_path / "session.jsonl"
    recorded = run(["--record", str(recording)], repo, home, server.base_url)
    assert json.loads(recorded.stdout)["result"] == "Fixed: it prints hello."
    assert len(recording.read_text().splitlines()) == 4
    server.stop()

    shutil.rmtree(repo)
    shutil.copytree(pristine, repo)  # the same files in the same place: the same requests
    replayed = run(["--replay", str(recording)], repo, home, server.base_url)
    document = json.loads(replayed.stdout)
    assert document["result"] == "Fixed: it prints hello." and document["num_turns"] == 4
    assert (repo / "greet.py").read_text() == 'print("hello")\n'  # the tools really ran
    assert document["cost"]["served_by"] == {"exact": 4}
    assert document["cost"]["caches"] == [{"kind": "exact", "file": str(recording), "hits": 4,
                                           "misses": 0, "skipped": 0}]

    (repo / "greet.py").write_text('print("helo")  # changed\n')  # the session goes another way
    diverged = run(["--replay", str(recording)], repo, home, server.base_url)
    document = json.loads(diverged.stdout)
    assert document["is_error"] and "not in the recording" in document["result"]
    missing = run(["--replay", str(tmp_path / "nope.jsonl")], repo, home, server.base_url)
    assert missing.returncode == 2 and "no such recording" in missing.stderr


def test_a_recording_replays_in_another_folder_under_another_system_prompt(server, tmp_path):
    """What a recording shipped with the docs meets: another machine's folder, home, date and
    memory files. The portable key leaves the system prompt and the reminders out, and the
    folder of the recording in the calls' arguments becomes the folder of the replay."""
    home, there = tmp_path / "home", tmp_path / "recorded-here" / "repo"
    there.mkdir(parents=True)
    home.mkdir()
    (there / "greet.py").write_text('print("helo")\n')
    path = str(there / "greet.py")
    server.reply(tool_calls=[("Read", {"file_path": path})])
    server.reply(tool_calls=[("Edit", {"file_path": path, "old_string": "helo", "new_string": "hello"})])
    server.reply(tool_calls=[("Glob", {"pattern": "*.py", "path": str(there)})])
    server.reply(f"Fixed {path}.")
    recording = tmp_path / "session.jsonl"
    assert run(["--record", str(recording)], there, home, server.base_url).returncode == 0
    server.stop()

    elsewhere, other_home = tmp_path / "a" / "much" / "longer" / "place", tmp_path / "home2"
    elsewhere.mkdir(parents=True)
    (other_home / ".agent").mkdir(parents=True)
    (other_home / ".agent" / "AGENT.md").write_text("Always answer in French.\n")  # in the prompt
    (elsewhere / "greet.py").write_text('print("helo")\n')
    replayed = run(["--replay", str(recording)], elsewhere, other_home, server.base_url)
    document = json.loads(replayed.stdout)
    assert not document["is_error"], document["result"]
    assert document["result"] == f"Fixed {elsewhere / 'greet.py'}."
    assert (elsewhere / "greet.py").read_text() == 'print("hello")\n'  # here, not there
    assert (there / "greet.py").read_text() == 'print("hello")\n'  # from the recording run only
    assert document["cost"]["served_by"] == {"exact": 4}

    (elsewhere / "greet.py").write_text('print("helo")  # changed\n')  # what a tool returns
    diverged = json.loads(run(["--replay", str(recording)], elsewhere, other_home,
                              server.base_url).stdout)
    assert diverged["is_error"] and "not in the recording" in diverged["result"]


def test_a_portable_match_is_only_tried_in_replay_and_an_exact_one_comes_first(tmp_path):
    store = tmp_path / "c.jsonl"
    scripted = ScriptedModel(["first"], name="m")
    scripted.extra_body = {"max_tokens": 100}
    ExactCache(scripted, store, cwd=tmp_path).complete(ask("hi"), [], lambda e: None)
    other_system = [{"role": "system", "content": "another prompt"}, ask("hi")[1]]
    with_reminder = [SYSTEM, {"role": "user", "content": "hi<system-reminder>day 2</system-reminder>"}]
    replay = ExactCache(NoServer(), store, replay=True, cwd=tmp_path / "elsewhere")
    assert replay.complete(other_system, [], lambda e: None).text == "first"
    another_model = ScriptedModel([], name="another")  # the recording answers, not the model
    another_model.extra_body = {"temperature": 0}
    assert ExactCache(another_model, store, replay=True).complete(
        other_system, [], lambda e: None).text == "first"
    assert replay.complete(with_reminder, [], lambda e: None).text == "first"
    with pytest.raises(ModelError, match="not in the recording"):
        replay.complete(ask("hi there"), [], lambda e: None)
    recorder = ExactCache(ScriptedModel(["second"], name="m"), store)  # not a replay: exact only
    recorder.inner.extra_body = {"max_tokens": 100}
    assert recorder.complete(other_system, [], lambda e: None).text == "second"


def test_an_exact_match_wins_over_a_portable_one(tmp_path):
    """Two recorded requests that differ only in the system prompt share a portable key."""
    store = tmp_path / "c.jsonl"
    for prompt, answer in (("prompt A", "for A"), ("prompt B", "for B")):
        recorded = ScriptedModel([answer], name=NoServer.name)
        recorded.extra_body = NoServer.extra_body
        ExactCache(recorded, store).complete(
            [{"role": "system", "content": prompt}, ask("hi")[1]], [], lambda e: None)
    replay = ExactCache(NoServer(), store, replay=True)
    for prompt, answer in (("prompt A", "for A"), ("prompt B", "for B")):
        asked = [{"role": "system", "content": prompt}, ask("hi")[1]]
        assert replay.complete(asked, [], lambda e: None).text == answer
    assert replay.complete([{"role": "system", "content": "C"}, ask("hi")[1]], [],
                           lambda e: None).text in ("for A", "for B")  # portable: either


def test_damaged_lines_of_a_recording_are_skipped_counted_and_named(tmp_path):
    store = tmp_path / "c.jsonl"
    ExactCache(ScriptedModel(["kept"]), store).complete(ask("hi"), [], lambda e: None)
    good = json.loads(store.read_text())
    damaged = [{**good["reply"], "tool_calls": None}, {**good["reply"], "tool_calls": [{"id": 1}]},
               {**good["reply"], "usage": "x"}, {**good["reply"], "usage": [1, 2, 3, 4]},
               {**good["reply"], "text": ["a"]}, "not a reply"]
    lines = [json.dumps({**good, "reply": reply}) for reply in damaged]
    lines += ['{"key": ', json.dumps({**good, "portable": ["a list"]}), json.dumps(good)]
    store.write_text("\n".join(lines) + "\n\n")
    replay = ExactCache(NoServer(), store, replay=True)
    assert replay.damaged == 8
    assert replay.complete(ask("hi"), [], lambda e: None).text == "kept"  # the good line
    with pytest.raises(ModelError, match="; 8 damaged line\\(s\\) of it skipped"):
        replay.complete(ask("another"), [], lambda e: None)


def test_the_recorded_folder_moves_only_where_it_is_the_whole_folder():
    entry = {"cwd": "/tmp/x", "reply": {"text": "/tmp/x/a.py, /tmp/x, /tmp/x2/b.py, /tmp/x.d",
                                        "tool_calls": [{"id": "1", "name": "Read",
                                                        "arguments": '{"file_path": "/tmp/x/a.py"}'}]}}
    reply = moved(entry, "/work/y")
    assert reply["text"] == "/work/y/a.py, /work/y, /tmp/x2/b.py, /tmp/x.d"
    assert json.loads(reply["tool_calls"][0]["arguments"]) == {"file_path": "/work/y/a.py"}
    assert moved({**entry, "cwd": "/work/y"}, "/work/y") is entry["reply"]


def test_a_recording_made_at_the_root_keeps_its_slashes(tmp_path):
    """cwd / would turn every slash into $CWD in the portable key, and move every slash."""
    store = tmp_path / "c.jsonl"
    ExactCache(ScriptedModel(["at root"]), store, cwd=Path("/")).complete(
        ask("read /etc/hosts"), [], lambda e: None)
    assert json.loads(store.read_text())["cwd"] == ""
    replay = ExactCache(NoServer(), store, replay=True, cwd=tmp_path)
    assert replay.complete([SYSTEM, {"role": "user", "content": "read /etc/hosts"}], [],
                           lambda e: None).text == "at root"


def test_a_recording_that_cannot_be_written_ends_the_turn_saying_so(server, tmp_path):
    """A full disk, met for real: the file size limit (RLIMIT_FSIZE, with SIGXFSZ ignored) makes
    the recording's next line fail as ENOSPC would. The turn ends with an error naming the
    file, nothing is lost silently, and the session's transcript stays valid."""
    home, repo = tmp_path / "home", tmp_path / "repo"
    home.mkdir()
    repo.mkdir()
    recording = repo / "session.jsonl"
    recording.write_text("\n" * 60_000)  # near the limit: blank lines, skipped when read

    def small_files():
        import resource
        import signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (60_050, 60_050))

    server.reply("Done.")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    done = subprocess.run([sys.executable, "-m", "agent", "-p", "hi", "--base-url", server.base_url,
                           "--output-format", "json", "--record", str(recording)],
                          cwd=repo, env={**env, "HOME": str(home)}, capture_output=True,
                          text=True, timeout=60, preexec_fn=small_files)
    document = json.loads(done.stdout)
    assert done.returncode == 1 and document["is_error"], done.stderr
    assert f"could not write the exact store {recording}: File too large" in document["result"]
    assert "Traceback" not in done.stderr
    transcripts = list((home / ".agent" / "projects").rglob("*.jsonl"))
    assert transcripts and all(json.loads(line) for f in transcripts
                               for line in f.read_text().splitlines())


def test_a_folder_or_a_device_as_the_recording_is_refused_at_the_start(tmp_path):
    (tmp_path / "home").mkdir()
    for target in (tmp_path, Path("/dev/zero")):  # /dev/zero read as a store never ends
        done = run(["--record", str(target)], tmp_path, tmp_path / "home", "http://127.0.0.1:9/v1")
        assert done.returncode == 2 and f"--record {target}: not a file" in done.stderr


def embedder(server):
    return endpoint_embedder(server.base_url, "key", "embedder")


def test_the_semantic_cache_answers_a_question_that_means_the_same(server, tmp_path):
    client = OpenAICompatible(server.base_url, "key", "m", extra_body={"max_tokens": 100})
    cache = SemanticCache(client, tmp_path / "s.jsonl", embedder(server))
    server.reply("Run pytest from the project root.")
    first = cache.complete(ask("How do I run the tests?"), [], lambda e: None)
    hit = cache.complete(ask("how do I run the tests"), [], lambda e: None)
    assert hit.text == first.text and hit.timing.served_by == "semantic"
    assert cache.last_similarity == pytest.approx(1.0)
    server.reply("Removing them would lose coverage.")
    miss = cache.complete(ask("delete the tests"), [], lambda e: None)  # shares words, not meaning
    assert miss.text == "Removing them would lose coverage." and cache.last_similarity < 0.92
    assert cache.counts() == {"hits": 1, "misses": 2, "skipped": 0}
    assert len(server.requests) == 2 and len(server.embedding_requests) == 3
    assert server.embedding_requests[0]["model"] == "embedder"
    assert server.embedding_requests[0]["input"] == "How do I run the tests?"  # no reminders
    # a new cache over the same file remembers
    again = SemanticCache(NoServer(), tmp_path / "s.jsonl", embedder(server))
    assert again.complete(ask("How do I run the tests"), [], lambda e: None).text == first.text


def test_the_semantic_cache_stays_out_of_tool_work(server, tmp_path):
    cache = SemanticCache(ScriptedModel([call("Read", file_path="a.py"), "It is empty.", "Again."],
                                        name="m"), tmp_path / "s.jsonl", embedder(server))
    cache.complete(ask("what is in a.py?"), [], lambda e: None)  # a reply with a call: not stored
    history = ask("what is in a.py?") + [
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
                                                             "function": {"name": "Read", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": ""}]
    assert cache.complete(history, [], lambda e: None).text == "It is empty."
    assert cache.complete(ask("what is in a.py?"), [], lambda e: None).text == "Again."
    assert cache.counts() == {"hits": 0, "misses": 2, "skipped": 1}
    other_system = [{"role": "system", "content": "Another prompt."}, ask("what is in a.py?")[1]]
    assert cache.context_key(other_system) != cache.context_key(ask("x"))


def test_tool_free_question_drops_reminders():
    text = "run the tests\n\n<system-reminder>Today's date is 2026-11-22.</system-reminder>"
    assert tool_free_question(ask(text)) == "run the tests"
    assert tool_free_question(ask("a") + [{"role": "assistant", "content": "b"}]) is None
    assert cosine([1, 0], [0, 1]) == 0 and cosine([1, 1], [2, 2]) == pytest.approx(1.0)
    assert cosine([0, 0], [1, 1]) == 0


def test_layers_stack_and_each_counts_its_own(server, tmp_path):
    client = OpenAICompatible(server.base_url, "key", "m")
    semantic = SemanticCache(client, tmp_path / "s.jsonl", embedder(server))
    exact = ExactCache(semantic, tmp_path / "e.jsonl")
    model = Meter(exact)
    server.reply("Use pytest.")
    for question in ("How do I run the tests?", "How do I run the tests?", "how do i run the tests"):
        assert model.complete(ask(question), [], lambda e: None).text == "Use pytest."
    assert [layer.kind for layer in layers(model)] == ["exact", "semantic"]
    assert exact.counts() == {"hits": 1, "misses": 2, "skipped": 0}
    assert semantic.counts() == {"hits": 1, "misses": 1, "skipped": 0}  # never asked for the repeat
    assert [r.served_by for r in model.records] == ["server", "exact", "semantic"]
    assert len(server.requests) == 1


def test_an_endpoint_without_embeddings_is_a_clear_error(server, tmp_path):
    embed = endpoint_embedder(server.base_url + "/nothing-here", "key", "m")
    with pytest.raises(ModelError, match="semantic cache could not get embeddings.*AGENT_EMBEDDING_MODEL"):
        embed("hello")
