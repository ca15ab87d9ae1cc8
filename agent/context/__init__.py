"""agent.context."""
