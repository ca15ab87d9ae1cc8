"""The model's Markdown on a terminal: rendered line by line as it streams, plain text with
NO_COLOR, TERM=dumb or off a terminal, and never in print mode's answer on stdout."""

import io
import os
import re
import subprocess
import sys

import pytest

from agent.app.markdown import Markdown
from agent.app.render import Terminal
from agent.events import AssistantMessage, TextDelta
from terminal import Pty

B, b, I, i, C, c = "\033[1m", "\033[22m", "\033[3m", "\033[23m", "\033[36m", "\033[39m"


def plain(text: str) -> str:
    md = Markdown(color=False)
    return md.feed(text) + md.end()


def colour(text: str) -> str:
    md = Markdown(color=True)
    return md.feed(text) + md.end()


@pytest.mark.parametrize("text, shown", [
    ("# Plan", "Plan"),
    ("### The **fix** ###", "The fix"),
    ("Here is **bold**, *em*, _em_ and ***both***.", "Here is bold, em, em and both."),
    ("~~gone~~ stays", "gone stays"),
    ("**bold with *italic* inside**", "bold with italic inside"),
    ("*italic with **bold** inside*", "italic with bold inside"),
    ("***bold* then italic**", "bold then italic"),
    ("**bold then *italic***", "bold then italic"),
    ("a**b**c and x ** y ** z", "a**b**c and x ** y ** z"),
    ("**see `this` here**", "see `this` here"),
    ("`a*b*c` and `**kw`", "`a*b*c` and `**kw`"),  # nothing inside code is emphasis
    ("``a ` b``", "``a ` b``"),
    ("snake_case_names and __init__ and _private", "snake_case_names and __init__ and _private"),
    ("2*3*4 and a * b * c and *args, **kwargs", "2*3*4 and a * b * c and *args, **kwargs"),
    (r"\*not em\* and \`not code\`", "*not em* and `not code`"),
    ("an *unclosed emphasis and a `lone backtick", "an *unclosed emphasis and a `lone backtick"),
    ("- one\n  * two\n+ three", "• one\n  • two\n• three"),
    ("- [ ] todo\n- [x] done", "• ☐ todo\n• ☑ done"),
    ("1. first **step**\n2) second", "1. first step\n2) second"),
    ("> quoted **b**", "│ quoted b"),
    ("---", "─" * 40),
    ("[the **docs**](https://x.org/a_b*c*)", "the docs (https://x.org/a_b*c*)"),
    ("```python\ndef f(*args, **kw):  # a*b*c\n    return `x`\n```\nafter",
     "    def f(*args, **kw):  # a*b*c\n        return `x`\nafter"),
    ("~~~\n```\nstill code\n~~~", "    ```\n    still code\n"),
    ("1. run:\n    ```sh\n    make\n    ```", "1. run:\n    make\n"),  # a fence nested in a list
    ("```\nnever closed\n**x**", "    never closed\n    **x**"),  # the message ends: so does code
    ("**héllo 世界** 😀 *ünïcode* naïve_snake_case", "héllo 世界 😀 ünïcode naïve_snake_case"),
])
def test_plain_rendering_drops_the_markup_and_keeps_the_text(text, shown):
    assert plain(text) == shown


def test_colour_rendering_marks_each_style():
    assert colour("**a** *b* `c`") == f"{B}a{b} {I}b{i} {C}c{c}"
    assert colour("**x *y* z**") == f"{B}x {I}y{i} z{b}"
    assert colour("```\n*p*\n```") == f"    {C}*p*{c}\n"
    assert colour("# Title") == "\033[1m\033[4mTitle\033[24m\033[22m"
    assert "\033[" not in colour("snake_case_names and 2*3*4")


def test_a_very_long_line_is_whole_and_quick():
    import time

    line = " ".join(f"word{n}" for n in range(600)) + " **end**"
    assert plain(line) == line.replace("**", "")
    start = time.monotonic()
    for text in ("*a " * 1666, "*.py " * 999, "_a " * 1666, "*a " * 100_000):  # no closing mark
        assert plain(text) == text
    assert time.monotonic() - start < 2


SAMPLE = ("# Notes\r\nThe **fix** is in `count_words`:\n\n```py\nreturn len(text.split())\n```\n"
          "- it *splits* on runs of spaces\n- snake_case_names stay\nno newline at the end")


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 1000])
def test_pieces_of_any_size_render_as_the_whole(size):
    md = Markdown(color=True)
    pieces = [SAMPLE[k:k + size] for k in range(0, len(SAMPLE), size)]
    assert "".join(md.feed(p) for p in pieces) + md.end() == colour(SAMPLE)


def test_a_line_waits_for_its_newline_and_the_message_end_shows_the_rest():
    md = Markdown(color=False)
    assert md.feed("The **fi") == ""
    assert md.feed("x** is\nin ") == "The fix is\n"
    assert md.feed("`a`") == ""
    assert md.end() == "in `a`"
    assert md.end() == ""


def test_the_terminal_renders_each_message_and_ends_it():
    out = io.StringIO()
    term = Terminal(out, color=False)
    for piece in ["```sh\n", "ls *.py\n", "```\nDone: **two** fi", "les."]:
        term(TextDelta(piece))
    assert out.getvalue() == "    ls *.py\n"
    term(AssistantMessage({"role": "assistant", "content": "..."}, None))
    assert out.getvalue() == "    ls *.py\nDone: two files.\n"


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def screen(written: str) -> str:
    """What a terminal shows for `written`: a carriage return and erase-line take the row back."""
    return re.sub(r"[^\n]*\r\033\[K", "", written)


@pytest.fixture
def tty_env(monkeypatch):
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.delenv("NO_COLOR", raising=False)


def test_on_a_live_terminal_the_line_coming_shows_raw_then_rendered(tty_env):
    out = FakeTty()
    term = Terminal(out, color=False)
    for piece in ["Here ", "is **the", " fix**."]:
        term(TextDelta(piece))
    assert out.getvalue() == "Here is **the fix**."  # a slow model is not silent
    term(TextDelta("\nNext"))
    assert screen(out.getvalue()) == "Here is the fix.\nNext"
    term(AssistantMessage({"role": "assistant", "content": "..."}, None))
    assert screen(out.getvalue()) == "Here is the fix.\nNext\n"


@pytest.mark.parametrize("pieces", [["a" * 20, "b" * 30, "\n"],   # past the row: it waits
                                    ["ok ", "漢字 ", "more\n"],    # two columns each: it waits
                                    ["tab\there", " x\n"]])
def test_the_raw_line_stops_where_it_could_not_be_drawn_over(tty_env, pieces):
    out = FakeTty()
    term = Terminal(out, color=False)
    for piece in pieces:
        term(TextDelta(piece))
        assert "\n" in out.getvalue() or len(out.getvalue()) < 40
    assert screen(out.getvalue()) == "".join(pieces)


def test_no_raw_line_on_a_dumb_terminal_or_a_pipe(monkeypatch):
    monkeypatch.setenv("TERM", "dumb")
    out = FakeTty()
    Terminal(out, color=False)(TextDelta("**partial"))
    monkeypatch.setenv("TERM", "xterm")
    piped = io.StringIO()
    Terminal(piped, color=False)(TextDelta("**partial"))
    assert out.getvalue() == piped.getvalue() == ""


ANSWER = "# Plan\nThe **fix** is `split()`; snake_case_names stay.\n```py\nx = a*b*c\n```\n- done"


def start(folder, server, *flags: str, **env: str) -> Pty:
    outer = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env = {**outer, "HOME": str(folder), "OPENAI_BASE_URL": server.base_url, **env}
    return Pty([sys.executable, "-m", "agent", *flags], folder, env)


@pytest.mark.parametrize("env, colored", [({"TERM": "xterm-256color"}, True),
                                          ({"TERM": "xterm-256color", "NO_COLOR": "1"}, False),
                                          ({"TERM": "dumb"}, False)])
def test_the_repl_renders_the_answer(tmp_path, server, env, colored):
    server.reply(ANSWER)
    with start(tmp_path, server, **env) as child:
        child.expect("> ")
        child.send("plan it\r")
        out = child.expect("• done")
        child.send("/exit\r")
        assert child.close() == 0
    out = screen(out[out.index("plan it"):].replace("\r\n", "\n"))  # raw lines drawn over
    assert ("\033[1mfix\033[22m" in out) == colored and ("\033[" in out) == colored
    text = re.sub(r"\033\[\d+m", "", out)
    assert "Plan\nThe fix is " in text and "**" not in text and "```" not in text
    assert "    x = a*b*c\n• done" in text and "snake_case_names stay" in text


def test_print_mode_prints_the_exact_answer_on_a_pipe(tmp_path, server):
    server.reply(ANSWER)
    env = {**os.environ, "HOME": str(tmp_path), "OPENAI_BASE_URL": server.base_url,
           "TERM": "xterm-256color"}
    done = subprocess.run([sys.executable, "-m", "agent", "-p", "plan it"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == ANSWER + "\n"


def test_verbose_print_mode_on_a_terminal_shows_the_answer_once(tmp_path, server):
    server.reply(tool_calls=[("Glob", {"pattern": "*.md"})])
    server.reply("The **answer** is 42.")
    with start(tmp_path, server, "-p", "what is it?", "--verbose", TERM="dumb") as child:
        child.expect("● Glob(*.md)")
        out = child.read_to_end()
        assert child.close() == 0
    assert out.count("is 42.") == 1 and "The answer is 42." in out  # rendered, once


def test_verbose_print_mode_with_stdout_to_a_pipe_keeps_the_exact_answer_there(tmp_path, server):
    import pty
    import select

    server.reply("The **answer** is 42.")
    master, slave = pty.openpty()
    env = {**os.environ, "HOME": str(tmp_path), "OPENAI_BASE_URL": server.base_url, "TERM": "dumb"}
    proc = subprocess.Popen([sys.executable, "-m", "agent", "-p", "what is it?", "--verbose"],
                            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    terminal = b""
    while True:  # the terminal (stderr) is read as it comes, or the child could block on it
        ready, _, _ = select.select([master], [], [], 0.2)
        chunk = b""
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                pass
        terminal += chunk
        if not chunk and proc.poll() is not None:
            break
    os.close(master)
    assert proc.wait(timeout=30) == 0
    assert proc.stdout.read() == "The **answer** is 42.\n"  # the exact text, for a program
    assert terminal.decode().count("The answer is 42.") == 1  # rendered, for the person
