"""`python -m agent` is the same program as the `agent` command."""

from agent.app.cli import main

raise SystemExit(main())
