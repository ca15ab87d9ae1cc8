"""agent.model."""
