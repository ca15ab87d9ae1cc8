"""The flags of `agent`: one argparse parser, and the types that check a flag's value.

    build_parser()      every flag, with its help line (`agent --help`)
    _positive, ...      a value checked as it is parsed: a bad one is exit code 2 and a line

Kept apart from cli.py, which decides what to run with them. Nothing heavy is imported here:
`agent --help` must not pay for the openai package.
Claude Code counterpart: the `claude` command's flags, by the same names where it has them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agent import __version__


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="agent", description="A small coding agent for any OpenAI-compatible endpoint.",
        epilog="Subcommands: `agent demo` runs a scripted demo with no server; `agent doctor` "
               "probes the endpoint and prints what it can do; `agent sessions` lists this "
               "folder's sessions.")
    p.add_argument("prompt", nargs="?", help="the prompt (print mode: read from stdin when omitted)")
    p.add_argument("-p", "--print", action="store_true", dest="print_mode",
                   help="run one prompt without questions, print the answer and exit")
    p.add_argument("-c", "--continue", action="store_true", dest="continue_session",
                   help="go on with the latest session of this folder")
    p.add_argument("-r", "--resume", metavar="ID", help="go on with the session ID (or an id prefix)")
    p.add_argument("--fork-session", action="store_true",
                   help="with --continue or --resume: go on in a new session that starts from a "
                        "copy of that one's history (the original is left as it is)")
    p.add_argument("--output-format", choices=("text", "json", "stream-json"), default="text",
                   help="print mode output: the answer, one JSON document, or one JSON event per line")
    p.add_argument("--input-format", choices=("text", "stream-json"), default="text",
                   help="print mode input: the prompt as text, or user messages as JSON lines "
                        "on stdin, one turn each (needs --output-format stream-json)")
    p.add_argument("--include-partial-messages", action="store_true",
                   help="stream-json: the answer's token deltas too, as stream_event lines")
    p.add_argument("--append-system-prompt", metavar="TEXT",
                   help="add TEXT at the end of the system prompt")
    p.add_argument("--verbose", action="store_true", help="print mode: show tool calls on stderr; both modes: show what hooks print")
    p.add_argument("--base-url", help="OpenAI-compatible endpoint (env OPENAI_BASE_URL; default Ollama's)")
    p.add_argument("--api-key", help="API key (env OPENAI_API_KEY)")
    p.add_argument("--model", help="model name (env AGENT_MODEL)")
    p.add_argument("--provider", help="server preset: ollama, vllm, llamacpp, lmstudio, openai, "
                   "openrouter, deepseek; sets the default base URL (env AGENT_PROVIDER)")
    p.add_argument("--context-window", type=_positive, metavar="N",
                   help="tokens the model sees at once (env AGENT_CONTEXT_WINDOW; default: the "
                        "smaller of the model's profile and what the server says it gives, "
                        "asked once and cached; else 8192)")
    p.add_argument("--max-tokens", type=_positive, metavar="N",
                   help="the longest reply, kept free in the window (env AGENT_MAX_TOKENS; "
                        "default: a quarter of the context window, at most 8192)")
    p.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                   help="wait this long for the first byte of a reply, and between its chunks; "
                        "a whole request, ten times that (env AGENT_TIMEOUT; the \"timeout\" "
                        "setting; default 600)")
    p.add_argument("--no-stream", action="store_false", dest="stream", default=None,
                   help="ask for whole replies instead of streaming")
    p.add_argument("--max-turns", type=_positive, metavar="N",
                   help="most model calls per prompt (default 50)")
    p.add_argument("--permission-mode", metavar="MODE",  # checked once plugins added theirs
                   help="default: ask before edits and commands; acceptEdits: edits in the "
                        "workspace run; plan: read-only until a plan is approved; "
                        "bypassPermissions: no questions (deny rules still apply); or a "
                        "mode a plugin adds")
    p.add_argument("--allowedTools", "--allowed-tools", action="append", default=[],
                   metavar="RULES", help='allow rules, e.g. "Read,Bash(git diff:*)" (repeatable)')
    p.add_argument("--disallowedTools", "--disallowed-tools", action="append", default=[],
                   metavar="RULES", help='deny rules, e.g. "Bash(git push:*)" (repeatable)')
    p.add_argument("--trust-project", action="store_true",
                   help="print mode: use this project's allow rules, mode and hooks without asking")
    p.add_argument("--tool-mode", choices=("native", "text", "auto"),
                   help="tool calls: native, described in the prompt (text), or native until the "
                        "model needs text (auto, the default; see docs/12-tool-calls.md)")
    p.add_argument("--profile", choices=("default", "lean"),
                   help="lean: five tools, one-line descriptions and a short system prompt, for "
                        "small models (chosen by itself for 3B and less or a window of 8k and "
                        "less; docs/14-local-models.md)")
    p.add_argument("--tools", type=_names, metavar="NAMES",
                   help='the tools offered, comma-separated ("Read,Grep,Task"): only these of '
                        "the built-in ones; with the lean profile, Task or Skill are added this way")
    p.add_argument("--mcp-config", type=Path, metavar="FILE",
                   help='MCP servers from a file shaped like .mcp.json ({"mcpServers": {...}}), '
                        "for this run")
    p.add_argument("--subagent-model", metavar="NAME",
                   help="the model subagents use unless their definition names one")
    p.add_argument("--fallback-model", metavar="NAME",
                   help="when the model keeps failing (429, 5xx, unreachable), retry with this one")
    p.add_argument("--max-repeats", type=_repeat_count, metavar="N",
                   help="stop the turn when the same call gives the same result N times "
                        "(default 3; 0: never)")
    p.add_argument("--cache", type=_cache_layers, metavar="LAYERS",
                   help="response caches, comma-separated: exact, semantic (env AGENT_RESPONSE_CACHE; "
                        "see docs/16-caching.md)")
    p.add_argument("--record", type=Path, metavar="FILE",
                   help="record every reply to FILE, to replay the session later with --replay")
    p.add_argument("--replay", type=Path, metavar="FILE",
                   help="answer from a recording only, with no server")
    p.add_argument("--listing", choices=("lines", "toon"),
                   help="how Glob and Grep lay out results: plain lines (default) or TOON rows "
                        "(env AGENT_LISTING)")
    p.add_argument("--sandbox", action="store_true", default=None,
                   help="run the model's commands in the OS sandbox (bubblewrap; the default "
                        "where it works; docs/06-sandbox.md)")
    p.add_argument("--no-sandbox", action="store_false", dest="sandbox",
                   help="run the model's commands unsandboxed (the rules alone judge them)")
    p.add_argument("--plugin", action="append", default=[], metavar="FILE_OR_MODULE",
                   help="load a plugin: a Python file or module with register(session), which "
                        "may add tools, hooks, compaction strategies, model layers (repeatable; "
                        "docs/18-plugins.md)")
    p.add_argument("--compaction", type=_names, metavar="NAMES",
                   help="compaction strategies in order, comma-separated (env AGENT_COMPACTION; "
                        "default mask_observations,summarize; '' never compacts)")
    p.add_argument("--model-layers", type=_names, metavar="NAMES",
                   help="model layers a plugin registered, comma-separated (env AGENT_MODEL_LAYERS)")
    p.add_argument("--report", type=Path, metavar="FILE.csv",
                   help="write one row per model call (tokens, cached, seconds, $) when done")
    p.add_argument("--version", action="version", version=f"agent {__version__}")
    return p


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text!r}")
    return n


def _seconds(text: str) -> float:
    from agent.config.config import seconds

    try:
        return seconds(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a positive number of seconds") from None


def _cache_layers(text: str) -> str:
    from agent.config.config import ConfigError, cache_layers

    try:
        return cache_layers(text)
    except ConfigError as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("--cache: ")) from None


def _names(text: str) -> str:
    from agent.config.config import names
    return names(text)


def _repeat_count(text: str) -> int:
    n = int(text)
    if n < 0 or n == 1:
        raise argparse.ArgumentTypeError("must be 0 (never stop) or at least 2")
    return n


