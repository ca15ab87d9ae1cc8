"""Permissions: which tool call runs, which asks, which is refused, and why.

Claude Code's rules, modes and settings: `Bash(git diff:*)`, `Read(./.env)`, default,
acceptEdits, plan, bypassPermissions. Every call gets one decision; paths are resolved
before they are judged; what cannot be judged asks (fail closed).

Read in this order:
    rules.py        the rule syntax and matching (commands, gitignore-style paths, domains)
    policy.py       Policy.decide: one decision per call, from rules, modes and paths; a
                    tool's paths are judged by Read or Edit rules, whoever wrote the tool
    shell_parse.py  a shell command cut into pieces, its risks, the read-only commands
    hard_floor.py   commands refused in every mode (rm -rf ~, curl | sh, mkfs, ...)
    gate.py         the decision carried out: run, refuse, or ask (and remember "always")
    explain.py      `agent permissions explain` and /permissions: the same decision, shown
    plan_mode.py    ExitPlanMode: the plan shown, approved, and the mode changed

Seams: the gate is the loop's `authorize` (behind PreToolUse hooks, agent/hooks/wiring.py).
Not covered: an OS sandbox (a command that is allowed can do what the user can).
Chapter: docs/05-permissions.md.
Claude Code counterpart: permission modes and rules, --allowedTools, the permission prompt.
"""
