"""agent: a small coding agent harness for any OpenAI-compatible endpoint. The map of the house.

    you ─► app/ (cli, repl, print mode) ─► session/ builds a Session from config/
                                                 │
    ┌──────────────────── the core: runs alone with the scripted model ───────────────┐
    │ loop/  Agent.run: ask the model, run the tools, one result per call, repeat      │
    │ model/ the model protocol, the OpenAI-compatible client, the scripted model      │
    │ tools/ Read Write Edit Bash Glob Grep TodoWrite, the process runner              │
    │ events.py  what the loop and the model report                                    │
    └──────────────────────────────────────────────────────────────────────────────────┘
        attached at the loop's seams (loop/seams.py) by session/compose.py:
        permissions/ (authorize)   hooks/ (every seam)   compact/ (the compactor)
        context/ (the system prompt, on_prompt, after_tool)   session/ (on_message)

The parts, in the order a learner reads them (docs/reading-order.md lists the files):

    loop/         the turn and its seams; the doom-loop guard
    model/        what a model is, the client, streaming, tool-call repair, meter, caches
    tools/        the tools, and the shared process runner and output capping
    events.py     the events
    context/      the system prompt, memory files, notes
    compact/      the window budget, the compaction ladder, prefix stability
    permissions/  rules, modes, paths, shell parsing, the hard floor, the gate
    hooks/        Claude Code's hook protocol, and its wiring onto the seams
    session/      the composition root (a Session), transcripts, checkpoints, plugins
    config/       flags, environment, settings files, data paths, profiles
    mcp/          MCP servers: the protocol by hand, stdio and HTTP, their tools as Tools
    app/          the face: CLI, REPL, print mode, rendering, slash and custom commands,
                  demo, doctor. Nothing imports it.

Each subpackage's __init__ opens with its own map. The import direction is checked by
tests/test_layout.py: the core imports nothing outside itself, nothing imports app/, and no
two parts import each other.

Nothing happens at import time: no client is built, no environment is read. The names that
plugins, scripts and coursework use are importable from here (PUBLIC below), each loaded on
first use: `from agent import Tool, Session`.
"""

__version__ = "0.1.0"

# The public names, for plugins, scripts and coursework: `from agent import Tool, Session`.
# Each is imported when first used (PEP 562), so `import agent` stays free.
PUBLIC = {
    "Tool": "agent.tools.tool", "ToolContext": "agent.tools.tool", "ToolError": "agent.tools.tool",
    "Agent": "agent.loop.turn", "StopTurn": "agent.loop.seams", "Verdict": "agent.loop.seams",
    "Model": "agent.model.types", "Reply": "agent.model.types", "ToolCall": "agent.model.types",
    "Usage": "agent.model.types", "Wrapper": "agent.model.types",
    "ScriptedModel": "agent.model.scripted", "call": "agent.model.scripted",
    "Job": "agent.compact.ladder", "Block": "agent.hooks.runner", "Decision": "agent.permissions.policy",
    "Session": "agent.session.session", "build_session": "agent.session.compose",
    "Registry": "agent.session.plugins", "AgentType": "agent.session.subagents",
}
__all__ = [*PUBLIC, "__version__"]


def __getattr__(name: str):
    if name not in PUBLIC:
        raise AttributeError(f"module 'agent' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(PUBLIC[name]), name)


def __dir__() -> list[str]:
    return sorted(__all__)
