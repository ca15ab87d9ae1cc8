"""Checkpoints: each file as it was before each prompt, and a rewind to go back to it.

    prompt 1 ─► Write new.py, Edit app.py     saved: (1, new.py: did not exist), (1, app.py: bytes)
    prompt 2 ─► Edit app.py, Bash `rm x.txt`  saved: (2, app.py: bytes)        x.txt: not tracked
    prompt 3 ─► Write new.py                  saved: (3, new.py: bytes)
    rewind 2 ─► each file saved at prompt 2 or later gets its earliest such save back:
                app.py ◄─ (2), new.py ◄─ (3); the conversation is cut before prompt 2's message

Write and Edit call `before_write` (ToolContext.before_write) once the gate, the hooks and
their own checks have let them through, just before they replace the file: the file's bytes
(or that it did not exist) are kept first, then the new file is written beside it and renamed
over it (agent/tools/files.py: write_safely), so no failure can lose both.
The first save of a file in a prompt wins: it is the state before that prompt. The prompt
numbers come from `__call__`, on the loop's on_prompt seam, called as each prompt arrives; numbers
never repeat, so saves of prompts that a rewind took out of the conversation still count
when a later rewind goes back further.

Saves go to disk as they happen, under ~/.agent/sessions/<session-id>/checkpoints/: the
bytes in blobs/<sha256>, and a log, index.jsonl, of prompts, saves and rewinds. A session
that crashed, or one resumed with the same folder, finds them there.

Not tracked: what commands change. A file Bash deletes, moves, rewrites with sed or a
formatter, or a script creates, is not saved and not restored; the listing says so, and a
rewind names the Bash commands it did not undo. Nor what the user changes in an editor: a
rewind of a file the agent also changed overwrites it.
Simplified: restored files get their bytes back, not their permissions or times; folders a
Write created stay; the conversation is found by its prompt's text, so a prompt compacted
into a summary can have its code rewound but not its conversation.
Claude Code counterpart: checkpointing and /rewind (Esc Esc).
"""

from __future__ import annotations

import errno
import hashlib
import json
import stat
from dataclasses import dataclass
from pathlib import Path

from agent.model.types import BadArguments, parse_arguments
from agent.model.reminders import own_words

MAX_SAVED_BYTES = 64 * 10**6  # checked with stat first: a 2 GB file is never read into memory
TRACKED = ("Write", "Edit")  # the tools that call before_write
NOT_TRACKED = ("Changes made through Bash (rm, mv, sed -i, scripts, formatters) are not "
               "tracked: a rewind does not undo them.")
WHATS = {"both": (True, True), "code": (True, False), "conversation": (False, True)}


@dataclass(frozen=True)
class Prompt:
    """A user prompt of the session: its number and its text."""

    number: int
    text: str


@dataclass(frozen=True)
class Save:
    """A file as it was before the first Write or Edit of it in a prompt."""

    prompt: int
    path: Path
    blob: str | None
    """The sha256 of its bytes, stored as blobs/<sha256>; None: the file did not exist."""


class Checkpoints:
    """The saves of one session, in `folder`; `cwd` is where paths are shown from."""

    def __init__(self, folder: Path, cwd: Path):
        self.cwd = cwd.resolve()
        self.reopen(folder)

    def reopen(self, folder: Path) -> None:
        """Work on the saves in `folder` from now on (another session, resumed)."""
        self.folder = folder
        self.prompts: list[Prompt] = []  # those still in the conversation, in order
        self.saves: list[Save] = []  # in the order they happened
        self.n = 0  # the current prompt's number
        self.kept: dict[str, bytes] = {}  # blobs that could not go to disk
        self.error: str | None = None  # set when the folder cannot be written: saves stay in memory
        if (folder / "index.jsonl").exists():
            self._load()

    def __call__(self, prompt: str) -> None:
        """On the on_prompt seam (agent.loop.seams.OnPrompt): a new prompt starts; it adds no text."""
        self.n += 1
        self.prompts.append(Prompt(self.n, prompt))
        self._log({"prompt": self.n, "text": prompt})

    def before_write(self, path: Path) -> None:
        """ToolContext.before_write: Write or Edit is about to replace `path` (every check
        passed, so the bytes are read only now): keep them, once per prompt. A file over
        MAX_SAVED_BYTES is not read at all: OSError, and the tool leaves it as it is."""
        if self.saved(self.n, path):
            return
        try:
            st = path.stat()
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISREG(st.st_mode) and st.st_size > MAX_SAVED_BYTES:
            raise OSError(errno.EFBIG, f"it is {st.st_size / 1e6:,.0f} MB, too large to keep "
                                       f"a checkpoint of (the limit is "
                                       f"{MAX_SAVED_BYTES // 10**6} MB)")
        self.save(path, path.read_bytes() if st and stat.S_ISREG(st.st_mode) else None)

    def saved(self, number: int, path: Path) -> bool:
        return any(s.prompt == number and s.path == path for s in self.saves)

    def save(self, path: Path, before: bytes | None) -> None:
        """Keep a file's bytes (None: it did not exist) as of before the current prompt."""
        if self.saved(self.n, path):
            return
        blob = None
        if before is not None:
            blob = hashlib.sha256(before).hexdigest()
            file = self.folder / "blobs" / blob
            try:
                if not file.exists():  # subtle: the bytes are on disk before the log names them
                    file.parent.mkdir(parents=True, exist_ok=True)
                    file.write_bytes(before)
            except OSError as err:
                self.kept[blob] = before
                self._failed(err)
        self.saves.append(Save(self.n, path, blob))
        self._log({"save": self.n, "path": str(path), "blob": blob})

    def files(self, number: int) -> list[Path]:
        """The files Write or Edit changed during a prompt."""
        return [s.path for s in self.saves if s.prompt == number]

    def restore(self, number: int) -> tuple[list[Path], list[Path], list[str]]:
        """Every file saved at prompt `number` or later, back as it was before that prompt:
        (restored, deleted, failures). Deleted: files that did not exist then."""
        earliest: dict[Path, Save] = {}
        for s in self.saves:
            if s.prompt >= number:
                earliest.setdefault(s.path, s)
        restored, deleted, failures = [], [], []
        for path, s in earliest.items():
            try:
                if s.blob is None and (path.exists() or path.is_symlink()):
                    path.unlink()
                    deleted.append(path)
                elif s.blob is not None:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(self.kept.get(s.blob) or (self.folder / "blobs" / s.blob).read_bytes())
                    restored.append(path)
            except OSError as e:  # a folder in its place, no permission, a blob gone
                failures.append(f"{self.shown([path])} ({e.strerror or e})")
        return restored, deleted, failures

    def locate(self, number: int, messages: list[dict]) -> int | None:
        """The index of a prompt's user message in `messages`, or None when it is gone
        (compacted into a summary, or cleared). Counted from the end among prompts with the
        same text, since compaction only ever takes the oldest messages away."""
        prompt = next(p for p in self.prompts if p.number == number)
        same = [p for p in self.prompts if p.text == prompt.text]
        k = len(same) - same.index(prompt)
        found = [i for i, m in enumerate(messages) if m["role"] == "user" and is_prompt(m, prompt.text)]
        return found[-k] if len(found) >= k else None

    def rewind(self, number: int, messages: list[dict], code: bool = True,
               conversation: bool = True) -> str:
        """Go back to before prompt `number`: the files (code), the history (conversation,
        cut in place), or both. What it did, as text for the user."""
        prompt = next((p for p in self.prompts if p.number == number), None)
        if prompt is None:
            return f"There is no prompt {number} to rewind to.\n{self.menu(messages)}"
        cut = self.locate(number, messages)
        if conversation and cut is None:
            return (f"Prompt {number}'s message is no longer in the conversation (compacted or "
                    f"cleared), so the conversation cannot go back before it. The code can: "
                    f"/rewind {number} code")
        lines = [f"Rewound to before prompt {number} ({quote(prompt.text)}):"]
        if code:
            restored, deleted, failures = self.restore(number)
            done = ([f"restored {self.shown(restored)}"] if restored else []) + \
                   ([f"deleted {self.shown(deleted)} (created since)"] if deleted else []) + \
                   ([f"could not restore {', '.join(failures)}"] if failures else [])
            lines.append("  code: " + ("; ".join(done) or "no file was changed by Write or Edit since then"))
        commands = bash_commands(messages[cut:]) if cut is not None else []
        if conversation:
            lines.append(f"  conversation: {len(messages) - cut} messages removed")
            del messages[cut:]
            self.prompts = [p for p in self.prompts if p.number < number]
            self._log({"rewound": number})
        if commands:
            shown = "; ".join(commands[:5]) + (f"; and {len(commands) - 5} more" if len(commands) > 5 else "")
            lines.append(f"Not undone: commands run through Bash since then ({shown}). "
                         "Whatever they changed stays as it is.")
        elif code and cut is None:
            lines.append(NOT_TRACKED)
        return "\n".join(lines)

    def menu(self, messages: list[dict]) -> str:
        """The prompts of the session, each with the files it changed: what /rewind lists."""
        if not self.prompts:
            return "No prompts yet: there is nothing to rewind."
        lines = ["Rewind to the point before a prompt: /rewind N [code|conversation|both] "
                 "(both by default)."]
        for p in self.prompts:
            changed = self.shown(self.files(p.number)) or "no file changes"
            gone = "" if self.locate(p.number, messages) is not None else \
                " (compacted or cleared: code only)"
            lines.append(f"  {p.number:>3}  {quote(p.text)}  {changed}{gone}")
        lines.append(NOT_TRACKED)
        if self.error:
            lines.append(f"Note: {self.error}.")
        return "\n".join(lines)

    def shown(self, paths: list[Path]) -> str:
        return ", ".join(str(p.relative_to(self.cwd)) if p.is_relative_to(self.cwd) else str(p)
                         for p in paths)

    def _log(self, entry: dict) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with (self.folder / "index.jsonl").open("a", encoding="utf-8") as f:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError as err:  # a full disk or a bad home: the work goes on, saves in memory
            self._failed(err)

    def _failed(self, err: OSError) -> None:
        self.error = self.error or (f"the checkpoints in {self.folder} could not be written "
                                    f"({err.strerror or err}); they are kept for this run only")

    def _load(self) -> None:
        """The prompts and saves of an earlier run of this session, from the log."""
        for line in (self.folder / "index.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if "text" in entry:
                self.prompts.append(Prompt(entry["prompt"], entry["text"]))
                self.n = max(self.n, entry["prompt"])
            elif "save" in entry:
                self.saves.append(Save(entry["save"], Path(entry["path"]), entry["blob"]))
            elif "rewound" in entry:
                self.prompts = [p for p in self.prompts if p.number < entry["rewound"]]


def is_prompt(message: dict, text: str) -> bool:
    """A user message that is this prompt (notes may have appended reminders to it)."""
    content = message.get("content")
    return isinstance(content, str) and own_words(content) == own_words(text)


def quote(text: str) -> str:
    line = " ".join(text.split())
    return f'"{line[:50]}{"..." if len(line) > 50 else ""}"'


def bash_commands(messages: list[dict]) -> list[str]:
    """The Bash commands called in these messages, in order."""
    commands = []
    for m in messages:
        for c in m.get("tool_calls") or []:
            if c["function"]["name"] == "Bash":
                try:
                    commands.append(str(parse_arguments(c["function"]["arguments"]).get("command")))
                except BadArguments:
                    commands.append(c["function"]["arguments"])
    return [" ".join(c.split())[:60] for c in commands]


def rewind_command(session, rest: str) -> str:
    """/rewind for the REPL: no argument lists the prompts; `N [code|conversation|both]`
    rewinds. After the conversation goes back, the todo list is the one its history left, and
    the files read and the memory files of subfolders count as new (their text went with it).
    (Files the code rewind changed need no such care: Edit sees they changed on disk.)"""
    agent, checkpoints = session.agent, session.checkpoints
    words = rest.split()
    if not words:
        return checkpoints.menu(agent.messages)
    if not words[0].isdigit() or len(words) > 2 or (len(words) == 2 and words[1] not in WHATS):
        return "Use: /rewind N [code|conversation|both]; /rewind alone lists the prompts."
    code, conversation = WHATS[words[1] if len(words) == 2 else "both"]
    n_messages = len(agent.messages)
    text = checkpoints.rewind(int(words[0]), agent.messages, code, conversation)
    if len(agent.messages) < n_messages:  # the conversation went back
        agent.replace_history(list(agent.messages))
    return text
