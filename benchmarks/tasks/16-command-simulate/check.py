"""Solved when the answer gives the final balance that the pristine simulate.py prints."""
import re
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
found = re.search(r"final balance after \d+ days: (\d+)", c.output_of(task, "simulate.py"))
if not found:
    c.fail("the pristine simulate.py printed no final balance")
c.need_answer(answer, found.group(1), "the final balance that simulate.py prints")
c.passed("solved: the final balance is in the answer")
