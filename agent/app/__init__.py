"""The face: the command line, the REPL, what is shown, and the commands a person types.

Only this package prints, reads the terminal or parses flags; nothing else imports it.

Read in this order:
    cli.py              what to run: the subcommands (demo, doctor, sessions, trace, ...), -p, the REPL
    flags.py            the flags, and the checks on their values
    print_mode.py       -p: one prompt, the answer or one json document
    output.py           -p's json and stream-json in Claude Code's shapes; refusals kept
    stream_input.py     --input-format stream-json: a conversation on stdin
    repl.py             the interactive loop: prompts, slash commands, # notes, questions
    signals.py          SIGTERM, SIGHUP, Ctrl-C: every command ended, one line, exit 128 + N
    render.py           events shown on a terminal, or as stream-json lines
    markdown.py         the answer's Markdown on a terminal, line by line as it streams
    slash.py            /help, /clear, /compact, /context, /model, /rewind, ... as a registry
    custom_commands.py  .agent/commands/*.md: prompts with arguments and !`cmd`
    plugin_commands.py  the commands plugins add: text to show, or a prompt to send
    demo.py             `agent demo`: a scripted model fixes a bug, no server
    doctor.py           `agent doctor`: probe an endpoint, print the fixes
    doctor_probes.py    the doctor's four chat probes
    mcp_command.py      `agent mcp list|get|add|remove|approve` (agent/mcp/)
    trace.py            `agent trace`: a session's transcript read back as a timeline
    trace_page.py       that timeline as one HTML page: no script, no network

Chapters: docs/09-cli.md, docs/10-commands.md, docs/14-local-models.md (doctor), docs/11-trace.md.
Claude Code counterpart: the `claude` command, its REPL and slash commands.
"""
