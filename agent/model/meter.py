"""What each model call cost: tokens in, out and cached, seconds, and dollars.

`Meter` is a `Model` layer, the outermost one: every request of the session goes through it
(the loop's turns and the compaction's summaries) and leaves one `CallRecord`:

    prompt, completion and cached tokens    as the server reported them (agent/model/stream.py
                                            reads OpenAI's, vLLM's and llama.cpp's fields)
    time to first token, total time         measured by the client (agent/model/client.py)
    tokens per second                       completion tokens / (total - first token)
    served by                               the server, or a response cache (agent/model/response_cache.py)
    dollars                                 from a price table kept as data

For a local endpoint (localhost, a private address) the cost is $0 and time is what the
report shows. A hosted model missing from the price table costs "unknown", never $0.
Prices are US dollars per million tokens, in agent/model/prices.json, overridden per model
by ~/.agent/prices.json; a versioned name (gpt-4.1-mini-2025-04-14) takes the price of the
longest listed name it starts with.
Simplified: a retried request counts once, with the time of the attempt that answered; a
cached token is priced at the table's cached rate, or the input rate when none is listed.
Claude Code counterpart: /cost, and `total_cost_usd` in the json output.
"""

from __future__ import annotations

import csv
import ipaddress
import json
import statistics
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from urllib.parse import urlparse

from agent.model.types import Emit, Model, Reply, Wrapper

PRICES = Path(__file__).parent / "prices.json"


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float
    cached_input: float | None = None


@dataclass(frozen=True)
class CallRecord:
    """One model call, as `--report calls.csv` writes it (one row)."""

    n: int
    model: str
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int | None
    """None: the server did not say (Ollama's /v1 endpoint)."""
    first_token_s: float | None
    """None: not streamed, or answered by a cache."""
    total_s: float
    """The whole call as the user waited for it: retries and reprompts included."""
    tokens_per_s: float | None
    """Completion tokens over the answering request's time after its first token."""
    served_by: str
    cost_usd: float | None
    """0 for a local endpoint; None when the model has no price in the table."""


def load_prices(user_file: Path | None = None) -> dict[str, Price]:
    """The price table, with the user's entries over ours. A malformed file is a ValueError
    that names it."""
    table = {}
    for path in (PRICES, user_file):
        if path is None or not path.exists():
            continue
        try:
            data = json.loads(path.read_text())
            table.update({name: Price(**entry) for name, entry in data.items()
                          if not name.startswith("_")})
        except (ValueError, TypeError, AttributeError) as err:
            raise ValueError(f"{path}: not a price table ({err}); expected "
                             '{"model": {"input": 0.4, "output": 1.6, "cached_input": 0.1}}') from None
    return table


def price_for(model: str, table: dict[str, Price]) -> Price | None:
    """The exact name, else the longest listed name the model's name starts with."""
    if model in table:
        return table[model]
    starts = [name for name in table if model.startswith(name)]
    return table[max(starts, key=len)] if starts else None


def is_local(base_url: str | None) -> bool:
    """True for a server on this machine or a private network (its cost is time, not money).
    A model with no base URL (a scripted one) is local too."""
    if not base_url:
        return True
    host = urlparse(base_url).hostname or ""
    if host in ("localhost", "host.docker.internal") or host.endswith((".local", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_unspecified


def cost(record_usage: tuple[int, int, int], price: Price) -> float:
    """Dollars for (prompt, completion, cached) tokens."""
    prompt, completion, cached = record_usage
    cached_rate = price.input if price.cached_input is None else price.cached_input
    return ((prompt - cached) * price.input + cached * cached_rate
            + completion * price.output) / 1_000_000


class Meter(Wrapper):
    """A `Model` layer that records each call (see the module docstring)."""

    def __init__(self, inner: Model, prices: dict[str, Price] | None = None,
                 local: bool | None = None):
        self.inner = inner
        self.prices = load_prices() if prices is None else prices
        self.local = is_local(getattr(inner, "base_url", None)) if local is None else local
        self.records: list[CallRecord] = []

    def complete(self, messages: list[dict], tools: list[dict], emit: Emit) -> Reply:
        start = time.monotonic()
        reply = self.inner.complete(messages, tools, emit)
        self.records.append(self.record(reply, time.monotonic() - start))
        return reply

    def record(self, reply: Reply, seconds: float) -> CallRecord:
        usage, timing = reply.usage, reply.timing
        prompt, completion = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        cached = usage.cached_tokens if usage and timing and timing.cached_from else None
        first, total = (timing.first_token_s if timing else None), seconds
        generating = (timing.total_s if timing and timing.total_s else total) - (first or 0)
        speed = (completion / generating if completion > 1 and first is not None and generating > 0
                 else None)  # one token has no rate
        served_by = timing.served_by if timing else "server"
        if served_by != "server" or self.local:
            dollars = 0.0  # a cache hit costs nothing; a local server costs time
        else:
            price = price_for(self.name, self.prices)
            dollars = cost((prompt, completion, cached or 0), price) if price else None
        return CallRecord(len(self.records) + 1, self.name, prompt, completion, cached,
                          None if first is None else round(first, 4), round(total, 4),
                          None if speed is None else round(speed, 1), served_by,
                          None if dollars is None else round(dollars, 6))

    def totals(self) -> dict:
        """The session so far: for /cost and the json output."""
        rs = self.records
        costs = [r.cost_usd for r in rs]
        firsts = [r.first_token_s for r in rs if r.first_token_s is not None]
        return {"calls": len(rs), "prompt_tokens": sum(r.prompt_tokens for r in rs),
                "completion_tokens": sum(r.completion_tokens for r in rs),
                "cached_tokens": sum(r.cached_tokens or 0 for r in rs),
                "cache_reported": any(r.cached_tokens is not None for r in rs),
                "seconds": round(sum(r.total_s for r in rs), 3),
                "median_first_token_s": round(statistics.median(firsts), 4) if firsts else None,
                "cost_usd": None if None in costs else round(sum(costs), 6), "local": self.local,
                "served_by": {kind: sum(r.served_by == kind for r in rs)
                              for kind in sorted({r.served_by for r in rs})}}

    def write_csv(self, path: Path) -> None:
        """`--report calls.csv`: one row per call, the CallRecord's fields as columns."""
        with open(path, "w", newline="") as out:
            writer = csv.DictWriter(out, [f.name for f in fields(CallRecord)])
            writer.writeheader()
            for record in self.records:
                writer.writerow({k: "" if v is None else v for k, v in asdict(record).items()})


def cost_text(totals: dict, base_url: str | None = None) -> str:
    """/cost: the totals in three lines."""
    n, prompt, cached = totals["calls"], totals["prompt_tokens"], totals["cached_tokens"]
    if not n:
        return "No model calls yet."
    share = f" ({cached / prompt:.0%} of the prompt tokens)" if prompt else ""
    cached_text = (f"{cached:,} cached{share}" if totals["cache_reported"]
                   else "cached: not reported by this server")
    first = totals["median_first_token_s"]
    lines = [f"{n} model call{'s' * (n != 1)}: {prompt:,} tokens in, {cached_text}; "
             f"{totals['completion_tokens']:,} out",
             f"{totals['seconds']:.1f} s in model calls"
             + (f"; median time to first token {first:.2f} s" if first is not None else "")]
    if totals["local"]:
        lines.append(f"Cost: $0 (a local endpoint{' ' + base_url if base_url else ''}: "
                     "time is the cost)")
    elif totals["cost_usd"] is None:
        lines.append("Cost: unknown (no price for this model: add it to ~/.agent/prices.json)")
    else:
        lines.append(f"Cost: ${totals['cost_usd']:.4f}")
    cached_layers = {k: v for k, v in totals["served_by"].items() if k != "server"}
    if cached_layers:
        lines.append("Answered by response caches: "
                     + ", ".join(f"{k} {v}" for k, v in cached_layers.items()))
    return "\n".join(lines)
