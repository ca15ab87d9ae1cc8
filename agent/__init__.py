"""agent: a small coding agent harness for any OpenAI-compatible endpoint.

Nothing happens at import time: no client is built, no environment is read. The CLI
(`agent.app.cli`) builds everything and passes it in, so tests and coursework can build the same
pieces by hand.
"""

__version__ = "0.1.0"
