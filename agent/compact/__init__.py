"""agent.compact."""
