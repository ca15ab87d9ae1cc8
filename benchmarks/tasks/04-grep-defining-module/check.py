"""Solved when the answer names the file that defines reconcile_ledger."""
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
c.need_answer(answer, ["closing.py", "app.closing"], "the file that defines reconcile_ledger")
c.passed("solved: closing.py is in the answer")
