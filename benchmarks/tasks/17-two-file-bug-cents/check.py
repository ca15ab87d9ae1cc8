"""Solved when the pristine tests pass: test_invoice.py, and test_money_root.py, which tests
money.to_cents, where the bug is (a patch in invoice.py alone does not pass)."""
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
c.need_tests_pass(task, work)
c.passed("solved: to_cents is fixed and the tests pass")
