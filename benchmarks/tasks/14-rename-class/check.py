"""Solved when no Python file names UserRecord any more (its repr included) and the pristine
tests, which use Member, pass."""
import re
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
for rel, text in c.python_files(work).items():
    if re.search(r"\bUserRecord\b", text):
        c.fail(f"{rel} still names UserRecord")
c.need_tests_pass(task, work)
c.passed("solved: UserRecord is Member everywhere and the tests pass")
