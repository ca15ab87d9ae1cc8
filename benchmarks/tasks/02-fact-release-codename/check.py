"""Solved when the answer gives the codename of release 2.4.0."""
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
c.need_answer(answer, "tinselmoth", "the codename of 2.4.0")
c.passed("solved: the codename of 2.4.0 is in the answer")
