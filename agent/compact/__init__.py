"""Compaction: a long session kept inside a small context window, the cheapest step first.

Read in this order:
    window.py            the window as a budget: limit, target, reply reserve; /context
    ladder.py            the Ladder (the loop's compactor): the result budget, masking old
                         results, the summary, the retry after an overflow; STRATEGIES by name
    summary.py           the summary prompt, and the listing kept when there is no summary
    prompt_budget.py     a prompt too large for the window: saved to a file the model reads,
                         or refused before anything is sent
    prefix_stability.py  whether each request repeats the one before (the server's KV cache)

Token counts come from agent/model/tokens.py. Seams: the loop's compactor; strategies by
name (--compaction, and plugins' `session.add_strategy`); PreCompact hooks on
`Ladder.pre_compact`. Chapter: docs/15-compaction.md; measured by benchmarks/compaction.py.
Claude Code counterpart: tool-result limits, microcompact, autocompact, /compact.
"""
