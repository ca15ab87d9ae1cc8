"""Subagents: the Task tool hands a task to a fresh conversation and gets its answer back.

    parent:  Task(description="find the settings loader", prompt="...", subagent_type="Explore")
               │
               ▼ a new Agent (agent/loop/turn.py), built here from the parent's parts:
                   history    its type's system prompt and the task prompt, nothing of the parent's
                   tools      its type's list, never Task (no nesting)
                   rules      the parent's authorize: the same mode, rules, PreToolUse hooks
                   window     its own compaction ladder; PostToolUse hooks and guards as the parent's
                   transcript <project>/<session>/subagents/agent-<id>.jsonl, linked from the parent's
                   model      its type's `model`, else --subagent-model, else the parent's
               │ SubagentStop hooks when it would stop (a block sends it back)
               ▼
    parent's one tool result: its final answer (capped), the calls refused inside it

Types: two built in with Claude Code's names, `general-purpose` (every tool but Task) and
`Explore` (Read, Glob, Grep: it only reads, so several run side by side,
agent/loop/side_by_side.py), and Markdown files (agent/config/definitions.py) whose body is
the system prompt and whose frontmatter gives `tools` and `model`. Tokens and cost are
counted per subagent (`runs`, /agents, the json's `subagents`) and in the parent's totals.
Ctrl-C ends a subagent at its next step (`ctx.stopping`, or the interrupt itself when it runs
on the loop's thread); its transcript stays valid like any other.
Simplified: a subagent's model talks to the parent's endpoint; its result is its last answer
only. Not covered: subagents running in the background, resuming one, nesting.
Claude Code counterpart: the Task (Agent) tool, .claude/agents/*.md, /agents.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agent.config.definitions import NAME, Definition, names
from agent.model.types import Usage
from agent.tools import Tool, ToolContext, ToolError
from agent.tools.capping import cap

if TYPE_CHECKING:
    from agent.loop.turn import Agent
    from agent.session.session import Session
    from agent.session.transcript import Transcript

RESULT_CHARS = 20_000
"""The longest answer a subagent hands back (head and tail kept, the cut stated)."""

GENERAL = """\
You are a subagent of a coding agent: you get one task, do it with your tools, and answer.
Work in the user's folder. Read before you change anything; run the tests after a change.
Your last message is all the other agent sees: say what you found or did, with file paths \
and line numbers, in a few short paragraphs. Do not ask questions: decide, and say what you \
assumed."""

EXPLORE = """\
You are a read-only explorer for a coding agent: you search and read the user's code to \
answer one question. You can only Read, Glob and Grep; you change nothing.
Search broadly first (Glob, Grep), then read what matters. Your last message is all the \
other agent sees: answer the question directly, with file paths and line numbers."""


@dataclass(frozen=True)
class AgentType:
    """A kind of subagent: what it is for, its system prompt, its tools and model."""

    name: str
    description: str
    prompt: str
    tools: tuple[str, ...] | None = None
    """The tools it may use, by name; None: every tool of the parent but Task."""
    model: str | None = None
    source: str = "built-in"

    @classmethod
    def of(cls, definition: Definition) -> AgentType:
        model = str(definition.fields.get("model", "")).strip()
        return cls(definition.name, definition.description, definition.body,
                   names(definition.fields.get("tools")) or None,
                   None if model in ("", "inherit") else model, str(definition.path))


BUILT_IN = (
    AgentType("general-purpose", "For a task of several steps that would fill your own "
              "context: searching, reading, changing and testing code.", GENERAL),
    AgentType("Explore", "Read-only and fast: finds files, searches code and answers "
              "questions about the codebase. Several can run at once.", EXPLORE,
              ("Read", "Glob", "Grep")),
)


@dataclass
class Run:
    """One subagent that ran: for /agents, the json result and the parent's totals."""

    agent_id: str
    subagent_type: str
    description: str
    model: str
    stop_reason: str = "running"
    n_turns: int = 0
    usage: Usage = field(default_factory=Usage)
    cost_usd: float | None = 0.0
    seconds: float = 0.0
    refused: int = 0
    transcript: str = ""


class Subagents:
    """The subagent types of a session, the Task tool, and the runs so far."""

    def __init__(self, types: dict[str, AgentType], problems: list[str]):
        self.types, self.problems = types, problems
        self.runs: list[Run] = []
        self.session: Session | None = None  # set by the composition root once it exists
        self._lock = threading.Lock()  # runs side by side add to the parent's totals

    def add(self, kind: AgentType) -> None:
        """One more type, from a plugin (Session.add_agent_type)."""
        if not isinstance(kind, AgentType):
            raise ValueError(f"a subagent type is an AgentType, not {type(kind).__name__}")
        if not NAME.match(kind.name):  # as a definition file's name must be
            raise ValueError(f"subagent type name {kind.name!r}: up to 64 letters, digits and "
                             "'-', '_', '.', ':', starting with a letter or digit")
        if kind.name in self.types:
            raise ValueError(f"there is a subagent type named {kind.name} already "
                             f"({self.types[kind.name].source})")
        self.types[kind.name] = kind

    def tool(self) -> Tool:
        """The Task tool, offering these types by name and description."""
        listing = "\n".join(f"- {t.name}: {t.description}" + (
            f" (tools: {', '.join(t.tools)})" if t.tools else "") for t in self.types.values())
        return Tool(
            name="Task",
            description=(
                "Launch a subagent for a task: it starts with no knowledge of this "
                "conversation, works with its own tools and context, and its final answer "
                "comes back as this tool's result. Use it to search widely or do a separate "
                "piece of work without filling your own context. Write a prompt that says "
                "everything it needs and what to report back. Several Explore tasks in one "
                "reply run at the same time.\nAvailable subagent types:\n" + listing),
            parameters={"type": "object", "required": ["description", "prompt", "subagent_type"],
                        "properties": {
                            "description": {"type": "string",
                                            "description": "The task in 3 to 5 words."},
                            "prompt": {"type": "string",
                                       "description": "The whole task for the subagent."},
                            "subagent_type": {"type": "string",
                                              "description": "Which type of subagent to use."}}},
            run=self.run, read_only=True, alongside=self.only_reads, rule_argument="subagent_type")

    def only_reads(self, args: dict) -> bool:
        """Whether a subagent of this type only reads (so it may run beside others)."""
        kind = self.types.get(str(args.get("subagent_type")))
        if kind is None or kind.tools is None or self.session is None:
            return False
        tools = self.session.agent.tools
        return all(name in tools and tools[name].read_only and tools[name].alongside is True
                   for name in kind.tools)

    def run(self, args: dict, ctx: ToolContext) -> str:
        """The Task tool: run one subagent to its end; its answer, or a ToolError saying how
        it ended. KeyboardInterrupt again once it has stopped, when the user interrupted."""
        kind = self.types.get(str(args["subagent_type"]))
        if kind is None:
            raise ToolError(f"there is no subagent type {args['subagent_type']!r}; "
                            f"the types are: {', '.join(self.types)}")
        child, run, refused, transcript = self.start(kind, str(args["description"]), ctx.stopping)
        started = time.monotonic()
        try:
            end = child.run(str(args["prompt"]))
        finally:
            transcript.close()
        self.finish(child, run, end, time.monotonic() - started, len(refused))
        if end.stop_reason == "interrupted":
            raise KeyboardInterrupt(f"Interrupted: the {kind.name} subagent was stopped.")
        text = cap(end.text or "(no answer)", min(RESULT_CHARS, ctx.max_result_chars))
        if refused:
            text += (f"\n\n{len(refused)} call(s) were refused inside the subagent:\n"
                     + "\n".join(f"- {r}" for r in refused))
        if end.stop_reason != "end_turn":
            raise ToolError(f"the {kind.name} subagent stopped ({end.stop_reason}) after "
                            f"{end.n_turns} model calls. What it said last:\n{text}")
        return text

    def start(self, kind: AgentType, description: str, stopping: threading.Event
              ) -> tuple[Agent, Run, list[str], Transcript]:
        """A new Agent for one subagent of this type, with its run record, the list its
        refused calls go to, and its transcript."""
        from agent.session.subagent_parts import build_child

        session = self.session
        agent_id = uuid.uuid4().hex[:16]
        refused: list[str] = []
        child, model_name, transcript = build_child(session, kind, agent_id, stopping, refused)
        run = Run(agent_id, kind.name, description, model_name, transcript=str(transcript.path))
        with self._lock:
            self.runs.append(run)
        session.transcript.append({"type": "subagent", "agent_id": agent_id,
                                   "subagent_type": kind.name, "description": description,
                                   "transcript": run.transcript, "time": time.time()})
        return child, run, refused, transcript

    def finish(self, child: Agent, run: Run, end, seconds: float, n_refused: int) -> None:
        """The run's figures, and the parent's totals with them."""
        parent = self.session
        records = child.model.records
        costs = [r.cost_usd for r in records]
        with self._lock:
            run.stop_reason, run.n_turns, run.usage = end.stop_reason, end.n_turns, child.usage
            run.cost_usd = None if None in costs else round(sum(costs), 6)
            run.seconds, run.refused = round(seconds, 3), n_refused
            parent.meter.records.extend(records)
            parent.agent.usage += child.usage

    def report(self) -> list[dict]:
        """The runs, for the json result's `subagents`."""
        from dataclasses import asdict
        return [asdict(run) for run in self.runs]

    def listing(self, offered: bool) -> str:
        """/agents: each type (where it comes from, its tools and model), the runs of this
        session with their figures, and the problems with the definition files."""
        lines = ["Subagent types (Task(subagent_type=...)):" if offered else
                 "Subagent types (the Task tool is not offered: --tools or the lean profile):"]
        for t in self.types.values():
            tools = ", ".join(t.tools) if t.tools else "every tool but Task"
            lines += [f"  {t.name:<17} {t.description}",
                      f"  {'':<17} tools: {tools}; model: {t.model or 'the session' + chr(39) + 's'};"
                      f" from {t.source}"]
        if self.runs:
            lines.append("Runs this session:")
        for r in self.runs:
            cost = "unknown cost" if r.cost_usd is None else f"${r.cost_usd:.4f}"
            lines.append(f"  {r.subagent_type}: {r.description} - {r.stop_reason}, "
                         f"{r.n_turns} calls, {r.usage.prompt_tokens} in / "
                         f"{r.usage.completion_tokens} out, {cost}, {r.seconds:.1f}s"
                         + (f", {r.refused} refused" if r.refused else "") + f"\n    {r.transcript}")
        return "\n".join(lines + [f"  problem: {p}" for p in self.problems])


def find_types(project, home, trusted: bool) -> Subagents:
    """The built-in types and those of the definition files (a file hides a built-in of the
    same name), as a Subagents with the files' problems."""
    from agent.config.definitions import find

    found, problems = find("agents", project, home, trusted)
    types = {t.name: t for t in BUILT_IN}
    types |= {name: AgentType.of(d) for name, d in found.items()}
    return Subagents(types, problems)
