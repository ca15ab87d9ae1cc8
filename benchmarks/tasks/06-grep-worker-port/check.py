"""Solved when the answer gives the queue worker's port (not the web front end's)."""
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
c.need_answer(answer, "6843", "the queue worker's port")
c.passed("solved: port 6843")
