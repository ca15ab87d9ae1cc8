"""What the harness itself costs: at launch, and on every step, next to the floor and peers.

    python benchmarks/overhead.py            about four minutes
    python benchmarks/overhead.py --quick    one session each, for a first look
    python benchmarks/overhead.py --peer-python /tmp/peers/bin/python   mini-swe-agent there

Everything runs against the fake OpenAI-compatible server of tests/openai_server.py, which
answers at once, so what is left is the client's own time. The machine may be shared and
noisy: each figure is measured several times, interleaved, and the median is shown, in
milliseconds. Nothing is asserted.

1. Launch. From spawning `python -m agent -p hi` to the fake server receiving its first
   request, next to a bare script that imports openai and sends one request with the SDK.
   Then `agent --version` next to `python -c pass` and `python -c "import openai"`: the
   imports are lazy, so --version must cost about as much as an empty interpreter.
2. The step interval. Sessions of 200 steps: each step the server asks for one Bash call
   (`echo step N`), the loop runs it and sends the history back; the interval of a step is
   from its request to the next one, as the server saw them (in a child process, so that
   its threads do not compete with the loop for a core). Side by side: the floor (a
   standard-library loop doing the least the protocol allows, benchmarks/peers.py), ours as
   a user runs it (`python -m agent -p`, with and without the sandbox), and the peers that
   install from PyPI: a loop around the openai SDK's `chat.completions.create`, and
   mini-swe-agent. "harness cost = ours - floor" is what the harness adds to each step.
   A cost that grows with the history shows as a step 200 figure above the step 1 one.

Claude Code counterpart: none; this is the harness measuring itself.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from openai_server import FakeOpenAI  # noqa: E402

BARE_LAUNCH = ("import sys\nfrom openai import OpenAI\n"
               "OpenAI(base_url=sys.argv[1], api_key='x').chat.completions.create(\n"
               "    model='m', messages=[{'role': 'user', 'content': 'hi'}])\n")


def cell(seconds: list[float]) -> str:
    """'median (min)' in milliseconds."""
    def ms(s: float) -> str:
        return f"{s * 1000:.0f}" if s >= 0.1 else f"{s * 1000:.1f}"
    return f"{ms(statistics.median(seconds))} ({ms(min(seconds))})"


# 1. Launch ---------------------------------------------------------------------------------

def spawn(argv: list[str]) -> tuple[float | None, float]:
    """Seconds from spawning `argv` (URL replaced by the fake server's) to its first request
    reaching the server (None if it sent none) and to the process's exit."""
    import tempfile

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    with FakeOpenAI() as server, tempfile.TemporaryDirectory() as home:
        env["HOME"] = home  # its sessions go there, not to your ~/.agent
        argv = [server.base_url if a == "URL" else a for a in argv]
        start = time.time()
        subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
        end = time.time()
        first = server.arrived[0] - start if server.arrived else None
    return first, end - start


def launch(reps: int) -> None:
    py = sys.executable
    script = Path(py).parent / "agent"
    version = ("agent --version", [str(script), "--version"]) if script.exists() else \
        ("python -m agent --version", [py, "-m", "agent", "--version"])
    rows = [("python -m agent -p hi --base-url URL --model m",
             [py, "-m", "agent", "-p", "hi", "--base-url", "URL", "--model", "m"]),
            ("bare: OpenAI(...).chat.completions.create(...)", [py, "-c", BARE_LAUNCH, "URL"]),
            version,
            ('python -c "import openai"', [py, "-c", "import openai"]),
            ("python -c pass", [py, "-c", "pass"])]
    times: dict[str, list[tuple[float | None, float]]] = {label: [] for label, _ in rows}
    for _ in range(reps):  # interleaved, so that a noisy moment hits every row alike
        for label, argv in rows:
            times[label].append(spawn(argv))
    print(f"1. Launch, ms: median (min) of {reps} runs, in the repository (git calls included)")
    print("   first request = from spawning the process to the fake server receiving a request")
    print("   exit          = from spawning the process to its exit")
    print(f"   {'command':<50} {'first request':>14} {'exit':>14}")
    for label, _ in rows:
        firsts = [f for f, _ in times[label] if f is not None]
        first = cell(firsts) if firsts else "-"
        print(f"   {label:<50} {first:>14} {cell([e for _, e in times[label]]):>14}")
    trace = subprocess.run([py, "-X", "importtime", "-m", "agent", "--version"], cwd=ROOT,
                           capture_output=True, text=True).stderr
    imported = re.search(r"\|\s+openai$", trace, re.MULTILINE) is not None
    print(f"   does `agent --version` import openai? {'yes' if imported else 'no'} "
          "(python -X importtime)\n")


# 2. The step interval ---------------------------------------------------------------------

DONE = "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"  # mini-swe-agent's word for "the task is done"


def loops(py: str, peer_py: str) -> dict[str, list[str] | str]:
    """Each loop's command line (URL: the fake server's), or why it is not measured."""
    peers = [py, str(ROOT / "benchmarks" / "peers.py")]
    ours = [py, "-m", "agent", "-p", "Run every step.", "--base-url", "URL", "--model", "m",
            "--max-turns", "100000", "--permission-mode", "bypassPermissions",
            "--context-window", "10000000"]
    try:
        found = subprocess.run([peer_py, "-c", "import minisweagent; print(minisweagent.__version__)"],
                               capture_output=True, text=True,
                               env={**os.environ, "MSWEA_SILENT_STARTUP": "1"})
        version = found.stdout.split()[-1] if found.returncode == 0 and found.stdout.split() else ""
    except OSError:  # --peer-python names no interpreter: said in the table, not a traceback
        version = ""
    mini = ([peer_py, str(ROOT / "benchmarks" / "peers.py"), "mini", "URL"] if version
            else "not installed (pip install mini-swe-agent; --peer-python for another venv)")
    return {"floor: stdlib loop": [*peers, "floor", "URL"],
            "ours: python -m agent -p": ours,
            "ours --no-sandbox": [*ours, "--no-sandbox"],
            "openai SDK loop": [*peers, "sdk", "URL"],
            f"mini-swe-agent {version}".strip(): mini,
            "openclaude-ollama": "not on PyPI (an npm package): not measured here"}


def serve(conn, n_steps: int, tool: str, end_call: bool) -> None:
    """In a child process: `n_steps` Bash calls, then the end (a text reply, or the call that
    ends mini-swe-agent's run); then send back when each request arrived."""
    with FakeOpenAI() as server:
        for step in range(n_steps):
            server.reply(tool_calls=[(tool, {"command": f"echo step {step}"})])
        if end_call:
            server.reply(tool_calls=[(tool, {"command": f"echo {DONE}"})])
        server.reply(text="Every step is done.")
        conn.send(server.base_url)
        conn.recv()  # the session is over
        conn.send(server.arrived)


def session(argv: list[str], n_steps: int, folder: Path) -> list[float]:
    """Seconds between consecutive requests of one session: element k-1 is step k's interval
    (its reply read, its command run, the next request sent)."""
    gc.collect()
    conn, child = multiprocessing.Pipe()
    mini = "mini" in argv
    server = multiprocessing.Process(target=serve, args=(child, n_steps, "bash" if mini else "Bash",
                                                         mini))
    server.start()
    url = conn.recv()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    env["HOME"] = str(folder / "home")
    subprocess.run([url if a == "URL" else a for a in argv], cwd=folder / "work", env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    conn.send("done")
    arrived = conn.recv()
    server.join()
    if len(arrived) < n_steps + 1:
        raise SystemExit(f"{argv}: expected {n_steps + 1} requests, the server saw {len(arrived)}")
    return [b - a for a, b in zip(arrived, arrived[1:n_steps + 1])]


def steps(reps: int, n_steps: int, peer_py: str) -> None:
    import tempfile

    table = loops(sys.executable, peer_py)
    runnable = {name: argv for name, argv in table.items() if isinstance(argv, list)}
    windows = {"step 1": slice(0, 1), "steps 1-10": slice(0, 10),
               f"steps {n_steps - 9}-{n_steps}": slice(n_steps - 10, n_steps),
               f"step {n_steps}": slice(n_steps - 1, n_steps)}
    figures: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(reps):  # interleaved, so that a noisy moment hits every loop alike
            for n, (name, argv) in enumerate(runnable.items()):
                folder = Path(tmp) / f"{rep}-{n}"
                (folder / "home").mkdir(parents=True)
                (folder / "work").mkdir()
                intervals = session(argv, n_steps, folder)
                for window, part in windows.items():
                    figures.setdefault((name, window), []).append(statistics.median(intervals[part]))
    median = {key: statistics.median(values) * 1000 for key, values in figures.items()}
    print(f"2. Step interval, ms: from one request to the next as the fake server saw them (the "
          f"reply read,\n   one Bash command run (echo), the next request sent); {n_steps} steps "
          f"a session; steps a-b:\n   their median in a session; each figure the median of "
          f"{reps} sessions")
    print(f"   {'loop':<34}" + "".join(f"{w:>14}" for w in windows))
    for name, argv in table.items():
        cells = ([f"{median[(name, w)]:14.1f}" for w in windows] if name in runnable
                 else [f"   {argv}"])
        print(f"   {name:<34}" + "".join(cells))
    floor = "floor: stdlib loop"
    for name, label in (("ours: python -m agent -p", "harness cost = ours - floor"),
                        ("ours --no-sandbox", "harness cost, --no-sandbox")):
        print(f"   {label:<34}" + "".join(f"{median[(name, w)] - median[(floor, w)]:14.1f}"
                                          for w in windows))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (less reliable)")
    parser.add_argument("--steps", type=int, default=200, help="Bash steps a session (200)")
    parser.add_argument("--peer-python", default=sys.executable,
                        help="the interpreter mini-swe-agent is installed in (default: this one)")
    args = parser.parse_args()
    import openai

    print(f"Python {sys.version.split()[0]}, openai {openai.__version__}, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d %H:%M')}\n")
    launch(reps=3 if args.quick else 10)
    steps(reps=1 if args.quick else 3, n_steps=args.steps, peer_py=args.peer_python)


if __name__ == "__main__":
    main()
