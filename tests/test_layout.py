"""The house a learner walks: its size, its rooms, and which way the imports go.

Size creep happens unless something measures it: a module past the cap is split by concept. The import direction is
what lets a learner run the core alone and a student extend it without touching the loop:

    app  ──►  session  ──►  hooks, permissions, compact, context, config  ──►  core
    core = loop, model, tools, events: imports nothing outside itself

Every import counts, the ones inside functions and under TYPE_CHECKING too: a function-level
import is still a dependency, only a later one.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

CAP = 350
ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "agent"
MODULES = sorted(PACKAGE.rglob("*.py"))
PARTS = ("loop", "model", "tools", "context", "compact", "permissions", "hooks", "session",
         "config", "mcp", "app")
CARD = ("loop", "tools", "context", "compact", "permissions", "hooks")  # the design card's six
CORE = {"loop", "model", "tools", "events"}
FACE = "app"


def test_module_sizes_are_reported():
    assert MODULES, "no modules found under agent/"
    for path in MODULES:
        n = len(path.read_text(encoding="utf-8").splitlines())
        print(f"{path.relative_to(ROOT).as_posix():<36} {n:>4} lines")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_module_stays_under_the_cap(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= CAP, f"{path.name} has {n} lines (cap {CAP}): split it by concept"


def test_the_top_of_the_house_shows_its_parts():
    entries = sorted(p.name for p in PACKAGE.iterdir() if p.name != "__pycache__")
    assert len(entries) <= 14, f"agent/ has {len(entries)} entries: {entries}"
    assert set(PARTS) <= set(entries) and set(CARD) <= set(entries)
    assert all((PACKAGE / part / "__init__.py").is_file() for part in PARTS)


@pytest.mark.parametrize("part", PARTS)
def test_each_part_opens_with_its_map(part):
    """One screen: what the part does, every file of it in reading order, its counterpart."""
    init = PACKAGE / part / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc, f"agent/{part}/__init__.py has no docstring"
    assert len(doc.splitlines()) <= 45, f"agent/{part}'s map is longer than a screen"
    assert "Claude Code counterpart" in doc
    files = sorted(p.name for p in (PACKAGE / part).glob("*.py") if p.name != "__init__.py")
    missing = [name for name in files if name not in doc]
    assert not missing, f"agent/{part}/__init__.py does not name {missing} in its map"
    named = [name for name in files if name in doc]
    order = sorted(named, key=doc.index)
    assert order[0] in doc.split("Read in this order:")[1], "the map gives a reading order"


def test_the_root_is_the_map_of_the_house():
    doc = ast.get_docstring(ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8")))
    assert all(f"{part}/" in doc for part in PARTS) and "events.py" in doc


def part_of(module: str) -> str:
    """agent.loop.turn -> loop; agent.events -> events; agent -> agent."""
    bits = module.split(".")
    return bits[1] if len(bits) > 1 else "agent"


def imports(package: Path) -> dict[str, set[str]]:
    """module -> every agent module or name it imports, wherever the import statement is."""
    found: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent).with_suffix("")
        module = ".".join(relative.parts).removesuffix(".__init__")
        targets = found.setdefault(module, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.split(".")[0] == package.name}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                    node.module.split(".")[0] == package.name:
                targets.add(node.module)
                targets |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def part_graph(package: Path) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, targets in imports(package).items():
        source = part_of(module)
        graph.setdefault(source, set())
        graph[source] |= {part_of(t) for t in targets if part_of(t) != source}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle between parts once, as a path that ends where it starts."""
    found, seen = [], set()

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                cycle = path[path.index(nxt):] + [nxt]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    found.append(cycle)
            elif len(path) < len(graph) + 1:
                walk(nxt, path + [nxt])
    for start in sorted(graph):
        walk(start, [start])
    return found


def test_no_two_parts_import_each_other():
    graph = part_graph(PACKAGE)
    assert cycles(graph) == [], f"import cycles between parts: {cycles(graph)}"


def test_nothing_imports_the_face():
    graph = part_graph(PACKAGE)
    users = sorted(p for p, targets in graph.items() if FACE in targets and p != "__main__")
    assert users == [], f"{users} import agent/app"


def test_the_core_imports_nothing_outside_itself():
    for module, targets in imports(PACKAGE).items():
        if part_of(module) in CORE:
            outside = sorted(t for t in targets if part_of(t) not in CORE)
            assert not outside, f"{module} (core) imports {outside}"


@pytest.mark.parametrize("source, expected", [
    ({"a.py": "from pkg import b\n", "b.py": "def f():\n    from pkg import a\n"}, [["a", "b", "a"]]),
    ({"a/__init__.py": "", "a/x.py": "from pkg.b.y import Y\n", "b/__init__.py": "",
      "b/y.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a.x import X\n"},
     [["a", "b", "a"]]),
    ({"a.py": "import pkg.b\n", "b.py": "import os\n"}, []),
])
def test_the_cycle_check_sees_function_level_and_type_checking_imports(tmp_path, source, expected):
    package = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **source}.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    assert cycles(part_graph(package)) == expected


def test_the_core_runs_alone(tmp_path):
    """The loop with the scripted model and the tools, and none of settings, hooks,
    compaction, sessions, permissions, context or the face even imported."""
    code = """
import sys
from pathlib import Path
from agent.loop import Agent
from agent.model.scripted import ScriptedModel, call
from agent.tools import ToolContext, default_tools
work = Path(sys.argv[1])
(work / "a.txt").write_text("hello")
model = ScriptedModel([call("Read", file_path="a.txt"), call("Bash", command="echo ran"), "done"])
end = Agent(model, default_tools(), "sys", ToolContext(cwd=work)).run("read a.txt")
print(end.stop_reason)
print(" ".join(sorted({m.split(".")[1] for m in sys.modules if m.startswith("agent.")})))
"""
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    stop, loaded = done.stdout.splitlines()
    assert stop == "end_turn"
    assert set(loaded.split()) <= CORE, f"the core loaded {set(loaded.split()) - CORE}"


def test_the_tests_mirror_the_packages():
    folders = sorted(p.name for p in (ROOT / "tests").iterdir()
                     if p.is_dir() and p.name != "__pycache__")
    assert set(folders) <= set(PARTS), f"tests/ folders that are not parts: {set(folders) - set(PARTS)}"
    loose = sorted(p.name for p in (ROOT / "tests").glob("test_*.py"))
    house = {"test_layout.py", "test_docs_story.py", "test_docs_examples.py", "test_docs_chapters.py",
             "test_exercises.py"}
    assert set(loose) <= house | {"test_real_model.py"}, loose  # the house, its docs, the real model


def test_the_reading_order_lists_every_file_and_the_core_reads_in_one_sitting():
    page = (ROOT / "docs" / "reading-order.md").read_text(encoding="utf-8")
    listed = [line.split("`")[1] for line in page.splitlines() if line.startswith("| `agent/")]
    files = sorted(p.relative_to(ROOT).as_posix() for p in MODULES)
    assert sorted(listed) == files, f"not listed: {set(files) - set(listed)}; gone: {set(listed) - set(files)}"
    sitting = page.split("## 1.")[1].split("## 2.")[0]
    core = [line.split("`")[1] for line in sitting.splitlines() if line.startswith("| `agent/")]
    modules = [".".join(Path(f).with_suffix("").parts).removesuffix(".__init__") for f in core]
    assert all(part_of(m) in CORE | {"agent"} for m in modules), modules
    n = sum(len((ROOT / f).read_text(encoding="utf-8").splitlines()) for f in core)
    assert n < 1500, f"the core of section 1 is {n} lines"


def test_each_chapter_names_the_package_it_explains():
    for chapter in sorted((ROOT / "docs").glob("*.md")):
        if chapter.name in ("00-overview.md", "reading-order.md"):
            continue
        opening = "\n".join(chapter.read_text(encoding="utf-8").splitlines()[:4])
        assert opening.count("`agent/") and "Package" in opening, f"{chapter.name} names no package"
