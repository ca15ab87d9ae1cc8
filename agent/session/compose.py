"""The composition root: a Session built from a Config, every part wired to the loop's seams.

    load_permissions(config, ...)     settings files + flags -> a permission Policy (and the
                                      Settings, for hooks and trust); errors are ConfigError
    build_session(config, emit, ask)  everything else, as a Session with named parts
                                      (agent/session/session.py); `ask` is None in print mode

The CLI (agent/app/cli.py) and the REPL (agent/app/repl.py) call these; so can a test or a
script that wants the same session the command line gets. All imports are inside the
functions, so that `agent --help` never pays for them.
Claude Code counterpart: the session setup behind `claude`.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from agent.config.paths import private_folders
from agent.session.session import Session


def split_rules(values: list[str]) -> list[str]:
    """Rules from flags: each value may hold several, split on commas and spaces outside
    parentheses ("Read,Bash(git diff:*)" is two rules)."""
    rules, word, depth = [], "", 0
    for ch in ",".join(values):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and ch in ", ":
            rules, word = rules + [word] if word else rules, ""
        else:
            word += ch
    return rules + [word] if word else rules


def load_permissions(config, allowed: list[str], disallowed: list[str], trust=None,
                     trust_project: bool = False):
    """The settings files and flags as a permission policy (agent.config.settings, agent.permissions.rules).
    Raises ConfigError (a SettingsError) for a file or a rule that cannot be used."""
    from agent.config.config import ConfigError
    from agent.config.settings import load_settings
    from agent.hooks.from_settings import parse_hooks
    from agent.permissions.policy import Policy
    from agent.permissions.rules import parse

    settings = load_settings(config.cwd, Path.home(), split_rules(allowed), split_rules(disallowed),
                             trust=trust, trust_project=trust_project)
    try:
        parse_hooks(settings.hooks)  # a broken hook stops the start, as a broken rule does
    except ValueError as err:
        raise ConfigError(str(err)) from None
    rules = []
    for entry in settings.rules:
        try:
            rules.append(parse(entry.kind, entry.rule, entry.source, entry.base))
        except ValueError as err:
            raise ConfigError(f"{entry.source}: {err}") from None
    mode = config.permission_mode
    if "permission_mode" not in config.sources and settings.default_mode:
        mode = settings.default_mode
    if mode == "bypassPermissions" and settings.bypass_disabled:
        raise ConfigError("bypassPermissions mode is disabled by "
                          "permissions.disableBypassPermissionsMode in the settings")
    policy = Policy(mode, config.cwd, rules, list(settings.additional_directories),
                    project=settings.project)
    return policy, settings


def build_session(config, emit, ask, session_id: str | None = None, permissions=None,
                  plugins=None, approve_mcp=None) -> Session:
    """The model client and its layers, the tools, the system prompt, the permission gate,
    the hooks, the compaction ladder, the transcript, the checkpoints and the todo list,
    wired together into a Session. Every message goes to the session transcript as it is
    added (~/.agent/projects/<project>/<session_id>.jsonl, agent/session/transcript.py),
    whose path hooks get; large tool results and prompts, transcripts saved before a summary
    and the checkpoints go to ~/.agent/sessions/<session_id>/. `ask` is None in print mode.
    `permissions`: (policy, settings) from load_permissions. `plugins`: agent.session.plugins
    Plugin objects, registered once the parts exist (None: those of config and settings);
    their names are then selected (Session.select). `approve_mcp(spec) -> bool`: the question
    about a project's MCP server not yet approved (None: it is left out, and said). Raises
    ConfigError for a plugin or a name that cannot be used."""
    from agent.compact.ladder import STRATEGIES, Ladder, ResultBudget
    from agent.compact.prompt_budget import PromptBudget
    from agent.compact.window import Window
    from agent.config.config import ConfigError
    from agent.config.paths import project_folder, session_folder, user_file
    from agent.config.settings import remember_rule, scrub_env
    from agent.context.memory_files import SubfolderMemory
    from agent.context.memory_notes import memory_path
    from agent.context.skills import find_skills, skill_tool
    from agent.context.system_prompt import ROLE, ChangingFacts, memory_files, system_prompt
    from agent.hooks.from_settings import parse_hooks
    from agent.hooks.runner import Hooks
    from agent.hooks.wiring import HookedGate, SessionHooks
    from agent.loop.repeat_guard import RepeatGuard
    from agent.loop.seams import AFTER_HOOKS, ATTACH, FACTS, JUDGE, READY, RESHAPE, RESTATE, TIDY
    from agent.loop.turn import Agent
    from agent.model.meter import Meter, load_prices
    from agent.model.tokens import TokenCounter
    from agent.permissions.gate import Gate
    from agent.permissions.plan_mode import exit_plan_mode
    from agent.permissions.rules import parse
    from agent.permissions.sandbox import Sandbox
    from agent.session.checkpoints import Checkpoints
    from agent.config.server_window import llamacpp_body
    from agent.session.lean import ROLE as LEAN_ROLE
    from agent.session.lean import ReadFirst
    from agent.session.plugins import load_all
    from agent.session.call_notes import CallNotes
    from agent.session.running import note_running
    from agent.session.subagents import find_types
    from agent.session.tool_set import asked_for, offered, page_answerer, start_mcp
    from agent.session.transcript import Transcript
    from agent.tools import ToolContext, default_tools, tether
    from agent.tools.todo import Todos, todo_write
    from agent.tools.web import web_fetch
    from agent.tools.web_search import web_search

    home = Path.home()
    policy, settings = permissions or load_permissions(config, [], [])
    lean = choose_profile(config)
    window = Window.of(config.context_window, config.max_tokens)
    body = {"max_tokens": window.reply_reserve}
    if config.temperature is not None:
        body["temperature"] = config.temperature
    session_id = session_id or str(uuid.uuid4())
    body |= llamacpp_body(config, home, session_id)  # its prompt cache, one slot per session
    if settings.timeout and "timeout" not in config.sources:
        config.timeout, config.sources["timeout"] = settings.timeout, "settings"
    counter = TokenCounter()  # one for the tripwire and the ladder: each message counted once
    client, model = model_stack(config, config.model, body, counter, lean)
    meter = Meter(model, load_prices(user_file(home, "prices.json")))
    private_folders(home)
    folder = session_folder(home, session_id)
    policy.directories.append(folder)  # oversized results are saved there, to be Read back
    own_memory = memory_path(config.cwd, home)  # the model's MEMORY.md, its to edit
    policy.rules += [parse("allow", f"{tool}(/{own_memory})", "the model's own MEMORY.md",
                           config.cwd) for tool in ("Read", "Edit")]

    def remember(rule: str) -> None:  # an untrusted project's file would not be read: session only
        if settings.trusted:
            remember_rule(settings.project, home, rule)
    env = scrub_env(os.environ, settings)
    if config.api_key != "not-needed":  # the harness's own key, under whatever name it came
        env = {k: v for k, v in env.items() if v != config.api_key}
    confine = None if settings.trust_given else settings.project  # memory stays in the project
    files = memory_files(config.cwd, confine=confine)
    memory = SubfolderMemory(config.cwd, home, files, confine)
    sandbox = Sandbox(policy, settings.sandbox, tmp=folder / "tmp", forced=config.sandbox,
                      extra_writable=tuple(settings.additional_directories))
    if sandbox.wanted and not sandbox.active and settings.sandbox.fail_if_unavailable:
        raise ConfigError(f"{sandbox.describe()} sandbox.failIfUnavailable is set: not starting")
    policy.sandbox = sandbox
    ctx = ToolContext(cwd=config.cwd, env=env, listing=config.listing, confine=sandbox.confine,
                      readable=lambda path: not policy.read_denied(path))
    transcript = Transcript(project_folder(config.cwd, home), session_id)
    hooks = SessionHooks(Hooks(parse_hooks(settings.hooks), config.cwd, settings.project, env=env,
                               session_id=lambda: transcript.session_id,
                               permission_mode=lambda: policy.mode,
                               transcript_path=lambda: transcript.hook_path(agent.messages)),
                         emit)
    gate = Gate(policy, hooks.notifying(ask) if ask else None, remember)

    def ladder_emit(event: object) -> None:  # a compaction starts the session anew, for hooks
        emit(event)
        if type(event).__name__ == "Compacted":
            transcript.sync(agent.messages)  # on disk now, not with the next message
            hooks.session_start("compact")
    ladder = Ladder(window, model=meter, save_dir=folder, emit=ladder_emit, memory=memory.text,
                    counter=counter)
    ladder.pre_compact.append(hooks.pre_compact)
    todos = Todos(lambda: agent.messages, emit)
    checkpoints = Checkpoints(folder / "checkpoints", config.cwd)  # Write and Edit save first
    ctx.before_write = checkpoints.before_write  # Write and Edit save the file first
    ctx.command_started = lambda pgid, command: note_running(transcript, pgid, command)
    tether.start()  # now, so that its start-up overlaps the session's, not its first commands
    system = system_prompt(config.cwd, files=files, project_memory=own_memory,
                           role=LEAN_ROLE if lean else ROLE)
    if config.append_system_prompt:  # --append-system-prompt
        system += f"\n\n{config.append_system_prompt}"
    tools = default_tools() + [exit_plan_mode(gate), todo_write(todos),
                               web_fetch(answer=page_answerer(meter, window))]
    tools += [web_search(config.search_url)] if config.search_url else []  # AGENT_SEARCH_URL
    skills = find_skills(settings.project, home, settings.trusted, settings.project)
    tools += [skill_tool(skills, policy)] if skills.found else []  # none: no Skill tool at all
    subagents = find_types(settings.project, home, settings.trusted)  # agent/session/subagents.py
    tools.append(subagents.tool())
    tools = offered(tools, config, lean, policy.mode == "plan")
    if any(tool.name == "Skill" for tool in tools):  # their files, Read without a question
        policy.rules += skills.read_rules()
    mcp = start_mcp(config, settings, home, env, approve_mcp)  # agent/mcp/: tools from servers
    tools += mcp.tools(lambda name: asked_for(name, config) if lean else True,
                       {tool.name for tool in tools})
    agent = Agent(meter, tools, system, ctx,
                  authorize=HookedGate(gate, hooks),
                  emit=emit, max_turns=config.max_turns, compactor=ladder)
    prompts = PromptBudget(ladder, folder / "prompts",
                           lambda: ladder.count(agent.messages[:1], agent.schemas), emit)
    agent.on_prompt.add(prompts, at=FACTS)  # first: a prompt refused there runs nothing else
    agent.on_prompt.add(ChangingFacts(config.cwd), at=FACTS)
    agent.on_prompt.add(hooks.on_prompt)
    agent.on_prompt.add(todos.note, at=AFTER_HOOKS)
    agent.on_prompt.add(checkpoints, at=AFTER_HOOKS)
    agent.on_prompt.add(sandbox.warm, at=READY)  # starts while the model thinks
    agent.on_prompt.add(lambda prompt: [agent.add_tool(t) for t in mcp.refresh(agent.tools)]
                        and None, at=FACTS)  # a server's new tools, after the others
    agent.on_stop.add(sandbox.rest, at=TIDY)  # its placeholders gone before Stop hooks look
    agent.on_stop.add(hooks.on_stop)
    if lean:
        agent.on_stop.add(ReadFirst(config.cwd, lambda: agent.messages))
    agent.on_message.add(transcript)
    agent.on_message.add(CallNotes(transcript, meter))  # each reply's figures, for agent trace
    repeats = 3 if config.max_repeats is None else config.max_repeats
    agent.after_tool.add(ResultBudget(window.result_budget, folder / "tool-results"), at=RESHAPE)
    agent.after_tool.add(memory, at=ATTACH)
    agent.after_tool.add(hooks.after_tool)
    agent.after_tool.add(RepeatGuard(lambda: agent.messages, repeats), at=JUDGE)
    agent.after_tool.add(todos, at=RESTATE)
    agent.on_history_replaced.add(lambda messages: ctx.read_files.clear())  # Read before Edit again
    agent.on_history_replaced.add(todos.restore)  # the list that history left
    agent.on_history_replaced.add(lambda messages: memory.forget())  # their text went with it
    session = Session(config, settings, agent, meter, client, policy, gate, hooks, ladder,
                      transcript, checkpoints, todos, memory, folder, sandbox, prompts,
                      strategies=dict(STRATEGIES), skills=skills, subagents=subagents,
                      mcp=mcp)
    subagents.session = session  # a subagent is built from the session's parts when it starts
    for key in ("compaction", "model_layers"):  # the settings' choice, unless a flag made one
        chosen = getattr(settings, key)
        if chosen is not None and key not in config.sources:
            setattr(config, key, ",".join(chosen))
    for plugin in load_all(config.plugins, config.cwd, settings) if plugins is None else plugins:
        plugin.register(session)
    try:
        session.select()
    except ValueError as err:
        raise ConfigError(str(err)) from None
    return session


def model_stack(config, name: str, body: dict, counter, lean: bool):
    """The client for model `name` and the layers around it, up to the tool-call repair:
    (the client, the whole stack). The tripwire goes inside the repair, so that it sees what
    is sent; the caller puts the Meter outermost. Subagents get theirs here too. A name
    `scripted:FILE` plays the replies of a JSON file (agent/model/script_file.py), no server."""
    from agent.config.profiles import load_profiles, profiles_file
    from agent.model.client import OpenAICompatible
    from agent.model.tokens import TruncationTripwire
    from agent.model.tool_repair import ToolCallRepair

    if name.startswith("scripted:"):  # a script of replies from a file: no server at all
        from agent.config.config import ConfigError
        from agent.model.script_file import load_script
        try:
            client = load_script(str(config.cwd / name.partition(":")[2]))
        except ValueError as err:
            raise ConfigError(str(err)) from None
        client.extra_body = {}
        return client, ToolCallRepair(with_caches(client, config), "native")
    client = OpenAICompatible(base_url=config.base_url, api_key=config.api_key,
                              model=name, stream=config.stream, timeout=config.timeout,
                              fallback_model=config.fallback_model, extra_body=body)
    preset = load_profiles(profiles_file()).preset(config.provider) if config.provider else None
    model = TruncationTripwire(with_caches(client, config), count_fn=counter.messages, preset=preset)
    return client, ToolCallRepair(model, config.tool_mode or "auto", example=lean)


def with_caches(model, config):
    """The response caches the config asks for, around the client (agent/model/response_cache.py): the
    recording to replay or to write, then the persistent caches in ~/.agent/cache/."""
    from agent.config.paths import cache_folder
    from agent.model.response_cache import ExactCache, SemanticCache, endpoint_embedder

    folder = cache_folder(Path.home())
    layers = [name for name in config.cache.split(",") if name]
    if "semantic" in layers:
        embed = endpoint_embedder(config.base_url, config.api_key,
                                  config.embedding_model or config.model)
        model = SemanticCache(model, folder / "semantic.jsonl", embed)
    if "exact" in layers:
        model = ExactCache(model, folder / "responses.jsonl")
    if config.record:
        model = ExactCache(model, config.record, cwd=config.cwd)
    if config.replay:
        model = ExactCache(model, config.replay, replay=True, cwd=config.cwd)
    return model


def choose_profile(config) -> bool:
    """Whether this session is lean (agent/session/lean.py): --profile or AGENT_PROFILE, else
    a small model or a window of 8k or less that something other than the default gave.
    Says why in config.sources["profile"]."""
    from agent.session.lean import REPLY_TOKENS, choose

    if config.profile is None:
        why = choose(config.model, config.context_window, "context_window" in config.sources)
        config.profile = "lean" if why else "default"
        if why:
            config.sources["profile"] = why
    if config.profile == "lean" and config.max_tokens is None:  # a small model rambles
        config.max_tokens, config.sources["max_tokens"] = REPLY_TOKENS, "lean profile"
    return config.profile == "lean"
