"""agent.hooks."""
