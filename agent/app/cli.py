"""The command line: parse the flags, build the pieces, run the REPL, print mode or the demo.

    agent                      the REPL
    agent "prompt"             the REPL, starting with that prompt
    agent -p "prompt"          print mode: run one prompt without questions, print the result
    agent -c / --continue      go on with the latest session of this folder (REPL or -p)
    agent -r ID / --resume ID  go on with that session (REPL or -p)
    ... --fork-session         with -c or -r: go on in a copy, under a new id
    agent sessions             list this folder's sessions: id, time, size, first prompt
    agent trace [ID] [-o FILE] a session as one HTML page (agent/app/trace.py)
    agent demo                 a scripted model fixes a bug in a sample repository, no server
    agent doctor               probe the endpoint, print what it can do and the fixes
    agent permissions explain 'Bash(git push)'    which rule decides a call, and why
    agent mcp list|get|add|remove|approve      the MCP servers (agent/app/mcp_command.py)
    python -m agent ...        the same

This is the one place that reads the environment and builds a client; everything else gets
what it needs passed in. Imports are lazy: `agent --help` and `agent --version` must not pay
for the openai package (about half a second to import).
Exit codes: 0 success, 1 error, 2 bad usage, 128 + N stopped by signal N (SIGTERM,
SIGHUP; SIGINT outside the REPL: agent/app/signals.py).
Claude Code counterpart: the `claude` command, `-p` and `--output-format`.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


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
    if argv[:1] == ["trace"]:
        from agent.app.trace import main as trace
        return trace(argv[1:])
    if argv[:1] == ["mcp"]:
        from agent.app.mcp_command import main as mcp
        return mcp(argv[1:])
    from agent.app.flags import build_parser

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
             "append_system_prompt": args.append_system_prompt, "profile": args.profile,
             "tools": args.tools, "subagent_model": args.subagent_model,
             "mcp_config": args.mcp_config}
    if args.replay and not args.replay.is_file():
        print(f"agent: --replay {args.replay}: no such recording", file=sys.stderr)
        return 2
    if args.record and args.record.exists() and not args.record.is_file():
        print(f"agent: --record {args.record}: not a file (a folder or a device)", file=sys.stderr)
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
