"""Every command line of the docs runs as written, with no model server.

What a command line is: a line of a fenced block of README.md or docs/*.md whose language is
none, sh, bash, shell or console. It starts at the block's left edge (a diagram indents its
lines), after a "$ " prompt in a block that uses one, and its first word, after any
NAME=value settings, is one of PROGRAMS. It goes on to the next line while a line ends in
`\\`, `|`, `&&` or `||`, and a here-document (`<<'EOF'`) to its end marker. Nothing else is
a command: output shown after one, REPL input (`> /help`), diagrams.

How each runs: the commands of one block run in order, as a reader types them, each in its
own `bash -o pipefail -c`, from the top of a fresh copy of the repository (the work tree as it
is, docs/examples/ included, and its .git), with HOME an empty folder, no OPENAI_* or AGENT_*
variables, nothing on stdin and TIMEOUT seconds at most. Each must exit 0, or N where its
comment says "exits N"; and by the end of its block the repository's files must be as they
were (caches such as __pycache__ aside). A command that uses jq is skipped where jq is not installed.

The markers: a command that needs what is not here says so in its comment, and is skipped
with that comment as the reason. Its comment is the `# ...` at the end of its (last) line,
or the comment lines above it in the block, up to a blank line; it is a marker when it
starts with one of these words:

    needs ...        what this machine does not have: a model server, llama-server, Ollama,
                     a broken file that the example shows the error for
    installs ...     packages, into the environment it runs in
    interactive ...  waits for a person at the terminal: the REPL
    long ...         more time than a test should take: the whole test suite, a benchmark of
                     half a minute or more
"""

import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_BLOCKS = {"", "sh", "bash", "shell", "console"}
PROGRAMS = {"agent", "python", "python3", "pip", "pytest", "bash", "sh", "git", "mkdir", "cp",
            "cd", "rm", "curl", "export", "printf", "echo", "cat", "tail", "head", "ls", "jq",
            "cmake", "ollama", "llama-server", "vllm", ".ci/run"}
MARKERS = ("needs", "installs", "interactive", "long")
TIMEOUT = 60


@dataclass(frozen=True)
class Command:
    page: str       # "docs/09-cli.md"
    line: int       # where the command starts, counted from 1
    block: int      # the line of the block's opening fence
    text: str       # as written, continuation lines and here-document included
    comment: str    # the `# ...` at the end of its last line
    above: str      # the comment lines above it in the block, up to a blank line


def split_comment(line: str) -> tuple[str, str]:
    """A shell line as its code and the `# ...` at its end (outside quotes)."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def starts_a_command(line: str) -> bool:
    words = line.removeprefix("$ ").split()
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", words[0]):
        words = words[1:]
    return bool(words) and words[0] in PROGRAMS and not line[:1].isspace()


def goes_on(line: str) -> bool:
    return split_comment(line)[0].endswith(("\\", "|", "&&", "||"))


def commands_of(page: Path) -> list[Command]:
    found: list[Command] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        fence = re.match(r"^(\s*)```(\w*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        indent, start = len(fence.group(1)), i
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
        body = [line[indent:] for line in lines[start + 1:end]]
        if fence.group(2) in SHELL_BLOCKS:
            found += block_commands(page, start + 1, body)
        i = end + 1
    return found


def block_commands(page: Path, fence_line: int, body: list[str]) -> list[Command]:
    found: list[Command] = []
    prompted = any(line.startswith("$ ") for line in body)  # then only "$ " lines are commands
    group: list[str] = []  # the comment lines above, until a blank line
    k = 0
    while k < len(body):
        line = body[k]
        if not line.strip():
            group = []
        elif line.startswith("#"):  # a comment after a command starts a new group
            group = [*(group if k and body[k - 1].startswith("#") else []), line.lstrip("# ")]
        elif starts_a_command(line) and (line.startswith("$ ") or not prompted):
            first, taken = k, [line]
            heredoc = re.search(r"<<-?\s*'?(\w+)'?", line)
            while goes_on(taken[-1]) and k + 1 < len(body):
                k += 1
                taken.append(body[k])
            if heredoc:
                while k + 1 < len(body) and taken[-1].strip() != heredoc.group(1):
                    k += 1
                    taken.append(body[k])
            text = "\n".join([taken[0].removeprefix("$ "), *taken[1:]])
            found.append(Command(str(page.relative_to(ROOT)), fence_line + first + 1, fence_line,
                                 text, split_comment(taken[-1])[1], " ".join(group).strip()))
        k += 1
    return found


COMMANDS = [c for page in PAGES for c in commands_of(page)]


def marker_of(command: Command) -> str | None:
    """The reason a command is not run here, from its comment; None when it runs."""
    for comment in (command.comment, command.above):
        words = comment.split()
        if words and words[0].rstrip(":,") in MARKERS:
            return comment
    return None


def expected_code(command: Command) -> int:
    said = re.search(r"\bexits (\d+)", f"{command.comment} {command.above}")
    return int(said.group(1)) if said else 0


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OPENAI_", "AGENT_", "PYTEST_"))}
    # this interpreter's environment first, where pip put agent, python and pytest
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["HOME"] = str(home)
    return env


def copy_of_repository(into: Path) -> Path:
    """The work tree as it is (docs/examples/ included), with its .git when that is a folder
    (a .git file points at another checkout's history, which a command could change)."""
    skip = ["__pycache__", "*.egg-info", ".venv", "venv", ".pytest_cache", ".benchmarks"]
    if not (ROOT / ".git").is_dir():
        skip.append(".git")
    return Path(shutil.copytree(ROOT, into / "repo", symlinks=True,
                                ignore=shutil.ignore_patterns(*skip)))


def snapshot(repo: Path) -> dict[str, tuple[int, int]]:
    """Size and mtime of each file, but in .git/ and caches."""
    files = {}
    for folder, subfolders, names in os.walk(repo):
        subfolders[:] = [d for d in subfolders if d not in (".git", "__pycache__", ".pytest_cache")]
        for name in names:
            info = os.lstat(os.path.join(folder, name))
            files[os.path.relpath(os.path.join(folder, name), repo)] = (info.st_size, info.st_mtime_ns)
    return files


@dataclass(frozen=True)
class Ran:
    code: int
    output: str         # stdout and stderr, as they came
    wrote: list[str]    # files of the repository it created, changed or removed


def changed(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> set[str]:
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def run(command: Command, repo: Path, env: dict[str, str]) -> Ran:
    before = snapshot(repo)
    with subprocess.Popen(["bash", "-o", "pipefail", "-c", command.text], cwd=repo, env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True) as process:
        try:
            output, _ = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # bash and all it started
            output = process.communicate()[0] + f"\n(stopped after {TIMEOUT} s)"
    return Ran(process.returncode, output, sorted(changed(before, snapshot(repo))))


BLOCKS: dict[tuple[str, int], dict[int, Ran]] = {}


def run_block(page: str, block: int, tmp: Path) -> dict[int, Ran]:
    """The commands of one block, run in order in one copy of the repository and one HOME.
    What a command writes counts against it only when the block leaves it so: a block may
    add a settings file for one example and then remove it."""
    (tmp / "home").mkdir()
    repo, env = copy_of_repository(tmp), environment(tmp / "home")
    start = snapshot(repo)
    ran = {c.line: run(c, repo, env) for c in COMMANDS
           if (c.page, c.block) == (page, block) and not marker_of(c)}
    left = changed(start, snapshot(repo))
    return {line: replace(r, wrote=[p for p in r.wrote if p in left]) for line, r in ran.items()}


def test_the_docs_have_command_lines_and_each_marker_says_why():
    assert len(COMMANDS) >= 50, len(COMMANDS)
    for command in COMMANDS:
        reason = marker_of(command)
        assert reason is None or len(reason.split()) >= 2, f"{command}: say what it needs"


def test_each_script_of_docs_examples_is_used_by_a_command_that_runs():
    """A script, by `--model scripted:` (from where it is, or copied to a temporary folder
    first); a recording, by `--replay`."""
    run = [c.text for c in COMMANDS if not marker_of(c)]
    for script in sorted((ROOT / "docs" / "examples").glob("*.json")):
        assert any(f"scripted:docs/examples/{script.name}" in text or
                   f"docs/examples/{script.name}" in text and f"scripted:{script.name}" in text
                   for text in run), f"{script.name} is used nowhere"
    recordings = sorted((ROOT / "docs" / "examples" / "recordings").glob("*.jsonl"))
    assert recordings
    for recording in recordings:
        assert any(f"docs/examples/recordings/{recording.name}" in text and
                   f"--replay {recording.name}" in text for text in run), \
            f"{recording.name} is replayed nowhere"


@pytest.mark.parametrize("command", COMMANDS, ids=[f"{c.page}:{c.line}" for c in COMMANDS])
def test_the_command_runs_as_written(command: Command, tmp_path_factory):
    reason = marker_of(command)
    if reason:
        pytest.skip(f"{command.page}:{command.line}: {reason}")
    if re.search(r"\bjq\b", command.text) and not shutil.which("jq"):
        pytest.skip(f"{command.page}:{command.line}: jq is not installed")
    key = (command.page, command.block)
    if key not in BLOCKS:
        BLOCKS[key] = run_block(*key, tmp_path_factory.mktemp("block"))
    ran = BLOCKS[key][command.line]
    where = f"{command.page}:{command.line}: {command.text}"
    assert ran.code == expected_code(command), f"{where}\nexit {ran.code}\n{ran.output[-5000:]}"
    assert not ran.wrote, f"{where}\nwrote {len(ran.wrote)} file(s) of the repository: {ran.wrote[:10]}"
