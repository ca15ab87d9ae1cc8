"""Solved when the pristine tests pass, with the pristine app.conf: test_app.py, and
test_config_root.py, which tests config.load, where the bug is (editing app.conf or
patching app.py does not pass)."""
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
c.need_tests_pass(task, work)
c.passed("solved: config.load is fixed and the tests pass")
