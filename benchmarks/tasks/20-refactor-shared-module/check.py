"""Solved when templating.py defines render(template, values), emailer.py and sms.py import
it from there and call it, neither keeps a function of its own that does the replacing, and
the pristine tests (with some for templating.render) pass."""
import ast
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import checklib as c  # noqa: E402

task, work, answer = c.start(__file__)
shared = c.function(c.parse(work, "templating.py"), "render")
if shared is None:
    c.fail("templating.py has no module-level function render")
if len(shared.args.args) != 2:
    c.fail("render should take two arguments, template and values")
for rel in ("emailer.py", "sms.py"):
    tree = c.parse(work, rel)
    callable_names = set()  # the names under which this module reaches templating.render
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "templating":
            callable_names |= {a.asname or a.name for a in node.names if a.name == "render"}
        if isinstance(node, ast.Import):
            callable_names |= {f"{a.asname or a.name}.render" for a in node.names
                               if a.name == "templating"}
    if not callable_names:
        c.fail(f"{rel} does not import render from templating")
    if not callable_names & c.called_names(tree):
        c.fail(f"{rel} does not call templating's render")
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                node.name == "_render" or "replace" in {getattr(s.func, "attr", None)
                for s in ast.walk(node) if isinstance(s, ast.Call)}):
            c.fail(f"{rel} still has its own copy of the helper ({node.name})")
c.need_tests_pass(task, work)
c.passed("solved: one render in templating.py, used by both modules, and the tests pass")
