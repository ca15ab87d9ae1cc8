"""Reference solution of exercises/10_reviewer: a subagent type that reviews code, read-only."""

from agent import AgentType

REVIEWER = AgentType(
    name="reviewer",
    description="Reviews code for bugs and unclear names; reads only, changes nothing.",
    prompt=("You review code for a coding agent. Read the files you are asked about, and "
            "answer with a list of problems: file, line, what is wrong, how to fix it. "
            "You can only Read, Grep and Glob; you change nothing."),
    tools=("Read", "Grep", "Glob"),
    source="exercises/10_reviewer",
)


def register(session) -> None:
    session.add_agent_type(REVIEWER)
