"""Prefix reuse and response caches, measured: our request layout against a naive one, and
the exact and semantic caches on a fixed workload.

    python benchmarks/caching.py           (a) and (c) offline, a few seconds
    python benchmarks/caching.py --real    (b) and (c) on a real llama-server as well: about
                                           10 minutes on 2 cores (`scripts/local-llm.sh setup`
                                           first)

(a) Prefix reuse. The same scripted session (prompts that each make the model Write a file
    and answer, 50 requests) runs through the real `Agent` twice, in a real git repository:
    ours      the system prompt built once; a changed git status or date is appended to the
              newest user message (agent/context/system_prompt.py:ChangingFacts)
    naive     the date and `git status` written into the system prompt before each request,
              as many harnesses do
    Per layout: the prefix report (agent/compact/prefix_stability.py), and the tokens a prefix-caching server
    must process (each request's tokens past the prefix it shares with the one before).
(b) Time to first token on a real server. The same session, 20 requests per layout, each
    request also sent to llama-server (Qwen2.5-Coder-0.5B, CPU, one slot, prompt cache on)
    with max_tokens 1: the time to first token is then the time to read the prompt. The
    scripted replies keep both sessions identical. Printed per request, side by side, with
    the cached prompt tokens llama.cpp reports.
(c) Response caches on 20 queries: 6 exact repeats, 6 paraphrases, 2 traps (same words,
    other meaning: "delete the tests" after "run the tests"), the rest new. Exact alone, then
    exact + semantic at several thresholds, with the embeddings of the fake server (a hashed
    bag of words, offline) and, with --real, of Qwen2.5-Coder-0.5B (llama-server
    --embeddings, mean pooling). A semantic hit is right when the stored answer is for the
    query's own intent, false otherwise.
Claude Code counterpart: none; the figures are in docs/16-caching.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the fake server and the real-model runner

from agent.model.response_cache import ExactCache, SemanticCache, endpoint_embedder  # noqa: E402
from agent.model.client import OpenAICompatible  # noqa: E402
from agent.compact.ladder import Ladder  # noqa: E402
from agent.context.system_prompt import ChangingFacts, git, system_prompt  # noqa: E402
from agent.model.types import Reply
from agent.model.scripted import ScriptedModel, call  # noqa: E402
from agent.loop.turn import Agent  # noqa: E402
from agent.model.meter import Meter  # noqa: E402
from agent.compact.prefix_stability import summary  # noqa: E402
from agent.tools import ToolContext  # noqa: E402
from agent.tools.files import WRITE  # noqa: E402
from agent.compact.window import Window  # noqa: E402


class NaiveLayout:
    """The compactor seam used to do what naive harnesses do: rewrite the system prompt with
    the date and the git status before every request."""

    def __init__(self, ladder: Ladder, cwd: Path, base: str):
        self.ladder, self.cwd, self.base = ladder, cwd, base

    def before_request(self, messages: list[dict], tools: list[dict]) -> None:
        status = git(self.cwd, "status", "--short") or "(clean)"
        messages[0] = {"role": "system", "content": f"{self.base}\n\n# Now\nDate: "
                       f"{datetime.date.today().isoformat()}\nGit status:\n{status}"}
        self.ladder.before_request(messages, tools)

    def __getattr__(self, name: str):
        return getattr(self.ladder, name)


def script(n_prompts: int, repo: Path) -> list:
    steps = []
    for n in range(n_prompts):
        body = f'"""Feature {n}."""\n\n\ndef feature_{n}(x):\n    return x * {n + 2}\n'
        steps += [call("Write", file_path=str(repo / f"feature_{n}.py"), content=body),
                  f"Added feature_{n} in feature_{n}.py: it multiplies its input by {n + 2}."]
    return steps


class Probe:
    """A scripted model whose every request is also sent to a real server, for its timing."""

    def __init__(self, scripted: ScriptedModel, real: Meter | None):
        self.scripted, self.real, self.name = scripted, real, scripted.name

    def complete(self, messages, tools, emit) -> Reply:
        if self.real is not None:
            self.real.complete(messages, tools, lambda event: None)
        return self.scripted.complete(messages, tools, emit)


def run_session(layout: str, n_prompts: int, real: Meter | None = None) -> tuple[Agent, Path]:
    repo = Path(tempfile.mkdtemp(prefix=f"caching-{layout}-"))
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    ladder = Ladder(Window.of(1_000_000))  # no compaction: only the layout differs
    base = system_prompt(repo, home=repo)
    compactor = NaiveLayout(ladder, repo, base) if layout == "naive" else ladder
    agent = Agent(Probe(ScriptedModel(script(n_prompts, repo)), real), [WRITE], base,
                  ToolContext(cwd=repo), compactor=compactor)
    if layout == "ours":
        agent.on_prompt.add(ChangingFacts(repo))
    for n in range(n_prompts):
        agent.run(f"Add feature {n}: a function feature_{n}(x) in feature_{n}.py.")
    return agent, repo


def prefix_figures(agent: Agent) -> dict:
    checks = agent.compactor.prefix
    first = sum(agent.compactor.counter.message(m) for m in agent.messages[:2])
    processed = first + sum(c.tokens - c.shared_tokens for c in checks)
    sent = first + sum(c.tokens for c in checks)
    return {**summary(checks), "processed": processed, "sent": sent}


def bench_prefix(n_prompts: int = 25) -> None:
    print(f"(a) prefix reuse over {2 * n_prompts} requests, scripted, in a git repository")
    print(f"  {'layout':<8}{'reuse':>8}{'breaks':>8}{'tokens sent':>13}{'processed':>11}{'share':>7}")
    for layout in ("ours", "naive"):
        figures = prefix_figures(run_session(layout, n_prompts)[0])
        causes = {b["cause"] for b in figures["breaks"]}
        print(f"  {layout:<8}{figures['reuse']:>8.1%}{len(figures['breaks']):>8}"
              f"{figures['sent']:>13,}{figures['processed']:>11,}"
              f"{figures['processed'] / figures['sent']:>7.0%}  {', '.join(causes)}")


def bench_real_ttft(n_prompts: int = 10) -> None:
    from real_model import LlamaServer, cached_paths

    paths = cached_paths()
    if paths is None:
        print("(b) skipped: no cached llama-server (run `bash scripts/local-llm.sh setup`)")
        return
    print(f"\n(b) time to first token per request on llama-server, Qwen2.5-Coder-0.5B, CPU "
          f"({2 * n_prompts} requests per layout)")
    runs = {}
    with LlamaServer(*paths) as server:
        for layout in ("naive", "ours"):
            meter = Meter(OpenAICompatible(server.base_url, "none", "qwen",
                                           extra_body={"max_tokens": 1, "temperature": 0}))
            run_session(layout, n_prompts, meter)
            runs[layout] = meter.records
    print(f"  {'request':>7} {'prompt':>7} | {'ours: first token':>17} {'cached':>7} | "
          f"{'naive: first token':>18} {'cached':>7}")
    for n, (ours, naive) in enumerate(zip(runs["ours"], runs["naive"]), 1):
        print(f"  {n:>7} {ours.prompt_tokens:>7,} | {ours.first_token_s or 0:>16.2f}s "
              f"{ours.cached_tokens or 0:>7,} | {naive.first_token_s or 0:>17.2f}s "
              f"{naive.cached_tokens or 0:>7,}")
    for layout, records in runs.items():
        later = [r.first_token_s or 0 for r in records[1:]]
        print(f"  {layout}: first request {records[0].first_token_s:.2f} s, then median "
              f"{statistics.median(later):.2f} s, total {sum(r.first_token_s or 0 for r in records):.1f} s; "
              f"cached {sum(r.cached_tokens or 0 for r in records):,} of "
              f"{sum(r.prompt_tokens for r in records):,} prompt tokens")


WORKLOAD = [  # (query, intent)
    ("How do I run the tests?", "tests"), ("How do I install the project?", "install"),
    ("How do I run the tests?", "tests"), ("how do i run the test suite", "tests"),
    ("What does the agent loop do?", "loop"), ("Explain what the agent loop does.", "loop"),
    ("How do I install the project?", "install"), ("Which Python version does this need?", "python"),
    ("How do I add a new tool?", "tool"), ("How can I add a new tool to the agent?", "tool"),
    ("How do I delete the tests?", "delete"), ("What does the agent loop do?", "loop"),
    ("Which Python version is required?", "python"), ("How do I run the linter?", "lint"),
    ("How do I add a new tool?", "tool"), ("What license is the project under?", "license"),
    ("How do I run the tests?", "tests"), ("Under which license is this project released?", "license"),
    ("How do I install it?", "install"), ("How do I run the linter?", "lint"),
]


class Oracle:
    """The model behind the caches: answers with the query's intent, so a cached answer can
    be checked against the intent of the query it was served for."""

    name = "oracle"

    def __init__(self):
        self.intents = dict(WORKLOAD)
        self.calls = 0

    def complete(self, messages, tools, emit) -> Reply:
        self.calls += 1
        return Reply(f"[{self.intents[messages[-1]['content']]}]", finish_reason="stop")


def run_workload(embed, threshold: float | None, folder: Path) -> dict:
    oracle = Oracle()
    model = oracle
    semantic = None
    if threshold is not None:
        model = semantic = SemanticCache(model, folder / f"s-{threshold}-{time.time_ns()}.jsonl",
                                         embed, threshold)
    exact = ExactCache(model, folder / f"e-{time.time_ns()}.jsonl")
    right = wrong = 0
    for query, intent in WORKLOAD:
        before = semantic.hits if semantic else 0
        reply = exact.complete([{"role": "system", "content": "Answer briefly."},
                                {"role": "user", "content": query}], [], lambda e: None)
        if semantic and semantic.hits > before:
            right, wrong = (right + 1, wrong) if reply.text == f"[{intent}]" else (right, wrong + 1)
    return {"exact": exact.hits, "semantic": semantic.hits if semantic else 0, "right": right,
            "wrong": wrong, "server": oracle.calls}


def bench_response_caches(real: bool) -> None:
    from openai_server import FakeOpenAI

    print(f"\n(c) response caches on {len(WORKLOAD)} queries (6 repeats, 6 paraphrases, 2 traps)")
    print(f"  {'embeddings':<26}{'threshold':>10}{'exact hits':>11}{'semantic':>9}{'right':>7}"
          f"{'false':>7}{'to server':>10}")
    with tempfile.TemporaryDirectory() as folder, FakeOpenAI() as fake, contextlib.ExitStack() as stack:
        embedders = {"hashed bag of words": endpoint_embedder(fake.base_url, "k", "bow")}
        if real:
            server = stack.enter_context(embedding_server())
            if server is not None:
                embedders["Qwen2.5-Coder-0.5B, mean"] = endpoint_embedder(server, "k", "qwen")
        figures = run_workload(None, None, Path(folder))
        print(f"  {'(exact only)':<26}{'-':>10}{figures['exact']:>11}{'-':>9}{'-':>7}{'-':>7}"
              f"{figures['server']:>10}")
        for name, embed in embedders.items():
            for threshold in (0.80, 0.85, 0.90, 0.92, 0.95, 0.98):
                f = run_workload(embed, threshold, Path(folder))
                print(f"  {name:<26}{threshold:>10.2f}{f['exact']:>11}{f['semantic']:>9}"
                      f"{f['right']:>7}{f['wrong']:>7}{f['server']:>10}")


@contextlib.contextmanager
def embedding_server():
    """llama-server with --embeddings on the test model, or None when it is not set up."""
    from real_model import cached_paths

    paths = cached_paths()
    if paths is None:
        yield None
        return
    import socket
    import urllib.request
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([str(paths[0]), "-m", str(paths[1]), "--embeddings", "--pooling",
                                "mean", "-c", "2048", "-t", "2", "--host", "127.0.0.1", "--port",
                                str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()  # the PID we started
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", action="store_true", help="also (b) and (c) on a real llama-server")
    parser.add_argument("--prompts", type=int, default=25, help="prompts in (a); 2 requests each")
    args = parser.parse_args()
    bench_prefix(args.prompts)
    if args.real:
        bench_real_ttft()
    bench_response_caches(args.real)


if __name__ == "__main__":
    main()
