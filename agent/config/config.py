"""One configuration object, built once, from defaults < `.env` < environment < flags.

The CLI calls `load_config(flags, os.environ, cwd)` and passes the result down; nothing else
reads the environment. A `.env` file in the working directory (or the repository above it)
is read with python-dotenv, without changing the process environment, and loses to a real
environment variable, which loses to a flag.

Some values can also come from what is known about the server and the model:

    base_url        flag / env / .env  >  the --provider preset  >  Ollama's default
    provider        flag / env / .env  >  `agent doctor`'s card, or the server that said its
                    window  >  the base URL's host and port
    context_window  flag / env / .env  >  the smaller of the model's profile and the server's
                    window (asked once at start and kept on `agent doctor`'s card, see
                    agent/config/server_window.py; the server may give less)  >  8192
    max_tokens      flag / env / .env  >  a quarter of the context window, 256 to 8192
    tool_mode       flag               >  `agent doctor`'s card (tools rejected: text)  >  profile
    temperature     env / .env         >  the model's profile  >  none (the server's default)
    timeout         flag / env / .env  >  the "timeout" setting  >  600 seconds

Profiles and presets live in agent/config/profiles.json, overridable in ~/.agent/profiles.json
(agent/config/profiles.py); the doctor's card in ~/.agent/cache/doctor/ (agent/app/doctor.py). "~" is
the HOME of the `environ` given, so that a test with an empty environment reads no user file.
Claude Code counterpart: settings plus its environment variables (settings files come later).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BASE_URL = "http://localhost:11434/v1"  # Ollama's OpenAI-compatible endpoint
DEFAULT_MODEL = "qwen2.5-coder:7b"
DEFAULT_CONTEXT_WINDOW = 8192  # tokens, when neither the user, the profile nor the server says
USER_SOURCES = ("flag", "environment", ".env")  # a value from these was set by the user

# Config field -> the environment variable that sets it.
ENV_NAMES = {"base_url": "OPENAI_BASE_URL", "api_key": "OPENAI_API_KEY", "model": "AGENT_MODEL",
             "provider": "AGENT_PROVIDER", "context_window": "AGENT_CONTEXT_WINDOW",
             "max_tokens": "AGENT_MAX_TOKENS",
             "temperature": "AGENT_TEMPERATURE", "cache": "AGENT_RESPONSE_CACHE",
             "embedding_model": "AGENT_EMBEDDING_MODEL", "listing": "AGENT_LISTING",
             "compaction": "AGENT_COMPACTION", "model_layers": "AGENT_MODEL_LAYERS",
             "timeout": "AGENT_TIMEOUT", "profile": "AGENT_PROFILE",
             "search_url": "AGENT_SEARCH_URL"}
DEFAULT_COMPACTION = "mask_observations,summarize"  # agent/compact/ladder.py:STRATEGIES
CACHE_LAYERS = ("exact", "semantic")


class ConfigError(ValueError):
    """A setting that cannot be used (a bad value, a malformed file); the message says which."""


@dataclass
class Config:
    """Everything a session needs to know before it starts."""

    base_url: str = DEFAULT_BASE_URL
    """The OpenAI-compatible endpoint, up to and including /v1."""
    api_key: str = "not-needed"
    """Sent as the bearer token; local servers ignore it, but the SDK needs a non-empty one."""
    model: str = DEFAULT_MODEL
    """The model name the server knows (`ollama list`, `/v1/models`)."""
    provider: str | None = None
    """ollama | vllm | llamacpp | lmstudio | openai | openrouter | deepseek: the kind of server,
    whose preset names the fixes in messages; given, it also sets the default base URL. None:
    a server of unknown kind, used by its base URL alone."""
    context_window: int = DEFAULT_CONTEXT_WINDOW
    """The tokens the model can see at once (--context-window; see the table above)."""
    max_tokens: int | None = None
    """The longest reply, sent as `max_tokens` and kept free in the window (--max-tokens);
    None: a quarter of the window (agent.compact.window.Window.of)."""
    tool_mode: str | None = None
    """native | text | auto (agent/model/tool_repair.py); None: auto."""
    temperature: float | None = None
    """Sampling temperature sent with each request; None sends none."""
    fallback_model: str | None = None
    """The model to retry with when this one keeps failing (--fallback-model)."""
    timeout: float = 600.0
    """Seconds to wait for the first byte of a reply and then between its chunks; a whole
    request may take ten times that (--timeout, AGENT_TIMEOUT, the "timeout" setting;
    agent/model/wire.py)."""
    max_repeats: int | None = None
    """Stop a turn when the same call gives the same result this often (--max-repeats)."""
    stream: bool = True
    """Stream replies as they are generated (--no-stream turns it off)."""
    max_turns: int = 50
    """The most model calls one prompt may take before the turn stops."""
    permission_mode: str = "default"
    """default | acceptEdits | plan | bypassPermissions (see agent.permissions.policy), or a
    mode a plugin adds (agent/permissions/plugin_modes.py; checked once plugins registered)."""
    cache: str = ""
    """Response caches to use, comma-separated: exact, semantic (agent/model/response_cache.py); "" none."""
    record: Path | None = None
    """Record every reply to this file, for `replay` (an exact cache of its own)."""
    replay: Path | None = None
    """Answer from this recording only; the server is never called (--replay)."""
    embedding_model: str | None = None
    """The model the semantic cache embeds with; None: the chat model."""
    listing: str = "lines"
    """How Glob and Grep lay out results: lines, or toon rows (agent/tools/listing.py)."""
    compaction: str = DEFAULT_COMPACTION
    """The compaction strategies, comma-separated, in the order they run (--compaction; a
    plugin may add more, docs/18-plugins.md); "" never compacts."""
    model_layers: str = ""
    """Model layers that plugins registered, comma-separated, each around the one before
    (--model-layers, docs/18-plugins.md)."""
    sandbox: bool | None = None
    """--sandbox (True) or --no-sandbox (False); None: the `sandbox` settings decide (on
    where bubblewrap works, docs/06-sandbox.md)."""
    append_system_prompt: str | None = None
    """Text added at the end of the system prompt (--append-system-prompt)."""
    profile: str | None = None
    """default | lean (agent/session/lean.py: fewer tools, shorter prompt, for small models);
    None: lean for a small model or a small window, else default (--profile)."""
    tools: str | None = None
    """The tools offered, comma-separated (--tools "Read,Grep,Task"): only these of the
    built-in ones, and Task or Skill added to the lean profile's five. None: the profile's
    set. Plugins' tools are always offered."""
    search_url: str | None = None
    """A SearxNG-style JSON search endpoint (AGENT_SEARCH_URL): the WebSearch tool is offered
    only when one is set (agent/tools/web.py)."""
    mcp_config: Path | None = None
    """A file of MCP servers shaped like .mcp.json, for this run (--mcp-config; agent/mcp/)."""
    subagent_model: str | None = None
    """The model every subagent uses unless its definition names one (--subagent-model);
    None: the session's model."""
    plugins: tuple[str, ...] = ()
    """Plugins given with --plugin: a Python file or an importable module name each."""
    cwd: Path = field(default_factory=Path.cwd)
    """Where tools run and relative paths start."""
    sources: dict[str, str] = field(default_factory=dict)
    """Where each value came from (field -> "flag", "environment", ".env", "profile ...",
    "provider ...", "agent doctor", "server (llama.cpp /props n_ctx)", ...), for error
    messages, /context and the json result."""


def find_dotenv(cwd: Path) -> Path | None:
    """The nearest `.env` in cwd or a parent folder."""
    for folder in (cwd, *cwd.parents):
        if (folder / ".env").is_file():
            return folder / ".env"
    return None


def load_config(flags: Mapping[str, object], environ: Mapping[str, str], cwd: Path,
                untrusted: Path | None = None) -> Config:
    """Merge the sources; `flags` holds only the flags the user gave (None means not given).
    `untrusted`: a project whose own `.env` must not be read (agent/config/project_gates.py).
    Raises ConfigError for a value or a file that cannot be used."""
    from dotenv import dotenv_values

    from agent.config.profiles import load_profiles, profiles_file

    config = Config(cwd=cwd.resolve())
    dotenv_path = find_dotenv(config.cwd)
    if dotenv_path and untrusted and dotenv_path.resolve().is_relative_to(untrusted.resolve()):
        config.sources["ignored .env"], dotenv_path = str(dotenv_path), None  # the project's own
    dotenv = {k: v for k, v in dotenv_values(dotenv_path).items() if v} if dotenv_path else {}
    for name, var in ENV_NAMES.items():
        for source, values in ((".env", dotenv), ("environment", environ)):
            if values.get(var):
                setattr(config, name, _convert(name, values[var], f"{var} ({source})"))
                config.sources[name] = source
    for name, value in flags.items():
        if value is not None:
            setattr(config, name, value)
            config.sources[name] = "flag"
    home = Path(environ["HOME"]) if environ.get("HOME") else None
    profiles = load_profiles(profiles_file(home) if home else None)
    if config.provider:
        preset = profiles.preset(config.provider)
        config.provider = preset.name
        if "base_url" not in config.sources:  # an explicit base URL beats the preset's
            config.base_url = preset.base_url
            config.sources["base_url"] = f"provider {preset.name}"
    _fill_from_model(config, profiles, home)
    return config


def _fill_from_model(config: Config, profiles, home: Path | None) -> None:
    """The values the user left open, from the model's profile and the doctor's card."""
    from agent.config.doctor_card import load_card

    profile = profiles.profile_for(config.model)
    card = load_card(config.base_url, config.model, home) if home else None
    if not config.provider:
        if card and card.kind in profiles.providers:  # a card without findings: the start's
            config.provider = card.kind
            config.sources["provider"] = "agent doctor" if card.findings else "the server"
        elif profiles.guess_provider(config.base_url):
            config.provider = profiles.guess_provider(config.base_url)
            config.sources["provider"] = "the base URL"
    if "context_window" not in config.sources:
        fill_window(config, profile, card)
    if "tool_mode" not in config.sources:
        if card and card.native_tools is False:
            config.tool_mode, config.sources["tool_mode"] = "text", "agent doctor"
        elif profile.family != "unknown":
            config.tool_mode = profile.tool_mode
            config.sources["tool_mode"] = f"profile {profile.family}"
    if "temperature" not in config.sources and profile.temperature is not None:
        config.temperature = profile.temperature
        config.sources["temperature"] = f"profile {profile.family}"


def fill_window(config: Config, profile, card) -> None:
    """The window the user left open: the smaller of the profile's and the server's, as the
    card has it (the server's loaded window is the hard limit), else the default. A card of
    an older `agent doctor` has a window but no window_source."""
    server = card.context_window if card else None
    where = f"server ({card.window_source})" if card and card.window_source else "agent doctor"
    found = [(n, source) for n, source in ((server, where),
             (profile.context_window, f"profile {profile.family}")) if n]
    if found:  # min by size alone: on a tie the server, listed first, is named
        config.context_window, config.sources["context_window"] = min(found, key=lambda f: f[0])
    else:
        config.context_window = DEFAULT_CONTEXT_WINDOW
        config.sources.pop("context_window", None)


def seconds(text: str) -> float:
    """A positive, finite number of seconds; ValueError otherwise."""
    value = float(text)
    if not 0 < value < float("inf"):
        raise ValueError(text)
    return value


def names(text: str) -> str:
    """"a, b" as "a,b": a list of names, as flags and the environment give it."""
    return ",".join(n.strip() for n in text.split(",") if n.strip())


def cache_layers(text: str, where: str = "--cache") -> str:
    """"exact,semantic" checked: each a known layer."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in CACHE_LAYERS]
    if unknown:
        raise ConfigError(f"{where}: unknown cache {unknown[0]!r}; known: {', '.join(CACHE_LAYERS)}")
    return ",".join(names)


def _convert(name: str, text: str, where: str) -> object:
    """An environment value as the field's type."""
    if name == "cache":
        return cache_layers(text, where)
    if name in ("compaction", "model_layers"):
        return names(text)
    if name == "listing" and text not in ("lines", "toon"):
        raise ConfigError(f"{where} must be lines or toon, got {text!r}")
    if name == "profile" and text not in ("default", "lean"):
        raise ConfigError(f"{where} must be default or lean, got {text!r}")
    try:
        if name in ("context_window", "max_tokens"):
            value = int(text)
            if value <= 0:
                raise ValueError
            return value
        if name == "temperature":
            return float(text)
        if name == "timeout":
            return seconds(text)
    except ValueError:
        kind = {"temperature": "a number", "timeout": "a positive number of seconds"}.get(
            name, "a positive whole number")
        raise ConfigError(f"{where} must be {kind}, got {text!r}") from None
    return text
