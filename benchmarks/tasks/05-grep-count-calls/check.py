"""Solved when the answer gives the number of calls to emit_audit_event (11; 12 counts the
definition too)."""
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
c.need_answer(answer, ["11", "eleven"], "the number of calls to emit_audit_event")
c.passed("solved: 11 calls")
