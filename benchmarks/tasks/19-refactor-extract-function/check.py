"""Solved when report.py defines order_total(orders), summary_line and footer_line both call
it, the price-times-quantity sum and the tax are left only in order_total, and the pristine
tests (with one for order_total) pass."""
import ast
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
tree = c.parse(work, "report.py")
extracted = c.function(tree, "order_total")
if extracted is None:
    c.fail("report.py has no module-level function order_total")
if len(extracted.args.args) - len(extracted.args.defaults) != 1:
    c.fail("order_total should take exactly one required argument, the orders")
for caller in ("summary_line", "footer_line"):
    node = c.function(tree, caller)
    if node is None:
        c.fail(f"report.py has no function {caller} any more")
    if "order_total" not in c.called_names(node):
        c.fail(f"{caller} does not call order_total")
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and sub.value == "qty" or \
                isinstance(sub, ast.Name) and sub.id == "TAX":
            c.fail(f"{caller} still computes the total itself")
c.need_tests_pass(task, work)
c.passed("solved: order_total is extracted, used by both, and the tests pass")
