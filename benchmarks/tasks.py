"""How often a model, driven by a harness, really finishes a task: the task suite's runner.

    python benchmarks/tasks.py --base-url URL --model M [--harness ours,ours-lean,mini]
                               [--tasks PATTERN] [--repeat K] [--csv FILE] [--plot FILE]

Each task of benchmarks/tasks/ (its README says the format) is copied to a fresh folder,
the harness is run there on the task's prompt through its own command line, and the task's
check decides: it runs its own copy of the tests, or reads the final answer, so a task is
solved when it is, not when the model says so. Between the harness and the server sits a
recording proxy (`Recorder`), the same for every harness, which counts the requests (turns),
reads the token counts from each reply, and times the first token of each request, and
llama.cpp's own figures (`timings`: prompt tokens processed, and from its cache) when the
server gives them.

The harnesses, each as its users run it:

    ours        python -m agent -p PROMPT --output-format json --permission-mode acceptEdits
                --profile default
    ours-lean   the same with --profile lean (docs/14-local-models.md: the lean profile)
    mini        mini -y --exit-immediately -m openai/M -t PROMPT -l 0 -o TRAJ -c mini.yaml
                -c model.model_kwargs.api_base=URL ... (mini-swe-agent from PyPI; --mini
                names its `mini` program, installed with `pip install mini-swe-agent mcp`)

It prints one line per run and a summary per harness (solve rate, its spread over the
repeats, median wall time and time to the first token), writes every run to a CSV, and with
matplotlib (the `bench` extra) a plot of solve rate and time per harness.
Claude Code counterpart: none; this is the harness measuring itself.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import http.client
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
TASKS = ROOT / "benchmarks" / "tasks"
HARNESSES = ("ours", "ours-lean", "mini")


# The recording proxy ------------------------------------------------------------------------

@dataclass
class Request:
    """One chat request as it went through the proxy."""

    started: float
    first_token: float | None = None
    """Seconds from the request to the first content or tool-call delta (streamed), or to
    the whole reply (not streamed)."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_ms: float | None = None
    """llama.cpp's own prompt-processing time for this request (its `timings`)."""
    prompt_n: int | None = None
    """Prompt tokens llama.cpp processed; the rest came from its cache."""
    cache_n: int | None = None
    status: int = 0


class Recorder:
    """An HTTP proxy on 127.0.0.1 that forwards to `upstream` and records every chat request.
    `base_url` is the proxy's own, for the harness; `since(n)` the requests after the n-th."""

    def __init__(self, upstream: str):
        self.upstream = urlparse(upstream.rstrip("/"))
        self.requests: list[Request] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                recorder.forward(self, None)

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                recorder.forward(self, self.rfile.read(size))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{port}{self.upstream.path}"

    def close(self) -> None:
        self.server.shutdown()

    def since(self, n: int) -> list[Request]:
        return self.requests[n:]

    def forward(self, handler, body: bytes | None) -> None:
        """Send the request on, pass the reply back as it comes, note what it says."""
        path = self.upstream.path + handler.path[len(self.upstream.path):] \
            if handler.path.startswith(self.upstream.path) else handler.path
        chat = body is not None and handler.path.endswith("/chat/completions")
        record = Request(time.monotonic())
        if chat:
            self.requests.append(record)
        upstream = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port,
                                              timeout=3600)
        headers = {k: v for k, v in handler.headers.items()
                   if k.lower() not in ("host", "content-length", "connection", "accept-encoding")}
        try:
            upstream.request("POST" if body is not None else "GET", path, body, headers)
            reply = upstream.getresponse()
        except OSError as err:
            handler.send_error(502, f"upstream: {err}")
            return
        record.status = reply.status
        handler.send_response(reply.status)
        for key, value in reply.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                handler.send_header(key, value)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        buffer = b""
        try:
            while chunk := reply.read1(65536):
                handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                handler.wfile.flush()
                if chat:
                    buffer += chunk
                    if record.first_token is None and _has_token(chunk):
                        record.first_token = time.monotonic() - record.started
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:  # the harness went away (its run timed out): so does this request
            upstream.close()
            handler.close_connection = True
        if chat:
            if record.first_token is None:
                record.first_token = time.monotonic() - record.started
            _note(record, buffer)


def _has_token(chunk: bytes) -> bool:
    """A streamed chunk that carries text or a tool call (not only the role)."""
    for line in chunk.split(b"\n"):
        if line.startswith(b"data: {"):
            try:
                choices = json.loads(line[6:]).get("choices") or []
            except ValueError:
                return True  # a line cut between two chunks: something came
            for choice in choices:
                delta = choice.get("delta") or {}
                if delta.get("content") or delta.get("tool_calls") or delta.get("reasoning_content"):
                    return True
    return False


def _note(record: Request, body: bytes) -> None:
    """The usage and llama.cpp's timings, from a streamed reply or a whole one."""
    documents = []
    if body.lstrip().startswith(b"{"):
        documents = [body]
    else:
        documents = [line[6:] for line in body.split(b"\n") if line.startswith(b"data: {")]
    for text in documents:
        try:
            document = json.loads(text)
        except ValueError:
            continue
        usage = document.get("usage") or {}
        record.prompt_tokens = usage.get("prompt_tokens") or record.prompt_tokens
        record.completion_tokens = usage.get("completion_tokens") or record.completion_tokens
        timings = document.get("timings") or {}
        if timings:
            record.prompt_ms = timings.get("prompt_ms", record.prompt_ms)
            record.prompt_n = timings.get("prompt_n", record.prompt_n)
            record.cache_n = timings.get("cache_n", record.cache_n)


# The tasks and the harnesses ----------------------------------------------------------------

@dataclass
class Task:
    name: str
    folder: Path
    prompt: str
    kind: str
    quick: bool = False
    timeout_s: int = 300


def load_tasks(pattern: str = "*", quick: bool = False) -> list[Task]:
    found = []
    for folder in sorted(p for p in TASKS.iterdir() if (p / "task.json").is_file()):
        if not any(fnmatch.fnmatch(folder.name, p) for p in pattern.split(",")):
            continue
        spec = json.loads((folder / "task.json").read_text(encoding="utf-8"))
        task = Task(folder.name, folder, spec["prompt"], spec["kind"], spec.get("quick", False),
                    spec.get("timeout_s", 300))
        if task.quick or not quick:
            found.append(task)
    return found


def command(harness: str, task: Task, base_url: str, model: str, run_dir: Path,
            mini: str, max_turns: int, max_tokens: int | None = None) -> list[str]:
    """The harness's own command line for one task (`max_tokens`: a reply cap for all)."""
    if harness in ("ours", "ours-lean"):
        return [sys.executable, "-m", "agent", "-p", task.prompt, "--base-url", base_url,
                "--model", model, "--output-format", "json", "--permission-mode", "acceptEdits",
                "--max-turns", str(max_turns),
                "--profile", "lean" if harness == "ours-lean" else "default",
                *(["--max-tokens", str(max_tokens)] if max_tokens else [])]
    if harness == "mini":
        return [mini, "-y", "--exit-immediately", "-m", f"openai/{model}", "-t", task.prompt,
                "-l", "0", "-o", str(run_dir / "trajectory.json"), "-c", "mini.yaml",
                "-c", f"model.model_kwargs.api_base={base_url}",
                "-c", "model.model_kwargs.api_key=not-needed",
                "-c", "model.cost_tracking=ignore_errors", "-c", f"agent.step_limit={max_turns}",
                *(["-c", f"model.model_kwargs.max_tokens={max_tokens}"] if max_tokens else [])]
    raise SystemExit(f"unknown harness {harness!r}; known: {', '.join(HARNESSES)}")


def answer_of(harness: str, stdout: str, run_dir: Path) -> str:
    """The harness's final answer: the json result (ours), the submission or the last
    message (mini-swe-agent's trajectory)."""
    if harness.startswith("ours"):
        try:
            return json.loads(stdout).get("result") or ""
        except ValueError:
            return stdout
    try:
        trajectory = json.loads((run_dir / "trajectory.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    submission = (trajectory.get("info") or {}).get("submission") or ""
    said = [m.get("content") for m in trajectory.get("messages", [])
            if m.get("role") == "assistant" and isinstance(m.get("content"), str)]
    return "\n".join(x for x in [submission, *said[-2:]] if x)


@dataclass
class Run:
    harness: str
    task: str
    kind: str
    repeat: int
    solved: bool
    why: str
    turns: int
    prompt_tokens: int
    completion_tokens: int
    wall_s: float
    first_token_s: float | None
    first_prompt_ms: float | None
    """llama.cpp's prompt processing of the first request (the system prompt and tools)."""
    cached_tokens: int
    """Prompt tokens the server took from its cache, over the run's requests."""
    exit_code: int | None
    extra: dict = field(default_factory=dict)


def run_one(harness: str, task: Task, recorder: Recorder, model: str, repeat: int, mini: str,
            max_turns: int, max_tokens: int | None = None) -> Run:
    with tempfile.TemporaryDirectory(prefix=f"task-{task.name}-") as tmp:
        run_dir = Path(tmp)
        work, home = run_dir / "work", run_dir / "home"
        shutil.copytree(task.folder / "files", work)
        home.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
        env.update(HOME=str(home), MSWEA_SILENT_STARTUP="1", LITELLM_LOCAL_MODEL_COST_MAP="True",
                   MSWEA_CONFIGURED="true", OPENAI_API_KEY="not-needed")
        argv = command(harness, task, recorder.base_url, model, run_dir, mini, max_turns,
                       max_tokens)
        before, start = len(recorder.requests), time.monotonic()
        try:
            done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True,
                                  timeout=task.timeout_s, stdin=subprocess.DEVNULL)
            stdout, code = done.stdout, done.returncode
        except subprocess.TimeoutExpired as err:
            stdout, code = (err.stdout or b"").decode("utf-8", "replace") \
                if isinstance(err.stdout, bytes) else (err.stdout or ""), None
        wall = time.monotonic() - start
        answer = run_dir / "answer.txt"
        answer.write_text(answer_of(harness, stdout, run_dir), encoding="utf-8")
        check = subprocess.run([sys.executable, "check.py", str(work), str(answer)],
                               cwd=task.folder, capture_output=True, text=True, timeout=120)
        requests = recorder.since(before)
        first = requests[0] if requests else None
        return Run(harness, task.name, task.kind, repeat, check.returncode == 0,
                   (check.stdout.strip().splitlines() or [""])[-1][:120], len(requests),
                   sum(r.prompt_tokens for r in requests),
                   sum(r.completion_tokens for r in requests), round(wall, 2),
                   round(first.first_token, 2) if first and first.first_token else None,
                   first.prompt_ms if first else None,
                   sum(r.cache_n or 0 for r in requests), code)


# The report ------------------------------------------------------------------------------

def summary(runs: list[Run], harnesses: list[str], repeats: int) -> list[dict]:
    rows = []
    for harness in harnesses:
        mine = [r for r in runs if r.harness == harness]
        if not mine:
            continue
        rates = [100 * statistics.mean(r.solved for r in mine if r.repeat == k)
                 for k in range(repeats) if any(r.repeat == k for r in mine)]
        firsts = [r.first_token_s for r in mine if r.first_token_s is not None]
        prompts = [r.first_prompt_ms for r in mine if r.first_prompt_ms is not None]
        rows.append({"harness": harness, "runs": len(mine),
                     "solved": sum(r.solved for r in mine),
                     "solve_rate": round(statistics.mean(rates), 1),
                     "spread": f"{min(rates):.0f}-{max(rates):.0f}",
                     "median_wall_s": round(statistics.median(r.wall_s for r in mine), 1),
                     "median_turns": statistics.median(r.turns for r in mine),
                     "median_first_token_s": round(statistics.median(firsts), 2) if firsts else None,
                     "median_first_prompt_ms": round(statistics.median(prompts)) if prompts else None,
                     "prompt_tokens": sum(r.prompt_tokens for r in mine),
                     "completion_tokens": sum(r.completion_tokens for r in mine)})
    return rows


def plot(rows: list[dict], path: Path, title: str) -> str:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "no plot: matplotlib is not installed (pip install -e '.[bench]')"
    names = [r["harness"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    left.bar(names, [r["solve_rate"] for r in rows], color="#4c72b0")
    left.set_ylabel("tasks solved, %")
    left.set_ylim(0, 100)
    right.bar(names, [r["median_wall_s"] for r in rows], color="#dd8452")
    right.set_ylabel("median wall time per task, s")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return f"plot: {path}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="the OpenAI-compatible server, up to /v1")
    parser.add_argument("--model", required=True)
    parser.add_argument("--harness", default="ours,ours-lean",
                        help=f"comma-separated, of {', '.join(HARNESSES)} (default ours,ours-lean)")
    parser.add_argument("--tasks", default="*",
                        help="globs on the task folders' names, comma-separated")
    parser.add_argument("--quick", action="store_true", help="only the tasks marked quick")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--max-turns", type=int, default=12)
    parser.add_argument("--timeout", type=int, default=None,
                        help="seconds a run may take (each task's own timeout_s otherwise)")
    parser.add_argument("--max-tokens", type=int, default=None,
                        help="cap every reply (each harness's own default otherwise)")
    parser.add_argument("--mini", default=shutil.which("mini") or "mini",
                        help="mini-swe-agent's `mini` program")
    parser.add_argument("--csv", type=Path, default=Path("task-runs.csv"))
    parser.add_argument("--plot", type=Path, default=None, help="a PNG of solve rate and time")
    args = parser.parse_args()
    harnesses = [h for h in args.harness.split(",") if h]
    for harness in harnesses:
        if harness not in HARNESSES:
            raise SystemExit(f"unknown harness {harness!r}; known: {', '.join(HARNESSES)}")
    tasks = load_tasks(args.tasks, args.quick)
    for task in tasks:
        task.timeout_s = args.timeout or task.timeout_s
    if not tasks:
        raise SystemExit(f"no task matches {args.tasks!r} in {TASKS}")
    recorder = Recorder(args.base_url)
    runs: list[Run] = []
    print(f"{len(tasks)} tasks x {len(harnesses)} harnesses x {args.repeat}; model {args.model}; "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    print(f"{'harness':<10} {'task':<28} {'solved':<6} {'turns':>5} {'prompt':>7} {'compl':>6} "
          f"{'wall s':>7} {'1st tok s':>9}  why")
    try:
        for repeat in range(args.repeat):
            for task in tasks:
                for harness in harnesses:  # interleaved: a slow moment hits every harness
                    run = run_one(harness, task, recorder, args.model, repeat, args.mini,
                                  args.max_turns, args.max_tokens)
                    runs.append(run)
                    first = f"{run.first_token_s:.1f}" if run.first_token_s is not None else "-"
                    print(f"{harness:<10} {task.name:<28} {'yes' if run.solved else 'no':<6} "
                          f"{run.turns:>5} {run.prompt_tokens:>7} {run.completion_tokens:>6} "
                          f"{run.wall_s:>7.1f} {first:>9}  {'' if run.solved else run.why}",
                          flush=True)
    finally:
        recorder.close()
        if runs:
            with args.csv.open("w", newline="", encoding="utf-8") as out:
                writer = csv.DictWriter(out, fieldnames=list(asdict(runs[0])))
                writer.writeheader()
                writer.writerows(asdict(r) for r in runs)
    rows = summary(runs, harnesses, args.repeat)
    print(f"\nsummary ({args.repeat} repeat{'s' if args.repeat > 1 else ''}; solve rate: mean "
          "over repeats, spread: lowest-highest repeat)")
    for row in rows:
        print("  " + ", ".join(f"{k} {v}" for k, v in row.items()))
    print(f"runs: {args.csv}")
    if args.plot:
        print(plot(rows, args.plot, f"{len(tasks)} tasks, {args.model}"))


if __name__ == "__main__":
    main()
