"""The CLI as a user runs it: a subprocess, in print mode, against a real HTTP server."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from invariants import assert_paired

AGENT = [sys.executable, "-m", "agent"]

# A small repository with one bug: words separated by more than one space are miscounted.
SAMPLE = {
    "words.py": "def count_words(text):\n    return len(text.split(\" \"))\n",
    "test_words.py": ("import unittest\n\nfrom words import count_words\n\n\n"
                      "class WordsTest(unittest.TestCase):\n"
                      "    def test_runs_of_spaces(self):\n"
                      "        self.assertEqual(count_words(\"two  spaces\\nand lines\"), 4)\n"),
}
BUGGY = 'text.split(" ")'
FIXED = "text.split()"


def run(args: list[str], cwd: Path, env: dict | None = None, timeout: float = 60,
        stdin: str | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    return subprocess.run(AGENT + args, cwd=cwd, env={**base, "HOME": str(cwd), **(env or {})},
                          input=stdin, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name, text in SAMPLE.items():
        (repo / name).write_text(text)
    return repo


def script_fix(server, repo: Path) -> None:
    """Read -> Grep -> Read -> Edit -> Bash -> answer, as a model would send it."""
    server.reply(tool_calls=[("Read", {"file_path": str(repo / "test_words.py")})])
    server.reply(tool_calls=[("Grep", {"pattern": "def count_words", "path": str(repo),
                                       "output_mode": "content", "-n": True})])
    server.reply(tool_calls=[("Read", {"file_path": "words.py"})])
    server.reply(tool_calls=[("Edit", {"file_path": "words.py", "old_string": BUGGY,
                                       "new_string": FIXED})])
    server.reply(tool_calls=[("Bash", {"command": f"{sys.executable} -m unittest -q"})])
    server.reply(text="Fixed count_words: it splits on any whitespace now. Tests pass.")


def tool_results(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


@pytest.mark.parametrize("output_format", ["text", "json", "stream-json"])
def test_print_mode_fixes_a_bug_end_to_end(server, repo, output_format):
    script_fix(server, repo)
    done = run(["-p", "fix the failing test", "--base-url", server.base_url, "--model", "m",
                "--permission-mode", "bypassPermissions", "--output-format", output_format], repo)
    assert done.returncode == 0, done.stderr
    assert FIXED in (repo / "words.py").read_text()
    last = server.requests[-1]
    assert_paired(last["messages"])
    results = tool_results(last)
    assert "def count_words" in results[1] and "words.py:1:" in results[1]
    assert "OK" in results[4]  # the real test run, after the real edit
    if output_format == "text":
        assert done.stdout.strip() == "Fixed count_words: it splits on any whitespace now. Tests pass."
    elif output_format == "json":
        doc = json.loads(done.stdout)
        assert doc["type"] == "result" and doc["subtype"] == "success" and not doc["is_error"]
        assert doc["num_turns"] == 6 and doc["stop_reason"] == "end_turn"
        assert doc["result"].startswith("Fixed count_words") and doc["session_id"]
        assert doc["usage"]["input_tokens"] > 0 and doc["cost"]["prompt_tokens"] > 0
        assert doc["permission_denials"] == []
    else:
        lines = [json.loads(line) for line in done.stdout.splitlines()]
        kinds = [line["type"] for line in lines]
        assert kinds[0] == "system" and lines[0]["subtype"] == "init" and kinds[-1] == "result"
        uses = [b for line in lines if line["type"] == "assistant"
                for b in line["message"]["content"] if b["type"] == "tool_use"]
        results = [b for line in lines if line["type"] == "user"
                   for b in line["message"]["content"] if b["type"] == "tool_result"]
        assert len(uses) == len(results) == 5
        assert [u["id"] for u in uses] == [r["tool_use_id"] for r in results]
        assert "stream_event" not in kinds  # token deltas only with --include-partial-messages
        assert {line["session_id"] for line in lines} == {lines[0]["session_id"]}


def test_print_mode_refuses_edits_and_names_the_flag(server, repo):
    server.reply(tool_calls=[("Read", {"file_path": "words.py"})])
    server.reply(tool_calls=[("Edit", {"file_path": "words.py", "old_string": BUGGY,
                                       "new_string": FIXED})])
    server.reply(text="I was not allowed to edit.")
    done = run(["-p", "fix it", "--base-url", server.base_url], repo)
    assert done.returncode == 0, done.stderr
    assert BUGGY in (repo / "words.py").read_text()
    refusal = tool_results(server.requests[-1])[1]
    assert "Permission denied" in refusal and "--permission-mode acceptEdits" in refusal


def test_malformed_arguments_unknown_tool_and_500s_are_survived(server, repo):
    server.reply(tool_calls=[("Read", '{"file_path": "words.py"'), ("Frobnicate", {})])
    server.fail(500, n=2)
    server.reply(text="Recovered.")
    done = run(["-p", "go", "--base-url", server.base_url, "--output-format", "json"], repo)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["result"] == "Recovered."
    last = server.requests[-1]
    assert_paired(last["messages"])
    bad_json, unknown = tool_results(last)
    assert "not valid JSON" in bad_json and "Available tools: Read, Write, Edit" in unknown
    assert len(server.requests) == 4  # the first call, two 500s, the retry that worked


def test_unreachable_server_is_one_clear_line(tmp_path):
    done = run(["-p", "hi", "--base-url", "http://127.0.0.1:9/v1"], tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "http://127.0.0.1:9/v1" in lines[0], done.stderr


def test_endpoint_from_a_dotenv_file(server, tmp_path):
    (tmp_path / ".env").write_text(f"OPENAI_BASE_URL={server.base_url}\nAGENT_MODEL=from-dotenv\n")
    server.reply(text="hello from the server")
    done = run(["-p", "hi", "--trust-project"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "hello from the server"
    assert server.requests[0]["model"] == "from-dotenv"


def test_an_untrusted_projects_dotenv_cannot_pick_the_server(server, tmp_path):
    """A cloned repository's .env would send the key and the conversation to its server."""
    repo, home = tmp_path / "repo", tmp_path / "home"
    repo.mkdir(), home.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".env").write_text("OPENAI_BASE_URL=http://127.0.0.1:9/v1\nAGENT_MODEL=attacker\n"
                               "OPENAI_API_KEY=theirs\n")
    server.reply(text="from your own server")
    done = run(["-p", "hi", "--base-url", server.base_url], repo, env={"HOME": str(home)})
    assert done.returncode == 0 and done.stdout.strip() == "from your own server", done.stderr
    assert server.requests[0]["model"] != "attacker"
    assert "OPENAI_BASE_URL=http://127.0.0.1:9/v1 in" in done.stderr and "not trusted" in done.stderr
    assert "OPENAI_API_KEY=(a value)" in done.stderr and "theirs" not in done.stderr
    (tmp_path / ".env").write_text("AGENT_MODEL=mine\n")  # above the project: your own
    (repo / ".env").unlink()
    server.reply(text="ok")
    done = run(["-p", "hi", "--base-url", server.base_url], repo, env={"HOME": str(home)})
    assert server.requests[-1]["model"] == "mine", done.stderr


def test_prompt_from_stdin_and_no_stream(server, tmp_path):
    server.reply(text="piped")
    done = run(["-p", "--no-stream", "--base-url", server.base_url], tmp_path, stdin="a question")
    assert done.stdout.strip() == "piped"
    assert server.requests[0]["stream"] is False
    question = server.requests[0]["messages"][-1]
    assert question["role"] == "user" and question["content"].startswith("a question\n\n")
    assert "<system-reminder>Today's date is " in question["content"]  # appended, not in the system prompt


def test_max_turns_is_an_error_exit(server, tmp_path):
    for _ in range(3):
        server.reply(tool_calls=[("Glob", {"pattern": "*"})])
    done = run(["-p", "loop", "--base-url", server.base_url, "--max-turns", "2",
                "--output-format", "json"], tmp_path)
    assert done.returncode == 1
    assert json.loads(done.stdout)["subtype"] == "error_max_turns"


@pytest.mark.parametrize("args", [["--output-format", "xml", "-p", "x"], ["--max-turns", "many"],
                                  ["-p", ""]])
def test_bad_usage_exits_2(tmp_path, args):
    assert run(args, tmp_path).returncode == 2


def test_help_and_version_do_not_import_openai(tmp_path):
    code = ("import sys\nfrom agent.app.cli import main\n"
            "for flag in ('--help', '--version'):\n"
            "    try: main([flag])\n    except SystemExit: pass\n"
            "print('openai' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.stdout.strip().endswith("False"), done.stdout


def test_console_script_and_module_agree(tmp_path):
    script = Path(sys.executable).parent / "agent"
    if not script.exists():
        pytest.skip(f"no console script at {script} (package not installed in this environment)")
    a = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    b = run(["--version"], tmp_path)
    assert a.stdout == b.stdout and a.stdout.startswith("agent ")


@pytest.mark.parametrize("stream", ["--max-turns=10", "--no-stream"])
def test_an_answer_cut_at_the_output_limit_is_reported_as_cut(server, tmp_path, stream):
    for piece in ["one ", "two ", "three "]:
        server.reply(text=piece, finish_reason="length")
    done = run(["-p", "count", "--base-url", server.base_url, "--output-format", "json", stream],
               tmp_path)
    document = json.loads(done.stdout.splitlines()[-1])
    assert done.returncode == 1 and document["is_error"] is True
    assert (document["subtype"], document["stop_reason"]) == ("error_during_execution",
                                                              "max_tokens")
    assert document["result"] == "one two three " and len(server.requests) == 3
    for piece in ["one ", "two ", "three "]:
        server.reply(text=piece, finish_reason="length")
    done = run(["-p", "count", "--base-url", server.base_url, stream], tmp_path)
    assert done.stdout == "one two three \n" and "cut off at the server's output limit" in done.stderr


def test_a_broken_reply_in_print_mode_is_an_error_never_a_success(server, tmp_path):
    for _ in range(4):
        server.fault(b'data: {"choices":[{"index":0,"delta":{"content":"this is a fairly long '
                     b'answer that w"},"finish_reason":null}]}\n\n')
    done = run(["-p", "hi", "--base-url", server.base_url, "--output-format", "json"], tmp_path)
    document = json.loads(done.stdout.splitlines()[-1])
    assert done.returncode == 1 and document["subtype"] == "error_during_execution"
    assert "did not send a whole reply" in document["result"] and "Traceback" not in done.stderr


def test_print_mode_says_what_it_waits_for_with_verbose_and_only_then(server, tmp_path):
    late = (b'data: {"choices":[{"index":0,"delta":{"content":"late"},"finish_reason":"stop"}]}'
            b'\n\ndata: [DONE]\n\n')
    server.fault(late, wait=2.5)
    done = run(["-p", "hi", "--base-url", server.base_url, "--model", "m", "--verbose"], tmp_path)
    assert done.returncode == 0 and done.stdout == "late\n"
    assert f"agent: waiting for m at {server.base_url}: 2 s, no reply yet" in done.stderr
    server.fault(late, wait=2.5)
    done = run(["-p", "hi", "--base-url", server.base_url, "--model", "m"], tmp_path)
    assert done.returncode == 0 and "waiting" not in done.stderr  # a script's stderr stays quiet


@pytest.mark.parametrize("how", ["--timeout=0.5", "AGENT_TIMEOUT=0.5", "setting"])
def test_the_timeout_is_the_users_and_a_stall_ends_in_one_line(server, tmp_path, how):
    server.fault(wait=float("inf"))
    env, flags = {}, []
    if how.startswith("--"):
        flags = [how]
    elif how == "setting":
        (tmp_path / ".agent").mkdir()
        (tmp_path / ".agent" / "settings.json").write_text('{"timeout": 0.5}')
    else:
        env = dict([how.split("=")])
    done = run(["-p", "hi", "--base-url", server.base_url, *flags], tmp_path, env=env, timeout=20)
    assert done.returncode == 1 and len(server.requests) == 1
    assert "sent nothing for 0.5 s" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("bad", ['{"timeout": "soon"}', '{"timeout": 0}', '{"timeout": true}',
                                 '{"timeuot": 30}'])
def test_a_bad_timeout_setting_is_named(server, tmp_path, bad):
    (tmp_path / ".agent").mkdir()
    (tmp_path / ".agent" / "settings.json").write_text(bad)
    done = run(["-p", "hi", "--base-url", server.base_url], tmp_path)
    assert done.returncode != 0 and "timeout" in done.stderr and "settings.json" in done.stderr
    assert not server.requests


def test_a_llama_server_with_slots_keeps_each_session_in_one_and_its_cache_on(server, tmp_path):
    """llama-server -np 4: four slots, each with its own prompt cache. Every request of a
    session goes to the same slot (so its prefix is still there), with cache_prompt asked."""
    server.routes["GET /props"] = {"default_generation_settings": {"n_ctx": 16384},
                                   "total_slots": 4}
    args = ["-p", "hi", "--output-format", "json", "--base-url", server.base_url, "--model", "m"]
    slots = set()
    for n in range(6):
        server.reply(tool_calls=[("Glob", {"pattern": "*.nothing"})])
        server.reply("done")
        done = run(args, tmp_path)
        assert done.returncode == 0, done.stderr
        first, second = server.requests[-2:]
        assert first["cache_prompt"] is True and first["id_slot"] == second["id_slot"]
        slots.add(first["id_slot"])
    assert slots <= {0, 1, 2, 3} and len(slots) > 1  # sessions spread over the slots
    other = tmp_path / "other"
    other.mkdir()
    server.routes.pop("GET /props")
    server.reply("done")
    done = run([*args[:-4], "--base-url", server.base_url.replace("127.0.0.1", "localhost"),
                "--model", "m"], other)
    assert done.returncode == 0 and "cache_prompt" not in server.requests[-1]  # not llama.cpp


def test_the_servers_window_without_a_flag_asked_once(server, tmp_path):
    """llama-server started with -c 32768: the window is 32768 with no flag, and says why."""
    server.routes["GET /props"] = {"default_generation_settings": {"n_ctx": 32768}}
    args = ["-p", "hi", "--output-format", "json", "--base-url", server.base_url, "--model", "m"]
    done = run(args, tmp_path)
    assert done.returncode == 0, done.stderr
    context = json.loads(done.stdout)["context"]
    assert (context["window"], context["window_source"]) == (32768, "server (llama.cpp /props n_ctx)")
    assert server.seen.count("GET /props") == 1 and server.requests[0]["max_tokens"] == 8192
    done = run(args, tmp_path)  # the card answers: no probe
    assert json.loads(done.stdout)["context"]["window"] == 32768
    assert server.seen.count("GET /props") == 1
    done = run([*args, "--context-window", "16384"], tmp_path)
    context = json.loads(done.stdout)["context"]
    assert (context["window"], context["window_source"]) == (16384, "--context-window")


def test_a_server_whose_probes_hang_delays_the_start_by_the_bound_only(server, tmp_path):
    from openai_server import Raw
    server.routes["GET /props"] = Raw(wait=float("inf"))
    args = ["-p", "hi", "--output-format", "json", "--base-url", server.base_url, "--model", "m"]
    start = time.monotonic()
    assert run([*args, "--context-window", "8192"], tmp_path).returncode == 0  # not asked
    quick = time.monotonic() - start
    start = time.monotonic()
    done = run(args, tmp_path)
    waited = time.monotonic() - start - quick
    context = json.loads(done.stdout)["context"]
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert (context["window"], context["window_source"]) == (8192, "default")
    assert 2.0 < waited < 3.5, waited  # the bound, 2.5 s, and no more
