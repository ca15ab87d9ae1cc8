"""agent.app."""
