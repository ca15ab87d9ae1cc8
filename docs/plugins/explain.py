"""A plugin with two slash commands: one shows what the session holds, one asks the model.

    agent --plugin docs/plugins/explain.py          then, in the REPL:
    > /explain agent/loop/turn.py                   a prompt, sent to the model as if typed
    > /prompts                                      this session's prompts, numbered; nothing sent

A command gets the session and the text typed after its name. `/prompts` returns the text
to show; `/explain` is registered with `prompt=True`, so what it returns is sent to the
model. Raising `agent.Block` refuses, with the reason shown as it is (docs/18-plugins.md).
"""

from agent import Block


def explain(session, arguments: str) -> str:
    if not arguments:
        raise Block("usage: /explain FILE")
    return (f"Explain {arguments} to someone new to this project: what it is for, its main "
            "parts, and which file to read next. Read it first.")


def prompts(session, arguments: str) -> str:
    asked = [m["content"] for m in session.messages
             if m["role"] == "user" and isinstance(m.get("content"), str)]
    if not asked:
        return "No prompts yet in this session."
    return "\n".join(f"{n}. {text.splitlines()[0][:80]}" for n, text in enumerate(asked, 1))


def register(session) -> None:
    session.add_command("explain", explain, "ask the model to explain a file", "FILE",
                        prompt=True)
    session.add_command("prompts", prompts, "this session's prompts so far")
