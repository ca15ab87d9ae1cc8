"""Hooks: the user's own commands (or Python functions), run at fixed points of a session.

Claude Code's protocol, unchanged: the same `hooks` key in the same settings files, the same
events, JSON on stdin, exit code 2 to block, the same JSON answers. A script written for
`claude` runs here as it is.

Read in this order:
    runner.py         Hooks.run: the matching hooks at once, each in its own process group,
                      timeouts, output capped, their answers combined into one Outcome
    from_settings.py  the settings' `hooks` objects read and checked
    wiring.py         each event on its seam: UserPromptSubmit on on_prompt, PreToolUse in
                      front of the gate, PostToolUse on after_tool, Stop on on_stop, ...

Seams: this package uses the loop's (agent/loop/seams.py); plugins add Python hooks with
`session.add_hook`. Chapter: docs/07-hooks.md, with example hooks that the tests run.
Claude Code counterpart: hooks, /hooks.
"""
