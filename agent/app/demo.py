"""`agent demo`: the main job, end to end, with no server and no real model.

A scripted model (agent.model.scripted.ScriptedModel) plays the part of the LLM. Everything else is
real: the loop, the tools, the files in a sample repository copied to a temporary folder,
and the test run in a real subprocess. The script runs the failing test, reads it, finds the
function with Grep, reads it, fixes it with Edit, runs the test again and reports what the
last test run really printed. It is labelled as scripted wherever it speaks.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from agent.context.system_prompt import system_prompt
from agent.model.types import Reply
from agent.model.scripted import ScriptedModel, call
from agent.loop.turn import Agent
from agent.permissions.policy import Policy
from agent.permissions.gate import Gate
from agent.app.render import Terminal
from agent.tools import ToolContext, default_tools

SAMPLE = {
    "inventory.py": '''\
"""A tiny inventory: items are dicts with a name, a unit price and a quantity."""


def total_price(items):
    """The price of everything in stock: unit price times quantity, summed."""
    return sum(item["price"] for item in items)


def names(items):
    return sorted(item["name"] for item in items)
''',
    "test_inventory.py": '''\
import unittest

from inventory import names, total_price

ITEMS = [
    {"name": "pen", "price": 2.5, "quantity": 4},
    {"name": "pad", "price": 1.0, "quantity": 1},
]


class InventoryTest(unittest.TestCase):
    def test_total_price_counts_quantity(self):
        self.assertEqual(total_price(ITEMS), 11.0)

    def test_names(self):
        self.assertEqual(names(ITEMS), ["pad", "pen"])


if __name__ == "__main__":
    unittest.main()
''',
    "AGENT.md": "# Sample project\n\nRun the tests with `python -m unittest -v`.\n",
}

BUGGY = 'sum(item["price"] for item in items)'
FIXED = 'sum(item["price"] * item["quantity"] for item in items)'


def report(messages: list[dict]) -> Reply:
    """The final answer, written from what the last test run actually printed."""
    last = messages[-1]["content"]
    if "OK" in last and "FAILED" not in last:
        text = ("Fixed. `total_price` in inventory.py summed the unit prices and ignored the "
                "quantity; it now sums price × quantity. I reran the tests and they pass "
                "(2 tests, OK).")
    else:
        text = "I changed total_price, but the tests still fail:\n" + last[-500:]
    return Reply(text=text, finish_reason="stop")


def script(repo: Path) -> list:
    test = f"{shlex.quote(sys.executable)} -m unittest -v"
    return [
        Reply(text="Let me run the tests first to see what fails.",
              tool_calls=(call("Bash", command=test, description="Run the test suite"),)),
        call("Read", file_path=str(repo / "test_inventory.py")),
        call("Grep", pattern="def total_price", path=str(repo), output_mode="content", **{"-n": True}),
        call("Read", file_path=str(repo / "inventory.py")),
        call("Edit", file_path=str(repo / "inventory.py"), old_string=BUGGY, new_string=FIXED),
        call("Bash", command=test, description="Rerun the tests"),
        report,
    ]


def make_repo(folder: Path) -> Path:
    repo = folder / "sample-repo"
    repo.mkdir()
    for name, text in SAMPLE.items():
        (repo / name).write_text(text, encoding="utf-8")
    return repo


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="agent demo", description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the sample repository afterwards")
    args = parser.parse_args(argv)
    term = Terminal(sys.stdout)
    folder = Path(tempfile.mkdtemp(prefix="agent-demo-"))
    try:
        repo = make_repo(folder)
        term.line(term.paint("\033[1m", "agent demo: a SCRIPTED model (no server, no LLM) drives "
                                        "the real loop and tools"))
        term.line(f"sample repository: {repo}\n")
        model = ScriptedModel(script(repo), name="scripted-demo")
        agent = Agent(model, default_tools(), system_prompt(repo), ToolContext(cwd=repo),
                      authorize=Gate(Policy("bypassPermissions", repo)), emit=term)
        term.line("> The test suite fails. Find the bug and fix it.")
        end = agent.run("The test suite fails. Find the bug and fix it.")
        fixed = FIXED in (repo / "inventory.py").read_text(encoding="utf-8")
        term.line(f"\n[scripted demo] stop reason: {end.stop_reason}; model calls: {end.n_turns}; "
                  f"inventory.py fixed on disk: {'yes' if fixed else 'no'}")
        if args.keep:
            term.line(f"kept: {repo}")
        return 0 if end.stop_reason == "end_turn" and fixed else 1
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
