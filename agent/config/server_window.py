"""The context window the server really gives the model: asked once, kept with the doctor's card.

A model's profile says what the model can take; the server decides what it gets. llama-server
started with `-c 32768` gives 32768 tokens, `-c 4096` gives 4096, whatever the profile says.
So when the user did not set the window (--context-window, AGENT_CONTEXT_WINDOW, `.env`),
the CLI asks the server once, before the session starts:

    llama.cpp  GET  {root}/props           default_generation_settings.n_ctx (per slot)
    Ollama     GET  {root}/api/ps          context_length of the model, as loaded
               POST {root}/api/show        num_ctx in the Modelfile's parameters; neither:
                                           Ollama's default, 4096 (capped by the model's
                                           `<arch>.context_length`), not kept: asked again
    vLLM       GET  {base}/models          max_model_len of the model's entry
    LM Studio  GET  {root}/api/v0/models   loaded_context_length of the model's entry (not
                                           loaded yet: no window, asked again next time)

    {base} is the base URL ("http://host:8080/v1"), {root} the same without its "/v1".

The first kind that answers with a window wins (the kind the URL or --provider names is
asked first). The answer goes on the card of `agent doctor` (agent/config/doctor_card.py,
~/.agent/cache/doctor/, one file per base URL and model) and the next start reads it from
there and asks nothing; `agent doctor` asks again and rewrites it. The configuration then
takes the smaller of the profile's window and the server's (agent/config/config.py).
All of it is bounded: ASK_SECONDS in all, in a thread the start does not wait for past
that, so a server that is down, hangs or answers HTML costs at most that, and the window is
then the profile's, else 8192. Nothing is kept when a question went unanswered; a server
that answered them all with no window is kept as "not reported by this server".
Not asked: when the user set the window, for --replay, for a cloud preset (openai, ...).
Why Ollama's default is a guess: its /v1 endpoint ignores a request's num_ctx, so the window
is the Modelfile's num_ctx, else OLLAMA_CONTEXT_LENGTH, else 4096 (more on GPUs of 24 GiB and
up); the server does not say which until the model is loaded (/api/ps).
Not covered: llama-server's router mode (several models, /props?model=), a proxy in front
of the server that answers none of these, a server restarted with another window (run
`agent doctor` again, or set --context-window).
Claude Code counterpart: none (its models' windows are known).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ASK_SECONDS = 2.5  # all the probes together; a local server answers in milliseconds
KINDS = ("llamacpp", "ollama", "vllm", "lmstudio")  # the servers that say their window
OLLAMA_DEFAULT = 4096
SENSIBLE = range(256, 1 << 24)  # a window outside this is a server's garbage, not a window


@dataclass(frozen=True)
class Answer:
    """What a server said about the window it gives the model."""

    size: int | None
    """Tokens; None: the server answered, but none of the probes found a window."""
    source: str
    """Where it was read, e.g. "llama.cpp /props n_ctx"."""
    kind: str = "unknown"
    """The server kind that answered: llamacpp | ollama | vllm | lmstudio | unknown."""
    settled: bool = True
    """False for a guess (Ollama's default before the model is loaded): used, not kept."""
    slots: int | None = None
    """llama.cpp's parallel slots (`-np`), each with its own prompt cache."""


def settle_window(config, home: Path, seconds: float = ASK_SECONDS) -> None:
    """Ask the server for its window when the user left it open and no card says it yet;
    keep the answer on the card and take the smaller of it and the profile's."""
    from agent.config.config import USER_SOURCES, fill_window
    from agent.config.doctor_card import Card, load_card, save_card
    from agent.config.profiles import load_profiles, profiles_file

    if config.sources.get("context_window") in USER_SOURCES or config.replay or \
            config.model.startswith("scripted:"):  # no server to ask
        return
    if config.provider and config.provider not in KINDS:  # a cloud API: none of these answer
        return
    card = load_card(config.base_url, config.model, home)
    if card and card.window_source:  # asked before: load_config has used it
        return
    answer = ask_window(config.base_url, config.model, config.api_key, config.provider, seconds)
    if answer is None:
        return
    card = card or Card(config.base_url.rstrip("/"), config.model, kind=answer.kind,
                        checked_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    card.context_window, card.window_source = answer.size, answer.source
    card.slots = answer.slots
    if answer.settled:
        try:
            save_card(card, home)
        except OSError:  # only a cache: the next start asks again
            pass
    if answer.kind != "unknown" and config.sources.get("provider") in (None, "the base URL"):
        config.provider, config.sources["provider"] = answer.kind, "the server"
    fill_window(config, load_profiles(profiles_file(home)).profile_for(config.model), card)


def ask_window(base_url: str, model: str, api_key: str = "", kind: str | None = None,
               seconds: float = ASK_SECONDS) -> Answer | None:
    """The server's window for `model`; None when no server answered within `seconds`."""
    found: list[Answer | None] = []
    thread = threading.Thread(target=lambda: found.append(
        _ask_all(base_url, model, api_key, kind, time.monotonic() + seconds)), daemon=True)
    thread.start()
    thread.join(seconds)  # a probe past the bound is left behind, unread (it keeps nothing)
    return found[0] if found else None


def _ask_all(base_url: str, model: str, api_key: str, kind: str | None,
             deadline: float) -> Answer | None:
    base = base_url.rstrip("/")
    root = base.removesuffix("/v1")
    ask = _Asker(api_key, deadline)
    order = sorted(PROBES, key=lambda k: k != kind)  # the kind we expect first
    for name in order:
        answer = PROBES[name](ask, base, root, model)
        if answer or ask.refused:
            return answer  # the server's answer, or no server there at all
    if ask.reached and not ask.missed:  # every question answered, none with a window
        return Answer(None, "not reported by this server")
    return None


class _Asker:
    """GET or POST JSON before a shared deadline; any failure is None."""

    def __init__(self, api_key: str, deadline: float) -> None:
        self.api_key, self.deadline = api_key, deadline
        self.reached = False  # an answer came, of any kind (a 404 too)
        self.refused = False  # a connection was refused: no server there
        self.missed = False  # a question got no answer (a timeout, a cut, the deadline)

    def __call__(self, url: str, body: dict | None = None) -> object:
        """The JSON of a 200 answer, or None."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.missed = True
            return None
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data, {"Content-Type": "application/json",
                                                     "Authorization": f"Bearer {self.api_key or 'none'}"})
        try:
            with urllib.request.urlopen(request, timeout=left) as response:
                self.reached = True
                if response.status != 200 or (response.length or 0) > 1 << 22:
                    return None  # four megabytes is more than any of these answers
                return json.loads(response.read())  # a body cut short: IncompleteRead
        except urllib.error.HTTPError:
            self.reached = True  # a 404: this kind of server is not this one
        except urllib.error.URLError as err:
            self.refused = self.refused or isinstance(err.reason, ConnectionRefusedError)
            self.missed = True
        except ValueError:  # not JSON: an HTML page, say
            pass
        except (OSError, http.client.HTTPException):  # a timeout, a cut, not HTTP
            self.missed = True
        return None


def count(value: object) -> int | None:
    """A sensible window from a server's JSON (a number, or a number as text), or None."""
    if isinstance(value, bool):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return n if n in SENSIBLE else None


def _llamacpp(ask: _Asker, base: str, root: str, model: str) -> Answer | None:
    props = ask(f"{root}/props")
    settings = props.get("default_generation_settings") if isinstance(props, dict) else None
    if not isinstance(settings, dict):
        return None
    params = settings.get("params") if isinstance(settings.get("params"), dict) else {}
    n = count(settings.get("n_ctx")) or count(params.get("n_ctx")) or count(props.get("n_ctx"))
    slots = props.get("total_slots")
    slots = slots if isinstance(slots, int) and not isinstance(slots, bool) and 0 < slots <= 4096 \
        else None
    return Answer(n, "llama.cpp /props n_ctx", "llamacpp", slots=slots) if n else None


def _ollama(ask: _Asker, base: str, root: str, model: str) -> Answer | None:
    names = {model, f"{model}:latest"}  # "qwen2.5-coder" is "qwen2.5-coder:latest"
    loaded = ask(f"{root}/api/ps")
    for m in _entries(loaded, "models"):
        if {m.get("name"), m.get("model")} & names and count(m.get("context_length")):
            return Answer(count(m["context_length"]), "Ollama /api/ps, as loaded", "ollama")
    show = ask(f"{root}/api/show", {"model": model})
    if not isinstance(show, dict) or not (isinstance(show.get("model_info"), dict)
                                          or isinstance(show.get("parameters"), str)):
        return None  # not Ollama (an older Ollama has parameters but no model_info)
    for line in str(show.get("parameters") or "").splitlines():
        words = line.split()
        if words[:1] == ["num_ctx"] and count(words[-1]):
            return Answer(count(words[-1]), "Ollama num_ctx in the Modelfile", "ollama")
    info = show.get("model_info") if isinstance(show.get("model_info"), dict) else {}
    trained = [count(v) for k, v in info.items() if str(k).endswith(".context_length")]
    n = min([OLLAMA_DEFAULT, *filter(None, trained)])
    return Answer(n, f"Ollama's default {OLLAMA_DEFAULT}: no num_ctx, model not loaded yet",
                  "ollama", settled=False)


def _vllm(ask: _Asker, base: str, root: str, model: str) -> Answer | None:
    for m in _entries(ask(f"{base}/models"), "data"):
        if m.get("id") == model and count(m.get("max_model_len")):
            return Answer(count(m["max_model_len"]), "vLLM /v1/models max_model_len", "vllm")
    return None


def _lmstudio(ask: _Asker, base: str, root: str, model: str) -> Answer | None:
    for m in _entries(ask(f"{root}/api/v0/models"), "data"):
        if m.get("id") != model:
            continue
        if count(m.get("loaded_context_length")):
            return Answer(count(m["loaded_context_length"]),
                          "LM Studio /api/v0/models loaded_context_length", "lmstudio")
        return Answer(None, "LM Studio: the model is not loaded yet", "lmstudio", settled=False)
    return None


def _entries(answer: object, key: str) -> list[dict]:
    items = answer.get(key) if isinstance(answer, dict) else None
    return [m for m in items if isinstance(m, dict)] if isinstance(items, list) else []


PROBES = {"llamacpp": _llamacpp, "ollama": _ollama, "vllm": _vllm, "lmstudio": _lmstudio}


def llamacpp_body(config, home: Path, session_id: str) -> dict:
    """What a request to llama-server adds: `cache_prompt` (its prompt cache, on by default
    in recent builds, asked for in any), and with several slots, each with a cache of its own,
    `id_slot`: the same slot for every request of this session, so that its prefix is there
    next time rather than in whichever slot was free. Nothing for other servers."""
    from agent.config.doctor_card import load_card

    if config.provider != "llamacpp":
        return {}
    card = load_card(config.base_url, config.model, home)
    slots = card.slots if card and card.slots else 1
    body: dict = {"cache_prompt": True}
    if slots > 1:
        body["id_slot"] = int(hashlib.sha256(session_id.encode()).hexdigest()[:8], 16) % slots
    return body
