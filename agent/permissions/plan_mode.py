"""ExitPlanMode: in plan mode the model reads and plans; this tool shows the plan and asks.

    plan mode ─► Read, Grep, ... ─► ExitPlanMode(plan) ─► the user approves ─► default mode
                                                         └─ refuses (+ a note) ─► stays in plan

The tool is in every session's tool list (a list that changes breaks the prompt prefix),
and outside plan mode it only says so. It needs the session's permission gate, so it is
built by `exit_plan_mode(gate)`. Answering "always" approves into acceptEdits mode. In print
mode nobody can approve: the model is told to give the plan as its answer.
Claude Code counterpart: the ExitPlanMode tool.
"""

from __future__ import annotations

from agent.tools import Tool, ToolContext, ToolError

DESCRIPTION = """\
Use in plan mode, when your plan is ready: show it to the user and ask to start the work. \
The plan is markdown: the steps, the files you will change, and how you will check the \
result. Do not use it for questions, or outside plan mode."""


def exit_plan_mode(gate) -> Tool:
    """The tool, bound to the session's `agent.permissions.gate.Gate`."""

    def run(args: dict, ctx: ToolContext) -> str:
        from agent.permissions.policy import Decision

        policy = gate.policy
        if policy.mode != "plan":
            return f"Not in plan mode (the mode is {policy.mode}): go ahead with the work."
        if gate.ask is None:
            raise ToolError("nobody can approve a plan in print mode: end your turn and give "
                            "the plan as your answer.")
        answer = gate.ask(tool, args, Decision("ask", "approve the plan to start"))
        if not answer.allow:
            note = f" The user says: {answer.feedback}" if answer.feedback else ""
            return f"The user did not approve the plan. Stay in plan mode and revise it.{note}"
        policy.mode = "acceptEdits" if answer.remember else "default"
        return f"The user approved the plan; the permission mode is now {policy.mode}. Carry it out."

    tool = Tool("ExitPlanMode", DESCRIPTION, {
        "type": "object", "properties": {"plan": {"type": "string", "description": "the plan, in markdown"}},
        "required": ["plan"]}, run, read_only=True)
    return tool
