"""Print mode's output against Claude Code's: the json result, the stream-json lines, the
refusals said in every format, --max-turns, --input-format stream-json, --append-system-prompt.
Real runs of `python -m agent` against the scripted OpenAI server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

RECORDED = Path(__file__).parent / "claude_code"
TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
         float: "number", type(None): "null"}


def run(args: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return subprocess.run([sys.executable, "-m", "agent", *args], cwd=cwd, input=stdin,
                          env={**env, "HOME": str(cwd)}, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "range.py").write_text("def parse_range(a, b):\n    return range(a, b)\n")
    return tmp_path


FIX = {"old_string": "range(a, b)", "new_string": "range(a, b + 1)"}


def script_refused_push(server, repo: Path) -> None:
    """Read (allowed), then Edit (refused: print mode cannot ask), then an answer that
    claims the work was done."""
    server.reply(text="Let me look at the test first.",
                 tool_calls=[("Read", {"file_path": str(repo / "range.py")})])
    server.reply(tool_calls=[("Edit", {"file_path": str(repo / "range.py"), **FIX})])
    server.reply(text="Fixed the off-by-one in parse_range; the tests pass.")


def lines_of(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def missing(recorded, ours, where: str = "") -> list[str]:
    """Every field of `recorded` that `ours` lacks or holds as another JSON type, as paths.
    Lists of content blocks are matched by block type; other lists by their first item."""
    if TYPES[type(recorded)] != TYPES[type(ours)] and recorded is not None:
        return [f"{where or '.'}: {TYPES[type(recorded)]} in Claude Code's, "
                f"{TYPES[type(ours)]} in ours"]
    if isinstance(recorded, dict):  # a call's input is the tool's own, not the format's
        return [gap for key, value in recorded.items() if key not in ("input", "tool_input")
                for gap in (missing(value, ours[key], f"{where}.{key}") if key in ours
                            else [f"{where}.{key}: missing"])]
    if isinstance(recorded, list) and recorded and isinstance(recorded[0], dict):
        gaps = []
        for block in recorded:
            same = [b for b in ours if b.get("type") == block.get("type")] or ours[:1]
            gaps += (missing(block, same[0], f"{where}[{block.get('type', 0)}]") if same
                     else [f"{where}[{block.get('type')}]: no such item"])
        return gaps
    return []


def kind(line: dict) -> tuple:
    """What a line is, to pair Claude Code's with ours: its type, and for system and
    stream_event lines the subtype or event, for assistant lines the blocks it carries."""
    if line["type"] == "system":
        return "system", line["subtype"]
    if line["type"] == "stream_event":
        return "stream_event", line["event"]["type"]
    if line["type"] in ("assistant", "user"):
        return line["type"], frozenset(b["type"] for b in line["message"]["content"])
    return (line["type"],)


def test_the_json_result_has_every_field_claude_codes_has(server, repo):
    script_refused_push(server, repo)
    done = run(["-p", "fix parse_range", "--base-url", server.base_url,
                "--output-format", "json"], repo)
    assert done.returncode == 0, done.stderr
    ours = json.loads(done.stdout)
    assert missing(json.loads((RECORDED / "result.json").read_text()), ours) == []
    assert (ours["type"], ours["subtype"], ours["is_error"]) == ("result", "success", False)
    assert ours["num_turns"] == 3 and ours["result"].startswith("Fixed the off-by-one")
    (denial,) = ours["permission_denials"]
    assert denial["tool_name"] == "Edit"
    assert denial["tool_input"] == {"file_path": str(repo / "range.py"), **FIX}
    sent = [m for m in server.requests[-1]["messages"] if m["role"] == "tool"]
    assert denial["tool_use_id"] == sent[1]["tool_call_id"]
    assert sent[1]["content"].startswith("Permission denied")
    assert ours["duration_ms"] >= ours["duration_api_ms"] > 0


def test_stream_json_has_every_line_and_field_claude_codes_has(server, repo):
    script_refused_push(server, repo)
    done = run(["-p", "fix parse_range", "--base-url", server.base_url, "--output-format",
                "stream-json", "--verbose", "--include-partial-messages"], repo)
    assert done.returncode == 0, done.stderr
    ours = lines_of(done.stdout)
    by_kind = {}
    for line in ours:
        by_kind.setdefault(kind(line), line)
    gaps = []
    for recorded in lines_of((RECORDED / "stream.jsonl").read_text()):
        mine = by_kind.get(kind(recorded))
        if mine is None:  # an assistant line with text and tool_use together is ours
            mine = next((line for line in ours if line["type"] == recorded["type"]
                         and kind(recorded)[1] <= kind(line)[1]), None)
        gaps += [f"{kind(recorded)}: no such line"] if mine is None else missing(recorded, mine)
    assert gaps == []
    assert ours[0]["type"] == "system" and ours[0]["subtype"] == "init"
    assert ours[-1]["type"] == "result" and ours[-1]["permission_denials"]
    assert {line["session_id"] for line in ours} == {ours[0]["session_id"]}


def test_partial_messages_add_up_to_the_assistant_line(server, repo):
    server.reply(text="One two three four.", reasoning="Count.", reasoning_as="reasoning")
    done = run(["-p", "count", "--base-url", server.base_url, "--output-format", "stream-json",
                "--include-partial-messages"], repo)
    lines = lines_of(done.stdout)
    events = [line["event"] for line in lines if line["type"] == "stream_event"]
    (assistant,) = [line for line in lines if line["type"] == "assistant"]
    deltas = {"text": "", "thinking": ""}
    for event in events:
        if event["type"] == "content_block_delta":
            kind_ = event["delta"]["type"].removesuffix("_delta")
            deltas[kind_] += event["delta"][kind_]
    assert assistant["message"]["content"] == [{"type": "thinking", "thinking": deltas["thinking"]},
                                               {"type": "text", "text": deltas["text"]}]
    assert deltas["text"] == "One two three four." and deltas["thinking"] == "Count."
    assert events[0]["message"]["id"] == assistant["message"]["id"]
    assert [e["type"] for e in events][-1] == "message_stop"
    plain = run(["-p", "count", "--base-url", server.base_url, "--output-format",
                 "stream-json"], repo)
    assert all(line["type"] != "stream_event" for line in lines_of(plain.stdout))


def test_usage_counts_cached_tokens_apart_as_claude_code_does(server, repo):
    server.reply(tool_calls=[("Read", {"file_path": str(repo / "range.py")})])
    server.reply(text="done")
    doc = json.loads(run(["-p", "read it", "--base-url", server.base_url,
                          "--output-format", "json"], repo).stdout)
    cost, usage = doc["cost"], doc["usage"]
    assert cost["cached_tokens"] > 0  # the second request repeated the first one's prefix
    assert usage["cache_read_input_tokens"] == cost["cached_tokens"]
    assert usage["input_tokens"] == cost["prompt_tokens"] - cost["cached_tokens"]
    assert usage["output_tokens"] == cost["completion_tokens"]
    assert usage["cache_creation_input_tokens"] == 0


def test_refusals_are_said_whole_on_stderr_in_text_mode(server, repo):
    script_refused_push(server, repo)
    done = run(["-p", "fix parse_range", "--base-url", server.base_url], repo)
    assert done.returncode == 0
    assert done.stdout == "Fixed the off-by-one in parse_range; the tests pass.\n"
    assert "1 tool call was refused" in done.stderr
    (line,) = [ln for ln in done.stderr.splitlines() if "Permission denied" in ln]
    assert "Edit(" in line and "range.py" in line and "To allow it:" in line
    assert "range(a, b)\n" in (repo / "range.py").read_text()
    assert line.rstrip().endswith("--permission-mode bypassPermissions.")  # never cut
    for _ in range(3):
        server.reply(tool_calls=[("Write", {"file_path": str(repo / f"n{_}.py"),
                                            "content": "x"})])
    server.reply(text="Wrote three files.")
    done = run(["-p", "write", "--base-url", server.base_url, "--verbose"], repo)
    assert "3 tool calls were refused" in done.stderr
    assert done.stderr.count("To allow it:") >= 3 and not any((repo / f"n{i}.py").exists()
                                                              for i in range(3))


def test_nothing_refused_says_nothing(server, repo):
    server.reply(text="Hello.")
    done = run(["-p", "hi", "--base-url", server.base_url], repo)
    assert done.stdout == "Hello.\n" and "refused" not in done.stderr


@pytest.mark.parametrize("bad", ["0", "-1", "many", "2.5"])
def test_max_turns_below_one_is_a_usage_error(repo, bad):
    done = run(["-p", "hi", "--max-turns", bad], repo)
    assert done.returncode == 2 and "--max-turns" in done.stderr
    assert "positive whole number" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_reaching_max_turns_shows_the_text_and_names_the_flag(server, repo, output_format):
    server.reply(text="Looking.", tool_calls=[("Read", {"file_path": str(repo / "range.py")})])
    server.reply(text="Still looking.", tool_calls=[("Read", {"file_path": str(repo / "range.py")})])
    done = run(["-p", "go", "--base-url", server.base_url, "--max-turns", "2",
                "--max-repeats", "0", "--output-format", output_format], repo)
    assert done.returncode == 1
    if output_format == "text":
        assert done.stdout == "Still looking.\n"
        assert "--max-turns" in done.stderr and "2 model calls" in done.stderr
    else:
        doc = json.loads(done.stdout)
        assert (doc["subtype"], doc["is_error"], doc["num_turns"]) == ("error_max_turns", True, 2)
        assert "--max-turns" in doc["errors"][0]


def user_line(text) -> str:
    return json.dumps({"type": "user", "message": {"role": "user", "content": text}}) + "\n"


def test_a_conversation_on_stdin_is_one_turn_a_message(server, repo):
    server.reply(text="Hello, Ada.")
    server.reply(text="Your name is Ada.")
    stdin = ("\ufeff" + user_line("my name is Ada").replace("\n", "\r\n") + "\n"
             + user_line([{"type": "text", "text": "my name?"}]))  # a BOM, CRLF, a blank line
    done = run(["-p", "--base-url", server.base_url, "--input-format", "stream-json",
                "--output-format", "stream-json"], repo, stdin)
    assert done.returncode == 0, done.stderr
    results = [line for line in lines_of(done.stdout) if line["type"] == "result"]
    assert [r["result"] for r in results] == ["Hello, Ada.", "Your name is Ada."]
    assert results[0]["session_id"] == results[1]["session_id"]
    second = [m["content"] for m in server.requests[1]["messages"] if m["role"] != "system"]
    assert second[-1] == "my name?" and "Hello, Ada." in second and \
        any("my name is Ada" in str(c) for c in second)


@pytest.mark.parametrize("bad, says", [
    ("not json\n", "is not JSON"),
    ('{"type": "assistant", "message": {"content": "x"}}\n', 'expected {"type": "user"'),
    ('{"type": "user", "message": {"role": "user", "content": [{"type": "image"}]}}\n',
     "only text content blocks"),
    ('{"type": "user", "message": {"role": "user", "content": 7}}\n', "must be a string"),
    ('{"type": "user", "message": {"role": "user", "content": "  "}}\n', "has no text"),
    ('[1, 2]\n', 'expected {"type": "user"'),
])
def test_a_bad_stdin_line_stops_with_its_number_and_keeps_the_turns_before(server, repo, bad, says):
    server.reply(text="first answer")
    done = run(["-p", "--base-url", server.base_url, "--input-format", "stream-json",
                "--output-format", "stream-json"], repo, user_line("hi") + bad)
    assert done.returncode == 2 and "stdin line 2" in done.stderr and says in done.stderr
    assert [line["result"] for line in lines_of(done.stdout) if line["type"] == "result"] == [
        "first answer"]
    (transcript,) = repo.glob(".agent/projects/*/*.jsonl")
    assert all(json.loads(line) for line in transcript.read_text().splitlines())


@pytest.mark.parametrize("stdin", ["", "\n\n", "\ufeff"])
def test_stdin_with_no_message_is_said_and_exits_2(server, repo, stdin):
    done = run(["-p", "--base-url", server.base_url, "--input-format", "stream-json",
                "--output-format", "stream-json"], repo, stdin)
    assert done.returncode == 2 and "stdin held no user message" in done.stderr
    assert server.requests == []


@pytest.mark.parametrize("args", [["--input-format", "stream-json"],
                                  ["-p", "hi", "--input-format", "stream-json"],
                                  ["-p", "hi", "--include-partial-messages"]])
def test_stream_json_input_and_partial_messages_need_stream_json_output(repo, args):
    done = run(args, repo, "")
    assert done.returncode == 2 and "stream-json" in done.stderr


def test_append_system_prompt_reaches_the_server_after_ours(server, repo):
    server.reply(text="ok")
    done = run(["-p", "hi", "--base-url", server.base_url, "--append-system-prompt",
                "Always answer in French."], repo)
    assert done.returncode == 0, done.stderr
    system = server.requests[0]["messages"][0]
    assert system["role"] == "system" and system["content"].endswith("\n\nAlways answer in French.")
    assert len(system["content"]) > 500  # ours is still there, before it


def test_stream_json_lines_from_events_keep_odd_calls_whole():
    """Unit: arguments that are not a JSON object stay whole under "raw"; a reply with no
    text has no text block; thinking without partial messages is still in the line."""
    from agent.app.output import StreamJson
    from agent.events import AssistantMessage, ReasoningDelta, Retry, ToolEnd
    from agent.model.types import ToolCall, Usage

    out: list[dict] = []
    emit = StreamJson(lambda: "s1", "m", out.append)
    emit(ReasoningDelta("hmm"))
    emit(AssistantMessage({"role": "assistant", "content": "", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "Bash", "arguments": "{not json"}},
        {"id": "c2", "type": "function", "function": {"name": "Read", "arguments": ""}}]},
        Usage(100, 7, 60)))
    call = ToolCall("c1", "Bash", "{not json")
    emit(ToolEnd(call, {"role": "tool", "tool_call_id": "c1", "content": "Error: bad"}, True))
    emit(Retry(1, 0.5, "HTTP 503"))
    assistant, user, retry = out
    assert assistant["message"]["content"] == [
        {"type": "thinking", "thinking": "hmm"},
        {"type": "tool_use", "id": "c1", "name": "Bash", "input": {"raw": "{not json"}},
        {"type": "tool_use", "id": "c2", "name": "Read", "input": {}}]
    assert assistant["message"]["usage"] == {"input_tokens": 40, "cache_creation_input_tokens": 0,
                                             "cache_read_input_tokens": 60, "output_tokens": 7}
    assert user["message"]["content"] == [{"type": "tool_result", "tool_use_id": "c1",
                                           "content": "Error: bad", "is_error": True}]
    assert (retry["type"], retry["subtype"], retry["session_id"]) == ("system", "retry", "s1")
    assert all(line["session_id"] == "s1" and line["uuid"] for line in out)
