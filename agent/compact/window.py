"""The context window as a budget: its parts, what a request spends, and whether the prefix held.

    |<--------------------------------- size (say 8192) --------------------------------->|
    | system prompt + tools | history ............................| buffer | reply reserve  |
                            |<- history space ->|                 ^ limit: compact past it
                                                ^ target: compaction aims below it (half the
                                                  history space), so that it happens rarely

The reply reserve is also the `max_tokens` sent with each request: a reply always has room,
and a model that rambles stops there. The buffer (a tenth of the window) absorbs the error of
our token counts, which are cl100k's or an estimate, not the local model's tokenizer.

`spend` and `picture` draw where the window goes, for /context. (Whether consecutive
requests share their prefix, which a server's cache needs, is agent/compact/prefix_stability.py.)
Claude Code counterpart: its context accounting, /context, and the autocompact threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.model.tokens import REPLY_PRIMER, TokenCounter


@dataclass(frozen=True)
class Window:
    """How a context window of `size` tokens is split."""

    size: int
    reply_reserve: int
    """Tokens kept free for the reply; sent as `max_tokens`."""
    buffer: int
    """Tokens kept free for the error of our counts."""

    @classmethod
    def of(cls, size: int, reply_reserve: int | None = None) -> Window:
        """The split for a window of `size`: a reply reserve of a quarter (256 to 8192) and a
        buffer of a tenth, unless `reply_reserve` is given."""
        reserve = reply_reserve if reply_reserve else min(8192, max(256, size // 4))
        reserve = min(reserve, size // 2)  # a reserve past half the window leaves no history
        return cls(size, reserve, size // 10)

    @property
    def limit(self) -> int:
        """The most prompt tokens a request may carry; past it, compaction runs."""
        return self.size - self.reply_reserve - self.buffer

    def target(self, fixed: int) -> int:
        """Where compaction aims: `fixed` (system prompt and tools) plus half the history space."""
        return fixed + max(0, self.limit - fixed) // 2

    @property
    def result_budget(self) -> int:
        """The most tokens one tool result may keep in the history: an eighth of the window,
        500 to 25,000. A longer result goes to a file (agent.compact.ladder.ResultBudget)."""
        return min(25_000, max(500, self.size // 8))


CATEGORIES = ("system prompt", "memory files", "tool schemas", "messages", "tool results")


def spend(messages: list[dict], tools: list[dict], memory_text: str,
          counter: TokenCounter) -> dict[str, int]:
    """Tokens per category of what the next request would send."""
    system = counter.message(messages[0]) if messages else 0
    memory = counter.count_text(memory_text) if memory_text else 0
    results = sum(counter.message(m) for m in messages[1:] if m.get("role") == "tool")
    rest = sum(counter.message(m) for m in messages[1:] if m.get("role") != "tool")
    return {"system prompt": max(0, system - memory), "memory files": memory,
            "tool schemas": counter.messages([], tools) - REPLY_PRIMER if tools else 0,
            "messages": rest + REPLY_PRIMER, "tool results": results}


GLYPHS = {"system prompt": "S", "memory files": "M", "tool schemas": "T", "messages": "H",
          "tool results": "R", "free": ".", "reserved": "_"}


def picture(used: dict[str, int], window: Window, width: int = 60) -> str:
    """A bar of the window (one glyph per category) and a line per category, like:

        [SSSMMTTTTTTHHHRRRRR.....................______________]
        S system prompt     650 tokens   7.9%
    """
    parts = dict(used)
    total = sum(used.values())
    parts["free"] = max(0, window.limit - total)
    parts["reserved"] = window.reply_reserve + window.buffer
    scale = width / max(window.size, total + parts["reserved"])
    bar = "".join(GLYPHS[name] * (max(1, round(n * scale)) if n else 0)  # small parts show too
                  for name, n in parts.items())
    lines = [f"[{bar}]", f"{total:,} of {window.size:,} tokens used "
             f"({100 * total / window.size:.0f}%); compaction past {window.limit:,}"]
    labels = {"free": "free", "reserved": "reply reserve and buffer"}
    for name, n in parts.items():
        lines.append(f"  {GLYPHS[name]} {labels.get(name, name):<26}{n:>9,} tokens "
                     f"{100 * n / window.size:5.1f}%")
    return "\n".join(lines)
