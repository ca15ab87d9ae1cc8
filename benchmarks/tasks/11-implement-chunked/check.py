"""Solved when the pristine test_batching.py passes."""
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
c.need_tests_pass(task, work)
c.passed("solved: the tests pass")
