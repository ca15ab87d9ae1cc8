"""What each compaction strategy costs and keeps, on long scripted sessions in small windows.

    python benchmarks/compaction.py                     offline, about 5 s
    python benchmarks/compaction.py --base-url URL --model NAME --turns 40 --windows 8192

A session is 200 turns (by default), in user requests of 10 turns: each turn is one request
to a scripted model that calls a benchmark-local `Lookup` tool, whose result is log-like text
of 100 to 6,000 tokens with one distinct fact ("the port of service 17 is 48213") on a random
line. Results over the window's result budget go to a file (rung a, `ResultBudget`) and keep
a preview, which may or may not show the fact. For a third of the services the model writes
the fact down in its next message ("Noted: ..."), as real models often do; the rest are only
in tool results. The real `Agent` runs the session once per window and strategy:

    none     Ladder(window, [])                       the history only grows
    masking  Ladder(window, [mask_observations])
    summary  Ladder(window, [summarize])
    both     Ladder(window, [mask_observations, summarize])   the harness's default

Per strategy: prompt tokens per request (peak, mean, sum), overflows (prompt > size - reply
reserve), uncached tokens (what a server with a prefix cache processes), prefix-cache breaks,
compactions, and recall: the share of the facts of the first 20% of turns still present word
for word in the last request.

Simplified: nothing refuses a prompt offline, so "none" runs on past the window and its
overflows are counted. With no model, `summarize` keeps its mechanical listing (the user's
requests, the calls made, the model's notes), so a fact can outlive a summary only if the
model noted it. Tokens are cl100k counts (agent.model.tokens), not the served model's.
With `--base-url`, a real model writes the summaries and, after each session, answers the
recall questions from the final context, scored by exact port numbers.
Claude Code counterpart: none; this measures the ladder of docs/15-compaction.md.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agent.compact.ladder import STRATEGIES as BUILT_IN
from agent.compact.ladder import Ladder, ResultBudget, append_user, mask_observations, summarize
from agent.model.errors import ContextOverflow
from agent.model.types import Model, Reply
from agent.model.scripted import ScriptedModel, call
from agent.loop.turn import Agent
from agent.model.tokens import TokenCounter, encoding_name
from agent.tools import Tool, ToolContext
from agent.compact.window import Window

SYSTEM = "You are a coding agent. Use the tools to answer."
BLOCK = 10  # turns (Lookup calls) per user request
EARLY = 0.2  # recall is asked about the facts of this share of the first turns
STRATEGIES = {"none": [], "masking": [mask_observations], "summary": [summarize],
              "both": [mask_observations, summarize]}
FACT = re.compile(r"the port of service (\d+) is (\d+)")
WORDS = ("worker handled request cache miss retry queue flushed config loaded shard replica "
         "timeout upstream latency ok error warn debug session token index build deploy").split()


@dataclass(frozen=True)
class Fact:
    service: int
    port: int
    noted: bool  # the scripted model writes it down in its own text too

    @property
    def text(self) -> str:
        return f"the port of service {self.service} is {self.port}"


def make_facts(n_turns: int, rng: random.Random) -> list[Fact]:
    ports = rng.sample(range(10_000, 65_536), n_turns)
    return [Fact(i + 1, port, i % 3 == 0) for i, port in enumerate(ports)]


def result_size(turn: int, rng: random.Random) -> int:
    """Tokens of one result: mostly small, some large, one in 20 a dump past every budget."""
    draw = rng.random()
    low, high = ((4_200, 6_000) if turn % 20 == 13 else (100, 600) if draw < 0.63
                 else (600, 1_500) if draw < 0.9 else (1_500, 3_000))
    return rng.randint(low, high)


def document(fact: Fact, tokens: int, rng: random.Random, counter: TokenCounter) -> str:
    """Log-like lines adding up to about `tokens`, the fact on a random one of them. Few
    digits: Qwen's tokenizer spends one token per digit, cl100k one per three."""
    lines, total = [], 0
    while total < tokens:
        words = " ".join(rng.choices(WORDS, k=10))
        line = f"[svc-{fact.service}] {words} ({rng.randint(1, 99)} ms)"
        lines.append(line)
        total += counter.count_text(line) + 1
    lines.insert(rng.randrange(len(lines) + 1), f"NOTE: {fact.text}.")
    return "\n".join(lines)


def lookup_tool(documents: dict[int, str]) -> Tool:
    return Tool("Lookup", "Show the logs and settings of one service.",
                {"type": "object", "properties": {"service": {"type": "integer"}},
                 "required": ["service"]}, lambda args, ctx: documents[int(args["service"])], True)


def turn(service: int | None, noted: set[int]) -> Callable[[list[dict]], Reply]:
    """One scripted request: note the fact of the last result (when the model notes that
    service and the fact is in view), then look the next service up, or end the turn."""
    def reply(messages: list[dict]) -> Reply:
        found = FACT.search(str(messages[-1].get("content") or "")) \
            if messages[-1].get("role") == "tool" else None
        text = f"Noted: {found[0]}." if found and int(found[1]) in noted else ""
        if service is None:
            return Reply(text=f"{text}\nDone with these services.".strip(), finish_reason="stop")
        return Reply(text=text, tool_calls=(call("Lookup", f"call_{service}", service=service),),
                     finish_reason="tool_calls")
    return reply


def script(facts: list[Fact]) -> tuple[list[str], list]:
    """The user's requests, and the model's steps: BLOCK lookups and a closing text per request."""
    noted = {f.service for f in facts if f.noted}
    prompts, steps = [], []
    for start in range(0, len(facts), BLOCK):
        block = facts[start:start + BLOCK]
        prompts.append(f"Look up services {block[0].service} to {block[-1].service} "
                       "and note their ports.")
        steps += [turn(f.service, noted) for f in block] + [turn(None, noted)]
    return prompts, steps


def ask_recall(model: Model, messages: list[dict], facts: list[Fact]) -> str:
    """The real model answers the recall questions from the final context: 'k/n' or why not."""
    questions = " ".join(f"What is the port of service {f.service}?" for f in facts)
    prompt = (f"{questions}\nAnswer from the conversation above, one line per service, as "
              "`service N: PORT`. Write `unknown` when you do not know it.")
    try:
        answer = model.complete(append_user(messages, prompt), [], lambda e: None).text
    except ContextOverflow:
        return "too long"  # the server refused the final context
    right = [f for f in facts
             if re.search(rf"service {f.service}\b[^\d\n]*{f.port}\b", answer, re.IGNORECASE)]
    return f"{len(right)}/{len(facts)}"


def add_strategies(plugins: list[str], rows: list[str]) -> None:
    """Rows of named strategies, the built-in ones and those plugins register, by the same
    names --compaction takes (agent/session/plugins.py: Registry)."""
    from agent.session.plugins import Registry, load_all

    registry = Registry(strategies=dict(BUILT_IN))
    for plugin in load_all(tuple(plugins), Path.cwd()):
        plugin.register(registry)
    for row in rows:
        names = [n.strip() for n in row.split(",") if n.strip()]
        unknown = [n for n in names if n not in registry.strategies]
        if unknown:
            raise SystemExit(f"unknown strategy {unknown[0]!r}; known: {', '.join(registry.strategies)}")
        STRATEGIES[",".join(names)] = [registry.strategies[n] for n in names]


def run_session(window: Window, name: str, facts: list[Fact], documents: dict[int, str],
                writer: Model | None, counter: TokenCounter) -> dict:
    """One session with one strategy, its files in a folder under the current directory (a
    relative path, so that the paths written into the history are the same on every run)."""
    prompts, steps = script(facts)
    scripted = ScriptedModel(steps)
    folder = Path(f"{window.size}-{name}")
    ladder = Ladder(window, STRATEGIES[name], model=writer, save_dir=folder / "transcripts")
    agent = Agent(scripted, [lookup_tool(documents)], SYSTEM, ToolContext(cwd=Path.cwd()),
                  max_turns=BLOCK + 1, compactor=ladder)
    agent.after_tool.add(ResultBudget(window.result_budget, folder / "tool-results"))
    for prompt in prompts:
        end = agent.run(prompt)
        if end.stop_reason != "end_turn":
            raise SystemExit(f"{name} on {window.size:,}: the session ended with "
                             f"{end.stop_reason}: {end.text}")
    early = facts[:max(1, round(len(facts) * EARLY))]
    row = figures(window, scripted.requests, agent.schemas, ladder, early, counter)
    row["budgeted"] = len(list((folder / "tool-results").glob("*.txt")))
    if writer is not None:
        row["answered"] = ask_recall(writer, agent.messages, early)
    return row


def figures(window: Window, requests: list[list[dict]], schemas: list[dict], ladder: Ladder,
            early: list[Fact], counter: TokenCounter) -> dict:
    """The figures of one session, from the requests the model saw and the ladder's records."""
    sizes = [counter.messages(r, schemas) for r in requests]
    fixed = counter.messages([], schemas)  # the tool schemas and the reply's opening: shared
    # subtle: ladder.prefix[i] compares request i + 1 with request i
    uncached = sizes[0] + sum(n - fixed - p.shared_tokens
                              for n, p in zip(sizes[1:], ladder.prefix))
    final = "\n".join(str(m.get("content") or "") for m in requests[-1])
    row = {"peak": max(sizes), "mean": sum(sizes) / len(sizes), "sent": sum(sizes),
           "over": sum(n > window.size - window.reply_reserve for n in sizes),
           "uncached": uncached, "breaks": sum(p.broke_at is not None for p in ladder.prefix),
           "compactions": len(ladder.compactions)}
    kept = {f for f in early if f.text in final}
    row["recall"] = f"{100 * len(kept) / len(early):.0f}%"
    for label, noted in (("noted", True), ("tool only", False)):
        group = [f for f in early if f.noted == noted]
        row[label] = f"{len(kept & set(group))}/{len(group)}"
    return row


def table(window: Window, rows: dict[str, dict]) -> None:
    print(f"window {window.size:,}: compaction past {window.limit:,}, an overflow past "
          f"{window.size - window.reply_reserve:,}, result budget {window.result_budget:,} "
          f"({rows['none']['budgeted']} results moved to files)")
    head = ["peak", "mean", "overflows", "sent", "vs none", "uncached", "breaks", "compactions",
            "recall", "noted", "tool only"] + (["answered"] if "answered" in rows["none"] else [])
    print(f"  {'strategy':<9}" + "".join(f"{h:>12}" for h in head))
    base = rows["none"]["sent"]
    for name, r in rows.items():
        versus = f"{100 * (r['sent'] - base) / base:+.0f}%" if name != "none" else "-"
        cells = [f"{r['peak']:,}", f"{r['mean']:,.0f}", r["over"], f"{r['sent']:,}", versus,
                 f"{r['uncached']:,}", r["breaks"], r["compactions"], r["recall"], r["noted"],
                 r["tool only"]] + ([r["answered"]] if "answered" in r else [])
        print(f"  {name:<9}" + "".join(f"{c:>12}" for c in cells))
    print()


def header(args: argparse.Namespace, facts: list[Fact], sizes: list[int]) -> None:
    early = facts[:max(1, round(len(facts) * EARLY))]
    print(f"{args.turns} turns (one Lookup call each) in {len(script(facts)[0])} user requests, "
          f"seed {args.seed}, tokens counted with {encoding_name()}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    print(f"tool results: {min(sizes):,} to {max(sizes):,} tokens, "
          f"mean {sum(sizes) / len(sizes):,.0f}")
    writer = (f"written by {args.model} at {args.base_url} (temperature 0, max_tokens "
              f"{args.max_tokens})" if args.base_url else "no model, so the mechanical listing "
              "(the user's requests, the calls made, the model's notes)")
    print(f"summaries: {writer}")
    print(f"recall: the {len(early)} facts of the first {EARLY:.0%} of turns, present word for "
          f"word in the last request; noted = the {sum(f.noted for f in early)} the scripted "
          "model writes down when it sees them, tool only = the rest"
          + ("; answered = the real model's right answers" if args.base_url else ""))
    print("sent = prompt tokens summed over requests; uncached = tokens past the prefix shared "
          "with the previous request\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200, help="Lookup calls per session")
    parser.add_argument("--windows", default="8192,16384,32768", help="context sizes, tokens")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base-url", help="a real model writes the summaries and answers recall")
    parser.add_argument("--model", default="local", help="the model name sent to --base-url")
    parser.add_argument("--max-tokens", type=int, default=512, help="reply cap of the real model")
    parser.add_argument("--plugin", action="append", default=[], metavar="FILE_OR_MODULE",
                        help="load a plugin; its compaction strategies can then be named")
    parser.add_argument("--strategy", action="append", default=[], metavar="NAMES",
                        help="one more row: these strategies by name, comma-separated, in order "
                             "(built in: mask_observations, summarize; or a plugin's)")
    args = parser.parse_args()
    add_strategies(args.plugin, args.strategy)
    writer = None
    if args.base_url:
        from agent.model.client import OpenAICompatible

        writer = OpenAICompatible(args.base_url, api_key="x", model=args.model,
                                  extra_body={"max_tokens": args.max_tokens, "temperature": 0})
    counter, rng = TokenCounter(), random.Random(args.seed)
    facts = make_facts(args.turns, rng)
    documents = {f.service: document(f, result_size(i, rng), rng, counter)
                 for i, f in enumerate(facts)}
    header(args, facts, [counter.count_text(d) for d in documents.values()])
    home = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # transcripts and oversized results go here, under relative paths
        try:
            for size in (int(s) for s in args.windows.split(",")):
                window = Window.of(size)
                table(window, {name: run_session(window, name, facts, documents, writer, counter)
                               for name in STRATEGIES})
        finally:
            os.chdir(home)


if __name__ == "__main__":
    main()
