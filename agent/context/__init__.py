"""Context: what the model is told before it starts, and the memory it keeps between sessions.

The system prompt is built once per session and never changes (the server's prompt cache
depends on it); facts that change go at the end of the history instead.

Read in this order:
    system_prompt.py  the role, the rules, the environment, the memory files; ChangingFacts
                      (today's date, a git status that moved) on the on_prompt seam
    memory_files.py   AGENT.md / AGENTS.md / CLAUDE.md from ~/.agent and the repository root
                      down to cwd, .local.md, @imports; subfolders on first touch (after_tool)
    memory_notes.py   `#` notes appended to a memory file; the model's own MEMORY.md
    skills.py         SKILL.md folders: names and descriptions in the Skill tool, a body
                      when the model loads it, the files beside it Read by path

Seams: on_prompt (facts, new notes) and after_tool (subfolder memory), wired by
agent/session/compose.py; skills are a tool. Chapters: docs/04-context.md, docs/19-skills.md.
Claude Code counterpart: the system prompt, CLAUDE.md memory, the # shortcut, Agent Skills.
"""
