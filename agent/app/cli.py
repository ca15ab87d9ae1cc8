"""The command line: parse the flags, build the pieces, run the REPL, print mode or the demo.

    agent                      the REPL
    agent "prompt"             the REPL, starting with that prompt
    agent -p "prompt"          print mode: run one prompt without questions, print the result
    agent -c / --continue      go on with the latest session of this folder (REPL or -p)
    agent -r ID / --resume ID  go on with that session (REPL or -p)
    ... --fork-session         with -c or -r: go on in a copy, under a new id
    agent sessions             list this folder's sessions: id, time, size, first prompt
    agent demo                 a scripted model fixes a bug in a sample repository, no server
    agent doctor               probe the endpoint, print what it can do and the fixes
    agent permissions explain 'Bash(git push)'    which rule decides a call, and why
    python -m agent ...        the same

This is the one place that reads the environment and builds a client; everything else gets
what it needs passed in. Imports are lazy: `agent --help` and `agent --version` must not pay
for the openai package (about half a second to import).
Exit codes: 0 success, 1 error, 2 bad usage, 128 + N stopped by signal N (SIGTERM,
SIGHUP; SIGINT outside the REPL: agent/app/signals.py).
Claude Code counterpart: the `claude` command, `-p` and `--output-format`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
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
    p.add_argument("--permission-mode", choices=("default", "acceptEdits", "plan", "bypassPermissions"),
                   help="default: ask before edits and commands; acceptEdits: edits in the "
                        "workspace run; plan: read-only until a plan is approved; "
                        "bypassPermissions: no questions (deny rules still apply)")
    p.add_argument("--allowedTools", "--allowed-tools", action="append", default=[],
                   metavar="RULES", help='allow rules, e.g. "Read,Bash(git diff:*)" (repeatable)')
    p.add_argument("--disallowedTools", "--disallowed-tools", action="append", default=[],
                   metavar="RULES", help='deny rules, e.g. "Bash(git push:*)" (repeatable)')
    p.add_argument("--trust-project", action="store_true",
                   help="print mode: use this project's allow rules, mode and hooks without asking")
    p.add_argument("--tool-mode", choices=("native", "text", "auto"),
                   help="tool calls: native, described in the prompt (text), or native until the "
                        "model needs text (auto, the default; see docs/08-tool-calls.md)")
    p.add_argument("--fallback-model", metavar="NAME",
                   help="when the model keeps failing (429, 5xx, unreachable), retry with this one")
    p.add_argument("--max-repeats", type=_repeat_count, metavar="N",
                   help="stop the turn when the same call gives the same result N times "
                        "(default 3; 0: never)")
    p.add_argument("--cache", type=_cache_layers, metavar="LAYERS",
                   help="response caches, comma-separated: exact, semantic (env AGENT_RESPONSE_CACHE; "
                        "see docs/caching.md)")
    p.add_argument("--record", type=Path, metavar="FILE",
                   help="record every reply to FILE, to replay the session later with --replay")
    p.add_argument("--replay", type=Path, metavar="FILE",
                   help="answer from a recording only, with no server")
    p.add_argument("--listing", choices=("lines", "toon"),
                   help="how Glob and Grep lay out results: plain lines (default) or TOON rows "
                        "(env AGENT_LISTING)")
    p.add_argument("--sandbox", action="store_true", default=None,
                   help="run the model's commands in the OS sandbox (bubblewrap; the default "
                        "where it works; docs/sandbox.md)")
    p.add_argument("--no-sandbox", action="store_false", dest="sandbox",
                   help="run the model's commands unsandboxed (the rules alone judge them)")
    p.add_argument("--plugin", action="append", default=[], metavar="FILE_OR_MODULE",
                   help="load a plugin: a Python file or module with register(session), which "
                        "may add tools, hooks, compaction strategies, model layers (repeatable; "
                        "docs/plugins.md)")
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


def main(argv: list[str] | None = None) -> int:
    from agent.app import signals

    signals.install()  # SIGTERM, SIGHUP, SIGINT: end the commands, one line, 128 + the signal
    try:
        code = run(sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt:  # a stop signal, or a Ctrl-C that nothing else caught
        return signals.finish(signals.received() or signal.SIGINT)
    except BrokenPipeError:  # `agent ... | head` closed the pipe: not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return signals.finish(signals.received()) if signals.received() else code


def run(argv: list[str]) -> int:
    if argv[:1] == ["demo"]:
        from agent.app.demo import main as demo
        return demo(argv[1:])
    if argv[:1] == ["doctor"]:
        from agent.app.doctor import main as doctor
        return doctor(argv[1:])
    if argv[:1] == ["permissions"]:
        return permissions_command(argv[1:])
    if argv[:1] == ["sessions"]:
        return sessions_command(argv[1:])
    args = build_parser().parse_args(argv)
    from agent.config.config import ConfigError, load_config

    flags = {"base_url": args.base_url, "api_key": args.api_key, "model": args.model,
             "stream": args.stream, "max_turns": args.max_turns, "permission_mode": args.permission_mode,
             "tool_mode": args.tool_mode, "fallback_model": args.fallback_model,
             "max_repeats": args.max_repeats, "provider": args.provider,
             "context_window": args.context_window, "max_tokens": args.max_tokens,
             "cache": args.cache, "record": args.record, "replay": args.replay,
             "listing": args.listing, "compaction": args.compaction,
             "model_layers": args.model_layers, "plugins": tuple(args.plugin) or None,
             "sandbox": args.sandbox, "timeout": args.timeout,
             "append_system_prompt": args.append_system_prompt}
    if args.replay and not args.replay.is_file():
        print(f"agent: --replay {args.replay}: no such recording", file=sys.stderr)
        return 2
    from agent.config.server_window import settle_window
    from agent.config.settings import find_project
    try:  # without the project's own .env until the project is trusted (below)
        config = load_config(flags, os.environ, Path.cwd(), untrusted=find_project(Path.cwd()))
    except ConfigError as err:
        print(f"agent: {err}", file=sys.stderr)
        return 2
    from agent.session.compose import load_permissions
    from agent.session.resume import find_session, latest
    from agent.session.transcript import SessionError
    from agent.config.paths import project_folder

    resume = None
    if args.fork_session and not (args.continue_session or args.resume):
        print("agent: --fork-session goes with --continue or --resume", file=sys.stderr)
        return 2
    if args.continue_session or args.resume:
        folder = project_folder(config.cwd, Path.home())
        try:
            resume = (find_session(folder, args.resume) if args.resume else latest(folder)).path
        except SessionError as err:
            print(f"agent: {err}", file=sys.stderr)
            return 1
    if (args.input_format == "stream-json" or args.include_partial_messages) and not (
            args.print_mode and args.output_format == "stream-json"):
        print("agent: --input-format stream-json and --include-partial-messages go with -p "
              "and --output-format stream-json", file=sys.stderr)
        return 2
    if args.print_mode:
        prompts = None
        if args.input_format == "stream-json":
            from agent.app.stream_input import user_messages
            prompt, prompts = "", user_messages(sys.stdin)
        else:
            prompt = args.prompt if args.prompt is not None else sys.stdin.read()
        if prompts is None and not prompt.strip():
            print("agent: -p needs a prompt (as an argument or on stdin)", file=sys.stderr)
            return 2
        try:
            permissions = load_permissions(config, args.allowedTools, args.disallowedTools,
                                           trust_project=args.trust_project)
            config = trusted_config(config, flags, permissions[1])
        except ConfigError as err:
            print(f"agent: {err}", file=sys.stderr)
            return 2
        warn_untrusted(permissions[1])
        settle_window(config, Path.home())  # after trust: a trusted .env may name the server
        from agent.app.print_mode import print_mode
        return print_mode(config, prompt, args.output_format, args.verbose, permissions,
                          args.report, resume, args.fork_session,
                          args.include_partial_messages, prompts)
    from agent.app.repl import ask_trust, repl
    from agent.app.signals import install
    install(ctrl_c_stops=False)  # in the REPL, Ctrl-C interrupts the turn, not the program
    try:
        permissions = load_permissions(config, args.allowedTools, args.disallowedTools,
                                       trust=ask_trust, trust_project=args.trust_project)
        config = trusted_config(config, flags, permissions[1])
    except ConfigError as err:
        print(f"agent: {err}", file=sys.stderr)
        return 2
    warn_untrusted(permissions[1])
    settle_window(config, Path.home())
    return repl(config, args.prompt, permissions, args.verbose, args.report, resume,
                args.fork_session)


def trusted_config(config, flags: dict, settings):
    """The configuration with the project's own .env, once the project is trusted."""
    from agent.config.config import load_config

    if "ignored .env" not in config.sources or not settings.trusted:
        return config
    return load_config(flags, os.environ, config.cwd)


def warn_untrusted(settings) -> None:
    """Say on stderr what an untrusted project's settings would have added, and how to allow it."""
    if settings.untrusted_ignored:
        print(f"agent: {settings.project} is not trusted, so its settings add only deny and ask "
              "rules; ignored: " + "; ".join(settings.untrusted_ignored)
              + ". Run `agent` there to be asked, or pass --trust-project.", file=sys.stderr)


def permissions_command(argv: list[str]) -> int:
    """`agent permissions explain 'Bash(git push --force)'` and `agent permissions list`, with
    `--plugin FILE_OR_MODULE` (repeatable) for tools that plugins add."""
    from agent.config.config import ConfigError, load_config
    from agent.permissions.explain import explain, rules_report
    from agent.session.compose import build_session, load_permissions

    usage = ("usage: agent permissions explain [--plugin FILE_OR_MODULE] [--no-sandbox] "
             "'Tool(argument)' ... | agent permissions list")
    plugins, rest, sandbox = [], [], None
    words = iter(argv)
    for word in words:
        if word in ("--sandbox", "--no-sandbox"):
            sandbox = word == "--sandbox"
        elif word == "--plugin":
            plugins.append(next(words, ""))
        elif word.startswith("--plugin="):
            plugins.append(word.partition("=")[2])
        else:
            rest.append(word)
    if not rest or rest[0] not in ("explain", "list") or (rest[0] == "explain" and len(rest) < 2) \
            or "" in plugins:
        print(usage, file=sys.stderr)
        return 2
    try:
        config = load_config({"plugins": tuple(plugins) or None, "sandbox": sandbox}, os.environ,
                             Path.cwd())
        policy, settings = load_permissions(config, [], [])
        warn_untrusted(settings)
        if rest[0] == "list":
            print(rules_report(policy))
            return 0
        # the session's own tools and rules, exactly as a call of the model's will be judged
        session = build_session(config, lambda event: None, ask=None, permissions=(policy, settings))
    except ConfigError as err:
        print(f"agent: {err}", file=sys.stderr)
        return 2
    for text in rest[1:]:
        try:
            print(explain(session.policy, text, session.tools))
        except ValueError as err:
            print(f"agent: {err}", file=sys.stderr)
            return 2
    return 0


def sessions_command(argv: list[str]) -> int:
    """`agent sessions`: this folder's sessions, newest first."""
    from agent.session.resume import sessions_report
    from agent.session.transcript import SessionError
    from agent.config.paths import project_folder

    if argv:
        print("usage: agent sessions", file=sys.stderr)
        return 2
    try:
        print(sessions_report(project_folder(Path.cwd(), Path.home())))
    except SessionError as err:
        print(f"agent: {err}", file=sys.stderr)
        return 1
    return 0
