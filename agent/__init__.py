"""agent: a small coding agent harness for any OpenAI-compatible endpoint.

Nothing happens at import time: no client is built, no environment is read. The CLI
(`agent.app.cli`) builds everything and passes it in, so tests and coursework can build the same
pieces by hand.
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
    "Job": "agent.compact.ladder", "Block": "agent.hooks.runner",
    "Session": "agent.session.session", "build_session": "agent.session.compose",
    "Registry": "agent.session.plugins",
}
__all__ = [*PUBLIC, "__version__"]


def __getattr__(name: str):
    if name not in PUBLIC:
        raise AttributeError(f"module 'agent' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(PUBLIC[name]), name)


def __dir__() -> list[str]:
    return sorted(__all__)
