"""`agent trace`: a real session run in process (the scripted model, the real tools, hooks,
permissions, a subagent and a compaction) written as a page, the page read back with
html.parser, and once in a real headless browser when one is installed."""

import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from agent.app.slash import command
from agent.app.trace import main, read_trace
from agent.app.trace_page import page
from agent.config.config import load_config
from agent.model.scripted import ScriptedModel, call
from agent.session.compose import build_session

PWN = "<script>document.body.appendChild(document.createElement('i')).id='pw'+'ned'</script>"
PROMPTS = [f"read a.txt {PWN}", "where is retry?", "and now?"]
VOID = {"meta", "br", "img", "input", "link", "hr", "source", "wbr", "col", "area", "base"}
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


class Page(HTMLParser):
    """The page as a tree walk: its text, its tags with their attributes, and any nesting
    error (an end tag that closes another element, an element never closed)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.stack, self.tags, self.problems, self.chunks = [], [], [], []
        self.feed(html)
        self.close()
        self.problems += [f"<{tag}> never closed" for tag in self.stack]
        self.text = "".join(self.chunks)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.chunks.append(data)

    def having(self, tag: str, css: str = "") -> list[dict]:
        return [a for t, a in self.tags
                if t == tag and (not css or css in (a.get("class") or "").split())]


@pytest.fixture
def session_path(home, repo, monkeypatch):
    """A session of three prompts: two reads (one long, with a PostToolUse hook's context),
    a read that fails, a refused Write, an Explore subagent that greps, /compact, and an
    answer after it. Returns the transcript's path."""
    monkeypatch.chdir(repo)
    (repo / "a.txt").write_text("".join(f"line {n} <b>bold</b>\n" for n in range(40)))
    (repo / "client.py").write_text("def retry(n):\n    return n\n")
    config = load_config({"model": "m", "sandbox": False}, {"HOME": str(home)}, repo)
    session = build_session(config, lambda event: None, None)
    session.add_hook("PostToolUse", lambda data: {"hookSpecificOutput": {
        "hookEventName": "PostToolUse", "additionalContext": "HOOK-NOTE: a.txt was read"}}, "Read")
    session.meter.inner = ScriptedModel([
        [call("Read", id="read_a", file_path="a.txt"),
         call("Read", id="read_missing", file_path="missing.txt")],
        call("Write", id="write_b", file_path="b.txt", content="x"),
        "Done " + PWN,
        call("Task", id="task_1", description="find retry", prompt="Where is retry defined?",
             subagent_type="Explore"),
        call("Grep", id="grep_1", pattern="def retry"),   # the explorer
        "retry is defined in client.py:1",                 # its answer
        "client.py, line 1.",
        "## Goal\nread files\n## Current state\nSUMMARY-WRITTEN",  # /compact's summary
        "after compaction"])
    for n, prompt in enumerate(PROMPTS):
        if n == 2:
            assert command(session, "/compact", "").startswith("(context compacted:")
        session.run(prompt)
    return session.transcript.path


def test_the_page_shows_every_prompt_call_and_result_escaped(session_path):
    trace = read_trace(session_path)
    html = page(trace)
    parsed = Page(html)
    assert parsed.problems == []
    assert [t for t, _ in parsed.tags[:3]] == ["html", "head", "meta"]
    for prompt in PROMPTS:
        assert prompt in parsed.text  # shown as text: the <script> of a prompt too
    assert parsed.text.count("Prompt ") >= 3 and "Prompt 4" not in parsed.text
    calls = trace.calls()
    assert [c.id for c in calls] == ["read_a", "read_missing", "write_b", "task_1"]
    for c in calls:
        assert c.result and c.result.split("\n\n<system-reminder>")[0] in parsed.text
        assert c.name in parsed.text and c.id in parsed.text
    assert "Done " + PWN in parsed.text and "line 39 <b>bold</b>" in parsed.text
    # nothing in the transcript became markup: no script, no <b>, no element it named
    assert "<script" not in html.lower() and "<b>bold" not in html
    assert not any(t in ("script", "iframe", "object", "embed", "img") for t, _ in parsed.tags)
    remote = ("http:", "https:", "//")
    assert not [a for t, a in parsed.tags if t in ("script", "link", "img")
                and any(str(a.get(k) or "").startswith(remote) for k in ("src", "href"))]
    assert not [a for _, a in parsed.tags if "src" in a]  # no resource of any kind
    assert "default-src 'none'" in html  # and the policy forbids scripts and loads
    assert trace.counts() == {"prompts": 3, "model calls": 6, "tool calls": 4, "errors": 1,
                              "refusals": 1, "compactions": 1, "subagents": 1}


def test_refusals_errors_hooks_and_long_results_are_told_apart(session_path):
    html = page(read_trace(session_path))
    parsed = Page(html)
    outcomes = [a["class"] for a in parsed.having("div") if a.get("class", "").startswith("call")]
    assert outcomes[:3] == ["call ok", "call error", "call refused"]
    assert "Permission denied: Write(b.txt)" in parsed.text
    reminders = html.split('class="reminder"')[1:]
    assert any("HOOK-NOTE: a.txt was read" in r.split("</div>")[0] for r in reminders)
    assert any("Today&#x27;s date is" in r.split("</div>")[0] for r in reminders)
    results = parsed.having("details", "result")
    assert "open" not in results[0]  # the 40 lines of a.txt: collapsed
    assert all("open" in r for r in results[1:4])  # the short error, refusal, Task result


def test_the_compaction_is_marked_where_it_happened_and_the_subagent_is_inlined(session_path):
    trace = read_trace(session_path)
    html = page(trace)
    compaction = html.split('class="marker compaction"')[1].split('<section class="turn">')[0]
    assert "SUMMARY-WRITTEN" in compaction and "History rewritten (compact)" in compaction
    order = [html.index(text) for text in ("client.py, line 1.", "SUMMARY-WRITTEN", "after compaction")]
    assert order == sorted(order)
    outside = html.replace(compaction, "")  # the summary quotes the latest request
    assert outside.count("where is retry?") == 2  # its prompt and the nav: not again after it
    assert [r.after_compaction for r in trace.requests] == [False] * 5 + [True]
    sub = trace.calls()[3].subagent
    assert sub.agent_type == "Explore" and Path(sub.path).is_file()
    assert [c.name for c in sub.trace.calls()] == ["Grep"]
    inlined = html.split('<details class="subagent">')[1]
    assert "Where is retry defined?" in inlined and "client.py:1" in inlined
    assert "grep_1" in inlined and Path(sub.path).as_uri() in inlined


def test_each_request_has_a_bar_that_links_to_its_call(session_path):
    html = page(read_trace(session_path))
    parsed = Page(html)
    ids = {a["id"] for _, a in parsed.tags if "id" in a}
    bars = [a for _, a in parsed.tags if a.get("class") == "sent"]
    assert len(bars) == 6 + 2  # the parent's calls and the subagent's
    links = [a["href"] for t, a in parsed.tags if t == "a" and a.get("href", "").startswith("#")]
    assert links and all(link[1:] in ids for link in links)
    assert "tokens sent (estimate)" in parsed.text and 'class="ttft"' not in html  # none measured


def test_call_lines_give_measured_figures_and_damage_is_counted(tmp_path):
    path = tmp_path / "s.jsonl"
    lines = [{"role": "system", "content": "Working directory: /w"},
             {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
             {"type": "call", "n": 1, "model": "qwen-7b", "prompt_tokens": 1200,
              "completion_tokens": 3, "cached_tokens": 1000, "first_token_s": 0.42,
              "total_s": 0.5, "tokens_per_s": None, "served_by": "server", "cost_usd": 0.0,
              "time": 1_700_000_000.0}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + '{"role": "us')
    trace = read_trace(path)
    assert trace.requests[0].measured["prompt_tokens"] == 1200 and trace.n_dropped == 1
    html = page(trace)
    parsed = Page(html)
    assert parsed.problems == [] and "<dd>/w</dd>" in html and "<dd>qwen-7b</dd>" in html
    assert "1,200 tokens sent · 1,000 cached · 0.42 s to first token" in parsed.text
    assert [a.get("class") for _, a in parsed.tags if a.get("class") in ("cached", "ttft")] \
        == ["cached", "ttft"]
    assert "unusable line(s) were left out" in parsed.text


def test_the_command_writes_beside_the_session_or_where_told(session_path, home, capsys):
    assert main([]) == 0
    written = Path(capsys.readouterr().out.strip())
    assert written == home / ".agent" / "sessions" / session_path.stem / "trace.html"
    assert "HOOK-NOTE" in written.read_text()
    assert main([session_path.stem[:6], "-o", "out.html"]) == 0
    assert Path("out.html").is_file() and capsys.readouterr().out.strip().endswith("out.html")
    assert main(["-o", "-"]) == 0 and capsys.readouterr().out.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("args, code, said", [
    (["trace"], 1, "agent trace: no session to trace in this folder"),
    (["trace", "nope"], 1, "agent trace: no session 'nope' in this folder"),
    (["trace", "a", "b"], 2, "unrecognized arguments: b"),
    (["trace", "-o"], 2, "expected one argument"),
])
def test_no_session_is_exit_1_and_bad_usage_exit_2(tmp_path, args, code, said):
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(Path(__file__).parents[2])}
    done = subprocess.run([sys.executable, "-m", "agent", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == code and said in done.stderr and done.stdout == ""
    assert code == 2 or len(done.stderr.splitlines()) == 1


def test_the_page_in_a_real_headless_browser(session_path, tmp_path):
    browser = next(filter(None, map(shutil.which, BROWSERS)), None)
    if browser is None:
        pytest.skip("no headless browser (apt-get install chromium)")
    out = tmp_path / "trace.html"
    out.write_text(page(read_trace(session_path)), encoding="utf-8")
    base = [browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*base, "--dump-dom", out.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    assert "<details" in dom and "HOOK-NOTE: a.txt was read" in dom and "SUMMARY-WRITTEN" in dom
    assert all(p.replace("<", "&lt;").replace(">", "&gt;") in dom for p in PROMPTS)
    assert 'id="pwned"' not in dom  # the transcript's script never ran
    shot = tmp_path / "shot.png"
    subprocess.run([*base, f"--screenshot={shot}", "--window-size=1000,1400", out.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
