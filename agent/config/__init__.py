"""Configuration: one Config from flags, environment and files, and the settings files.

Read in this order:
    config.py       Config and load_config: defaults < .env < environment < flags; the
                    model's profile and the doctor's card fill what is left open
    paths.py        every place under ~/.agent, named once
    settings.py     the settings files, merged, and project trust (what a cloned repository
                    may add only once trusted)
    profiles.py     server presets and model-family profiles, kept as data (profiles.json)
    sandbox_settings.py  the `sandbox` settings, checked and merged (stricter from any file)
    project_gates.py  what a project brings besides its settings that needs trust (.env,
                    commands' allowed-tools)
    doctor_card.py  what `agent doctor` found about an endpoint, kept for the next sessions
    server_window.py  the window the server really gives the model, asked once at start
                    (llama.cpp, Ollama, vLLM, LM Studio) and kept on the doctor's card
    frontmatter.py  the YAML subset of markdown files' frontmatter (custom commands)
    definitions.py  subagent and skill files, found where Claude Code looks

Nothing here reads the environment by itself: the CLI passes it in. Chapters:
docs/09-cli.md, docs/05-permissions.md (settings and trust), docs/14-local-models.md.
Claude Code counterpart: settings.json files and its environment variables.
"""
