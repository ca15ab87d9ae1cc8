"""Reference solution of exercises/12_tool_calls: two slash commands that read the session's
history. /tool-calls shows the count per tool; /recap sends the model a prompt built from it."""

from collections import Counter

from agent import Block


def counts(session) -> tuple[Counter, Counter]:
    """The calls per tool in the whole history, and how many of each were refused."""
    called, refused, names = Counter(), Counter(), {}
    for message in session.messages:
        for tool_call in message.get("tool_calls") or ():
            name = tool_call["function"]["name"]
            called[name] += 1
            names[tool_call["id"]] = name
        content = message.get("content")
        if message["role"] == "tool" and str(content).startswith("Permission denied"):
            refused[names.get(message.get("tool_call_id"), "?")] += 1
    return called, refused


def line(name: str, called: Counter, refused: Counter) -> str:
    return f"{name}: {called[name]}" + (f", {refused[name]} refused" if refused[name] else "")


def ordered(called: Counter) -> list[str]:
    return sorted(called, key=lambda name: (-called[name], name))


def tool_calls(session, arguments: str) -> str:
    called, refused = counts(session)
    if arguments:
        if not called[arguments]:
            return f"No calls of {arguments} yet in this session."
        return line(arguments, called, refused)
    if not called:
        return "No tool calls yet in this session."
    lines = [f"Tool calls in this session: {sum(called.values())}"]
    return "\n".join(lines + [f"  {line(name, called, refused)}" for name in ordered(called)])


def recap(session, arguments: str) -> str:
    called, refused = counts(session)
    if not called:
        raise Block("Nothing to recap: no tool calls yet.")
    so_far = "; ".join(line(name, called, refused) for name in ordered(called))
    return ("Recap what you did in this session in three short bullet points. "
            f"The tool calls so far: {so_far}.")


def register(session) -> None:
    session.add_command("tool-calls", tool_calls, "how many calls each tool made this session",
                        "[tool]")
    session.add_command("recap", recap, "ask the model to recap the session", prompt=True)
