"""Solved when the answer gives the staging handshake token (not the production one)."""
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
c.need_answer(answer, "quokka-fennel-42", "the staging handshake_token")
c.passed("solved: the staging token is in the answer")
