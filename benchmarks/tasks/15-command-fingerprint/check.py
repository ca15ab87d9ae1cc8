"""Solved when the answer gives the fingerprint that the pristine fingerprint.py prints."""
import re
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
found = re.search(r"fingerprint: ([0-9a-f]{12})", c.output_of(task, "fingerprint.py"))
if not found:
    c.fail("the pristine fingerprint.py printed no fingerprint")
c.need_answer(answer, found.group(1), "the fingerprint that fingerprint.py prints")
c.passed("solved: the fingerprint is in the answer")
