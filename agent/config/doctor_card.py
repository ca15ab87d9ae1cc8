"""The card `agent doctor` writes about an endpoint and model, kept for the next sessions.

`agent doctor` (agent/app/doctor.py) probes the server and saves what it found as JSON in
~/.agent/cache/doctor/, one file per base URL and model. The configuration reads it back
(agent/config/config.py): the context the server really gives, text tool mode when the
server refused `tools`, the server's kind. A start that finds no card asks the server for its
window alone and writes a card of just that (agent/config/server_window.py). A card that
cannot be read counts as missing: it is only a cache, and the doctor writes it again.
Claude Code counterpart: none.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from agent.config.paths import cache_folder


@dataclass(frozen=True)
class Finding:
    """One line of the card."""

    name: str
    status: str  # ok | note | problem
    detail: str
    fix: str = ""


@dataclass
class Card:
    """What `agent doctor` found out about one endpoint and model (cached as JSON)."""

    base_url: str
    model: str
    kind: str = "unknown"
    """ollama | vllm | llamacpp | lmstudio | openai | openrouter | deepseek | unknown"""
    models: list[str] = field(default_factory=list)
    context_window: int | None = None
    """The context the server really gives the model, when it says."""
    window_source: str = ""
    """Where the server said it ("llama.cpp /props n_ctx"; "not reported by this server");
    "" not asked yet, and the next start asks (agent/config/server_window.py)."""
    slots: int | None = None
    """llama.cpp's parallel slots (/props total_slots); None: not said, or not llama.cpp."""
    native_tools: bool | None = None
    """True: parsed tool_calls; False: the server refused `tools`; None: not seen."""
    stream_tools: bool | None = None
    parallel: str | None = None
    tool_choice: bool | None = None
    reasoning: str | None = None
    """reasoning_content | reasoning | think tags | none seen"""
    usage_in_stream: bool | None = None
    cached_tokens: bool | None = None
    findings: list[Finding] = field(default_factory=list)
    checked_at: str = ""


def card_path(base_url: str, model: str, home: Path | None = None) -> Path:
    key = hashlib.sha256(f"{base_url.rstrip('/')}\n{model}".encode()).hexdigest()[:20]
    return cache_folder(Path.home() if home is None else home, "doctor", f"{key}.json")


def load_card(base_url: str, model: str, home: Path | None = None) -> Card | None:
    """The saved card of this endpoint and model, or None. A card that cannot be read is
    taken as missing: it is only a cache, and `agent doctor` writes it again."""
    try:
        data = json.loads(card_path(base_url, model, home).read_text(encoding="utf-8"))
        known = {f.name for f in fields(Card)}
        card = Card(**{k: v for k, v in data.items() if k in known})
        card.findings = [Finding(**f) for f in card.findings]
        return card
    except (OSError, ValueError, TypeError):
        return None


def save_card(card: Card, home: Path | None = None) -> Path:
    path = card_path(card.base_url, card.model, home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(card), indent=2) + "\n", encoding="utf-8")
    return path
