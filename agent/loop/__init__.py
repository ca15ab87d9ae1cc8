"""The loop: ask the model, run the tools it calls, append the results, repeat.

The thesis of the harness, and the part a learner reads first. It knows a model (anything
with `complete`), tools (data: agent/tools) and events (agent/events.py), and nothing else:
permissions, hooks, compaction, transcripts, todos attach at its seams from outside.

Read in this order:
    turn.py          Agent: the history, run(prompt), one result per tool call under every
                     failure (bad JSON, unknown tool, refusal, a tool that raises, Ctrl-C)
    side_by_side.py  calls that only read, next to each other in a reply, run at once; the
                     results still appended in the order of the calls
    seams.py         where the rest attaches: on_prompt, after_tool, on_stop, on_message,
                     on_history_replaced (each a Seam with positions: the ordering rules),
                     authorize (returns a Verdict), the Compactor protocol, StopTurn
    repeat_guard.py  the doom-loop guard, a function on after_tool: the same call with the
                     same result three times ends the turn

Seams: this package defines them. Try it: docs/01-loop.md (a scripted model, no server).
Claude Code counterpart: the query loop behind each prompt.
"""

from agent.loop.seams import Seam, StopTurn, Verdict
from agent.loop.turn import Agent

__all__ = ["Agent", "Seam", "StopTurn", "Verdict"]
