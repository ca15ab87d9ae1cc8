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
    plugin_modes.py a plugin's mode: default's decision, made stricter or its plain
                    question allowed; a mode that fails denies
    sandbox.py      commands confined by the kernel (bubblewrap): writes only in the
                    workspace, protected files read-only, no network, no view of the harness
    kept_sandbox.py one sandbox kept for a turn's commands, each started by a request
    sandbox_spawner.py  the program inside it that starts them (its PID 1)
    landlock.py     the second choice without bubblewrap: writes and TCP held by Landlock
    seatbelt.py     the same walls as a macOS Seatbelt profile (generated, not run)

Seams: the gate is the loop's `authorize` (behind PreToolUse hooks, agent/hooks/wiring.py).
Without bubblewrap, Landlock holds writes and TCP; without both, commands run
unsandboxed; the harness says which at start.
Chapters: docs/05-permissions.md, docs/06-sandbox.md.
Claude Code counterpart: permission modes and rules, --allowedTools, the permission prompt.
"""
