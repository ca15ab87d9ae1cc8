"""Solved when the answer gives list_orders' default page size (not the invoices' one)."""
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
c.need_answer(answer, ["37", "thirty-seven", "thirty seven"], "the default page size of list_orders")
c.passed("solved: the page size is in the answer")
