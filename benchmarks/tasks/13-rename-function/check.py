"""Solved when no Python file names calc_total any more and the pristine tests, which use
compute_order_total, pass."""
import re
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
for rel, text in c.python_files(work).items():
    if re.search(r"\bcalc_total\b", text):
        c.fail(f"{rel} still names calc_total")
c.need_tests_pass(task, work)
c.passed("solved: calc_total is compute_order_total everywhere and the tests pass")
