"""Plugins as a user loads them: a file outside the project, `--plugin`, the real CLI over real
HTTP. A plugin's tool is called by the model and judged by the rules, its hook sees the call,
its compaction strategy and model layer are chosen by name, and a broken plugin stops the start
with a clear line."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from invariants import assert_paired

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "docs" / "plugins"
AGENT = [sys.executable, "-m", "agent"]


def run(args: list[str], cwd: Path, home: Path, base_url: str | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    env.update(HOME=str(home), **({"OPENAI_BASE_URL": base_url} if base_url else {}))
    return subprocess.run(AGENT + args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def project(repo):
    """A git repository with a secret in it, committed: `git status` tells what was edited."""
    (repo / "notes.txt").write_text("one two three\nfour five\n")
    (repo / "secret.txt").write_text("hunter2 is the password\n")
    for command in (["git", "init", "-q"], ["git", "add", "-A"],
                    ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"]):
        subprocess.run(command, cwd=repo, check=True)
    return repo


@pytest.fixture
def plugin_file(tmp_path) -> Path:
    """The documented WordCount plugin, copied outside the project."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return Path(shutil.copy(EXAMPLES / "word_count.py", folder / "wc.py"))


def deny_secret(home: Path) -> None:
    (home / ".agent").mkdir(exist_ok=True)
    (home / ".agent" / "settings.json").write_text(
        json.dumps({"permissions": {"deny": ["Read(./secret.txt)"]}}))


def test_a_plugin_tool_runs_end_to_end_is_hooked_and_judged_by_read_rules(
        home, project, server, plugin_file):
    deny_secret(home)
    server.reply(tool_calls=[("WordCount", {"file_path": "notes.txt"})])
    server.reply(tool_calls=[("WordCount", {"file_path": "secret.txt"})])
    server.reply("notes.txt has 5 words; secret.txt I may not read.")
    done = run(["-p", "count the words", "--output-format", "json", "--plugin", str(plugin_file)],
               project, home, server.base_url)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["result"] == "notes.txt has 5 words; secret.txt I may not read."
    offered = [t["function"]["name"] for t in server.requests[0]["tools"]]
    assert offered[-1] == "WordCount" and "Read" in offered  # added after the built-ins
    stored = server.requests[-1]["messages"]
    results = [m["content"] for m in stored if m["role"] == "tool"]
    assert results[0] == "5 words, 2 lines"
    assert results[1].startswith("Permission denied: WordCount(secret.txt)")
    assert "Read(./secret.txt)" in results[1] and "hunter2" not in json.dumps(stored)
    assert_paired(stored)
    log = home / ".agent" / "sessions" / result["session_id"] / "word-count.log"
    seen = [json.loads(line) for line in log.read_text().splitlines()]
    assert seen == [{"tool_input": {"file_path": "notes.txt"}, "tool_response": "5 words, 2 lines"}]
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True,
                            text=True, check=True)
    assert status.stdout == ""  # no project file was edited to add the tool
    for call, outcome in (("WordCount(secret.txt)", "deny"), ("WordCount(notes.txt)", "allow"),
                          ("WordCount(../x)", "ask")):
        explained = run(["permissions", "explain", "--plugin", str(plugin_file), call], project, home)
        assert explained.returncode == 0, explained.stderr
        assert explained.stdout.splitlines()[0].endswith(f": {outcome}"), explained.stdout


def test_a_plugin_from_the_settings_loads_only_in_a_trusted_project(home, project, server):
    plugins = project / "tools"
    plugins.mkdir()
    shutil.copy(EXAMPLES / "word_count.py", plugins / "wc.py")
    (project / ".agent").mkdir()
    (project / ".agent" / "settings.json").write_text(json.dumps({"plugins": ["tools/wc.py"]}))
    server.reply("hello")
    untrusted = run(["-p", "hi"], project, home, server.base_url)
    assert untrusted.returncode == 0, untrusted.stderr
    assert "plugin tools/wc.py" in untrusted.stderr and "not trusted" in untrusted.stderr
    assert "WordCount" not in [t["function"]["name"] for t in server.requests[-1]["tools"]]
    server.reply("hello")
    trusted = run(["-p", "hi", "--trust-project"], project, home, server.base_url)
    assert trusted.returncode == 0, trusted.stderr
    assert "WordCount" in [t["function"]["name"] for t in server.requests[-1]["tools"]]


def test_a_users_settings_plugins_start_from_the_home(home, repo, server):
    (home / "plugins").mkdir()
    shutil.copy(EXAMPLES / "word_count.py", home / "plugins" / "wc.py")
    (home / ".agent").mkdir()
    (home / ".agent" / "settings.json").write_text(json.dumps({"plugins": ["plugins/wc.py"]}))
    server.reply("hello")
    done = run(["-p", "hi"], repo, home, server.base_url)
    assert done.returncode == 0, done.stderr
    assert "WordCount" in [t["function"]["name"] for t in server.requests[-1]["tools"]]


def test_a_model_layer_is_chosen_by_name_and_never_stored(home, repo, server):
    server.reply("ok")
    server.reply("ok again")
    layer = str(EXAMPLES / "reminder_layer.py")
    done = run(["-p", "hi", "--output-format", "json", "--plugin", layer,
                "--model-layers", "reminder"], repo, home, server.base_url)
    assert done.returncode == 0, done.stderr
    sent = server.requests[-1]["messages"][-1]["content"]
    assert sent.startswith("hi") and "run the tests before you say" in sent
    session_id = json.loads(done.stdout)["session_id"]
    (transcript,) = (home / ".agent" / "projects").glob(f"*/{session_id}.jsonl")
    stored = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert not any("run the tests before you say" in str(m.get("content")) for m in stored)
    without = run(["-p", "hi", "--plugin", layer], repo, home, server.base_url)
    assert without.returncode == 0, without.stderr  # registered, not chosen: not in the stack
    assert "run the tests before you say" not in server.requests[-1]["messages"][-1]["content"]


def test_a_compaction_strategy_is_chosen_by_flag_or_settings(home, repo, server):
    from agent.config.config import load_config
    from agent.session.compose import build_session, load_permissions
    from agent.session.plugins import load

    keep_last = load(str(EXAMPLES / "keep_last.py"), ROOT)
    config = load_config({"base_url": server.base_url, "model": "m", "compaction": "keep_last"},
                         {"HOME": str(home)}, repo)
    session = build_session(config, lambda e: None, None,
                            permissions=load_permissions(config, [], []), plugins=[keep_last])
    assert session.compaction.strategies == [keep_last.module.keep_last]
    for n in range(5):
        server.reply(f"answer {n}")
        session.run(f"question {n}")
    agent = session.agent
    done = session.compaction.compact(agent.messages, agent.schemas, "manual")
    assert done.strategies == ("keep_last",) and done.messages_after == 1 + 2 * 3
    assert agent.messages[1]["content"].startswith("[4 earlier messages were dropped")
    assert_paired(agent.messages)
    (home / ".agent").mkdir(exist_ok=True)
    (home / ".agent" / "settings.json").write_text(json.dumps({"compaction": ["summarize"]}))
    config = load_config({"base_url": server.base_url, "model": "m"}, {"HOME": str(home)}, repo)
    session = build_session(config, lambda e: None, None, permissions=load_permissions(config, [], []))
    assert [s.__name__ for s in session.compaction.strategies] == ["summarize"]


@pytest.mark.parametrize("source, message", [
    (None, "no such file"),
    ("x = 1\n", "has no register(session) function"),
    ("def register(session):\n    raise RuntimeError('no GPU here')\n",
     "failed in register(): RuntimeError: no GPU here"),
    ("def register(session)\n", "could not be imported: SyntaxError"),
    ("import not_a_module_anywhere\n", "could not be imported"),
    ("def register(session):\n    session.add_tool(session.tools['Read'])\n",
     "there is a tool named Read already"),
])
def test_a_broken_plugin_stops_the_start_with_its_name(home, repo, tmp_path, source, message):
    path = tmp_path / "broken.py"
    if source is not None:
        path.write_text(source)
    done = run(["-p", "hi", "--plugin", str(path)], repo, home, "http://127.0.0.1:9/v1")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"plugin {path}" in done.stderr and message in done.stderr, done.stderr


def test_unknown_names_are_named_with_the_known_ones(home, repo):
    done = run(["-p", "hi", "--compaction", "mask_observations,keep_lats"], repo, home,
               "http://127.0.0.1:9/v1")
    assert done.returncode == 2 and "unknown compaction strategy 'keep_lats'" in done.stderr
    assert "known: mask_observations, summarize" in done.stderr
    done = run(["-p", "hi", "--model-layers", "reminder"], repo, home, "http://127.0.0.1:9/v1")
    assert done.returncode == 2 and "unknown model layer 'reminder'; known: none" in done.stderr
    done = run(["-p", "hi", "--plugin", "no_such_plugin_module"], repo, home)
    assert done.returncode == 2 and "no module named 'no_such_plugin_module'" in done.stderr


def test_the_compaction_benchmark_runs_a_plugins_strategy(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "compaction.py"), "--turns",
                           "20", "--windows", "8192", "--plugin", str(EXAMPLES / "keep_last.py"),
                           "--strategy", "keep_last", "--strategy", "mask_observations,keep_last"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = [line.split()[0] for line in done.stdout.splitlines() if line.strip()]
    assert "keep_last" in rows and "mask_observations,keep_last" in rows and "both" in rows


def test_the_chapters_example_runs_as_written(tmp_path):
    import re
    code = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "18-plugins.md").read_text(), re.S)[0]
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "HOME": str(tmp_path)}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == [
        "Three words.", '{"tool_input": {"file_path": "notes.txt"}, "tool_response": "3 words, 1 lines"}']
