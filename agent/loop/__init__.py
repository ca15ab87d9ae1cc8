"""agent.loop.turn."""
