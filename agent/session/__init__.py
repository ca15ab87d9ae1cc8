"""The session: every part built from the configuration, named, and what it keeps on disk.

The composition root lives here: the one place that knows all the parts and wires each to
the loop's seams. Everything else gets what it needs passed in.

Read in this order:
    compose.py      load_permissions and build_session: the client and its layers, the
                    tools, the gate, the hooks, compaction, the transcript, checkpoints
    tool_set.py     which tools: the profile's or --tools, MCP servers' tools, WebFetch's
                    question to the model about a long page
    session.py      Session: the parts by name (agent, meter, client, policy, gate, hooks,
                    compaction, transcript, checkpoints, todos, memory) and the plugin API
    lean.py         the lean profile for small models: five tools, one line each, a short
                    prompt, a worked example in text mode, shorter replies, "read it first"
    plugins.py      plugins: a file or module with register(session), loaded and checked
    subagents.py    the Task tool: subagent types (built in and from files), runs, /agents
    subagent_parts.py  one subagent's Agent, built from the parent's parts
    transcript.py   every message on disk as it happens; load, repair
    records.py      what a transcript line must hold to be used; why a line is skipped
    lock.py         one writer per session: a lock file held with flock, let go at death
    resume.py       the sessions of a folder: list, find, the /resume menu, resume_into
    running.py      each Bash command's process group on record; on resume: still running?
    call_notes.py   each model call's figures written after its reply, for `agent trace`
    checkpoints.py  each file before each prompt's Write or Edit; /rewind

Data paths under ~/.agent are named in agent/config/paths.py. Chapters: docs/08-sessions.md,
docs/17-checkpoints.md, docs/18-plugins.md, docs/20-subagents.md.
Claude Code counterpart: the session behind one `claude` run, ~/.claude/projects, plugins.
"""
