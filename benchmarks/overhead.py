"""What the harness itself costs: at launch, and on every turn as the history grows.

    python benchmarks/overhead.py            about a minute
    python benchmarks/overhead.py --quick    fewer repetitions (about 20 s), for a first look

Everything runs against the fake OpenAI-compatible server of tests/openai_server.py, which
answers at once, so what is left is the client's own time. The machine may be shared and
noisy: each figure is measured several times and shown as "median (min)" in milliseconds;
the minimum is the least disturbed run. Nothing is asserted.

1. Launch. From spawning `python -m agent -p hi` to the fake server receiving its first
   request, next to a bare script that imports openai and sends one request with the SDK.
   Then `agent --version` next to `python -c pass` and `python -c "import openai"`: the
   imports are lazy, so --version must cost about as much as an empty interpreter.
2. Per-turn overhead. Scripted sessions of 10, 50 and 200 turns: each turn the server asks
   for one call to a cheap tool that returns ~2 KB of text, so the history grows by two
   messages a turn (402 in the last request of 200 turns); the last reply is text. The real
   `Agent` with the real `OpenAICompatible` client (streaming) and the compaction ladder's
   accounting (docs/compaction.md) runs in this process, next to
   a bare loop that grows the same history but sends it with `chat.completions.create(...,
   stream=True)`. Compare the first-10 and last-10 columns: a cost that grows with the
   history shows as a last-10 figure well above the first-10 one.

The server runs in a child process for figure 2, so that its threads do not compete with
the client for the GIL, and times are taken with time.time() on both sides.
Claude Code counterpart: none; this is the harness measuring itself.
"""

from __future__ import annotations

import argparse
import gc
import json
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

from agent.model.client import OpenAICompatible  # noqa: E402
from agent.compact.ladder import Ladder  # noqa: E402
from agent.loop.turn import Agent  # noqa: E402
from agent.tools import Tool, ToolContext  # noqa: E402
from agent.compact.window import Window  # noqa: E402

SYSTEM = "You are a coding agent. Use the tools to answer."
PROMPT = "Read every page of the file."
PAGE = "".join(f"{i:4d}  def step_{i}(x): return x * {i} + 1\n" for i in range(52))  # ~2 KB
BARE_LAUNCH = ("import sys\nfrom openai import OpenAI\n"
               "OpenAI(base_url=sys.argv[1], api_key='x').chat.completions.create(\n"
               "    model='m', messages=[{'role': 'user', 'content': 'hi'}])\n")


def read_page(args: dict, ctx: ToolContext | None = None) -> str:
    """The cheap tool both loops call: a page number in, ~2 KB of text out."""
    return f"page {args['page']}\n{PAGE}"


TOOL = Tool("Page", "Return one page of a long file.",
            {"type": "object", "properties": {"page": {"type": "integer"}}, "required": ["page"]},
            read_page, True)


def cell(seconds: list[float]) -> str:
    """'median (min)' in milliseconds."""
    def ms(s: float) -> str:
        return f"{s * 1000:.0f}" if s >= 0.1 else f"{s * 1000:.1f}"
    return f"{ms(statistics.median(seconds))} ({ms(min(seconds))})"


# 1. Launch ---------------------------------------------------------------------------------

def spawn(argv: list[str]) -> tuple[float | None, float]:
    """Seconds from spawning `argv` (URL replaced by the fake server's) to its first request
    reaching the server (None if it sent none) and to the process's exit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    with FakeOpenAI() as server:
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


# 2. Per-turn overhead ----------------------------------------------------------------------

def ours(base_url: str) -> None:
    """The real loop with the real client, and the compaction ladder's accounting (token
    counts and the prefix check on every request; the window is large enough that it never
    compacts)."""
    model = OpenAICompatible(base_url, "x", "m", stream=True, max_retries=0)
    agent = Agent(model, [TOOL], SYSTEM, ToolContext(cwd=ROOT), max_turns=10_000,
                  compactor=Ladder(Window.of(10_000_000)))
    end = agent.run(PROMPT)
    if end.stop_reason != "end_turn":
        raise SystemExit(f"the session ended with {end.stop_reason}: {end.text}")


def bare(base_url: str) -> None:
    """The same history, sent with `chat.completions.create` and its stream consumed."""
    from openai import OpenAI

    client = OpenAI(base_url=base_url, api_key="x", max_retries=0)
    tools = [TOOL.schema()]
    messages: list[dict] = [{"role": "system", "content": SYSTEM},
                            {"role": "user", "content": PROMPT}]
    while True:
        stream = client.chat.completions.create(model="m", messages=messages, tools=tools,
                                                stream=True,
                                                stream_options={"include_usage": True})
        text, calls = "", {}
        for chunk in stream:
            for choice in chunk.choices:
                text += choice.delta.content or ""
                for f in choice.delta.tool_calls or ():
                    call = calls.setdefault(f.index, {"id": f.id, "type": "function", "function": {
                        "name": f.function.name, "arguments": ""}})
                    call["function"]["arguments"] += f.function.arguments or ""
        message = {"role": "assistant", "content": text}
        if calls:
            message["tool_calls"] = list(calls.values())
        messages.append(message)
        if not calls:
            return
        for call in calls.values():
            args = json.loads(call["function"]["arguments"])
            messages.append({"role": "tool", "tool_call_id": call["id"],
                             "content": read_page(args)})


def serve(conn, n_turns: int) -> None:
    """In a child process: serve a session of `n_turns` tool calls, then send back the times."""
    with FakeOpenAI() as server:
        for page in range(n_turns):
            server.reply(tool_calls=[("Page", {"page": page})])
        server.reply(text="I have read every page.")
        conn.send(server.base_url)
        conn.recv()  # the session is over
        conn.send((server.arrived, server.answered))


def session(loop, n_turns: int) -> tuple[list[float], list[float]]:
    """Per-turn seconds, for turns 1..n_turns: request to next request as the server saw them,
    and from the server's answer to the next request (the client's own time)."""
    gc.collect()
    conn, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child, n_turns))
    server.start()
    loop(conn.recv())
    conn.send("done")
    arrived, answered = conn.recv()
    server.join()
    if len(arrived) != n_turns + 1:
        raise SystemExit(f"expected {n_turns + 1} requests, the server saw {len(arrived)}")
    turn = [arrived[i + 1] - arrived[i] for i in range(n_turns)]
    client = [arrived[i + 1] - answered[i] for i in range(n_turns)]
    return turn, client


def per_turn(reps: int, lengths: tuple[int, ...]) -> None:
    loops = {"ours": ours, "bare": bare}
    for loop in loops.values():  # warm up: imports, the SDK's lazily built models
        session(loop, 3)
    # means[(n, loop, measure, window)] = one mean per run
    means: dict[tuple, list[float]] = {}
    for _ in range(reps):
        for n in lengths:
            for name, loop in loops.items():
                for measure, turns in zip(("turn", "client"), session(loop, n)):
                    for window, part in (("first", turns[:10]), ("last", turns[-10:])):
                        means.setdefault((n, name, measure, window), []).append(
                            statistics.mean(part))
    print(f"2. Per-turn time, ms: mean over the first 10 and the last 10 turns of a session, "
          f"median (min) of {reps} runs")
    print("   turn   = one request's arrival at the server to the next's (the fake server's work "
          "included)")
    print("   client = the server's answer to the next request's arrival: read the stream, run "
          "the tool, send")
    print("   ours   = agent.loop.turn.Agent with agent.model.client.OpenAICompatible; bare = a loop around "
          "chat.completions.create")
    head = ("ours first 10", "ours last 10", "bare first 10", "bare last 10")
    print(f"   {'turns':>5} {'messages':>8}  {'measure':<7}" + "".join(f"{h:>15}" for h in head))
    for n in lengths:
        for measure in ("turn", "client"):
            lead = f"{n:>5} {2 + 2 * n:>8}" if measure == "turn" else " " * 14
            cells = [cell(means[(n, name, measure, window)])
                     for name in loops for window in ("first", "last")]
            print(f"   {lead}  {measure:<7}" + "".join(f"{c:>15}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (less reliable)")
    args = parser.parse_args()
    import openai

    print(f"Python {sys.version.split()[0]}, openai {openai.__version__}, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d %H:%M')}\n")
    launch(reps=3 if args.quick else 10)
    per_turn(reps=1 if args.quick else 5, lengths=(10, 50, 200))


if __name__ == "__main__":
    main()
