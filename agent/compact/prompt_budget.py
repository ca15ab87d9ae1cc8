"""A prompt too large for the window is never sent: it is filed away, and the model reads it.

    prompt ─► more than half of the history space?  no ─► sent as it is
                   │ yes
                   ▼
              saved in ~/.agent/sessions/<id>/prompts/prompt-<hash>.txt
                   │ saved                             │ could not be saved
                   ▼                                   ▼
              the model gets a short message:     the prompt is refused before anything
              the file, its size, its start and   is sent (stop reason "prompt_too_long",
              end, and "Read it in parts"         exit 1 in print mode): one line says why

The history space is what a request may carry past the system prompt and the tool schemas
(agent/compact/window.py); a prompt may take half of it, never less than 256 tokens, the
same half that compaction aims to leave free. A prompt larger than that could not be
compacted (a summary never shortens the user's own words) and would leave the model no room
to work, or would not fit at all: a server refuses it, and every retry sends it whole again.

`Session.run` (agent/session/session.py) files a prompt away before the loop sees it; the
same object, on the loop's on_prompt seam, refuses one that is still too large, so a prompt
that reaches the loop by another way is never sent either. Same prompt, same file (named by
its hash), like the tool results ResultBudget files away (agent/compact/ladder.py).
Not covered: the facts added to a prompt (date, git status, a hook's context) are small and
not counted; neither is the history, which the ladder compacts before each request.
Claude Code counterpart: none exact (it refuses a prompt that is too long after the server
says so); this is the rule of docs/15-compaction.md, "Prompts larger than the window".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from agent.compact.ladder import Ladder, fit
from agent.events import PromptFiled
from agent.loop.seams import StopTurn
from agent.tools.capping import cap

PROMPT_TOO_LONG = "prompt_too_long"
FLOOR = 256
"""The fewest tokens a prompt may always take, however small the window: a short question
is never filed away (if the window cannot take even that, the server says so)."""


class PromptBudget:
    """Files away a prompt over `limit()` tokens (`file_away`), and refuses one that is still
    over it when it arrives in the loop (`__call__`, on the on_prompt seam). `fixed()`: the
    tokens of the system prompt and the tool schemas, as the ladder counts them."""

    def __init__(self, ladder: Ladder, folder: Path, fixed: Callable[[], int],
                 emit: Callable[[object], None] = lambda e: None):
        self.ladder, self.folder, self.fixed, self.emit = ladder, folder, fixed, emit
        self._counted: tuple[str, int] = ("", 0)  # the last prompt counted (1 MB takes a while)
        self._unsaved: tuple[str, str] = ("", "")  # the last prompt that could not be saved, why

    def limit(self) -> int:
        """The most tokens a prompt may take: half of the history space, at least FLOOR."""
        return max(FLOOR, (self.ladder.window.limit - self.fixed()) // 2)

    def tokens(self, prompt: str) -> int:
        """The prompt's tokens, as the ladder counts them (the server's correction included)."""
        if self._counted[0] is not prompt:  # the very same string: file_away, then the seam
            n = round(self.ladder.counter.message({"role": "user", "content": prompt})
                      * self.ladder.correction)
            self._counted = (prompt, n)
        return self._counted[1]

    def file_away(self, prompt: str) -> str:
        """`prompt` when it fits; otherwise the message that names the file it was saved in.
        When it cannot be saved, `prompt` itself (the loop then refuses it: `__call__`)."""
        limit = self.limit()
        # no count needed when the characters are under the limit: a token is one or more
        if len(prompt) <= limit or (n := self.tokens(prompt)) <= limit:
            return prompt
        digest = hashlib.sha1(prompt.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        path = self.folder / f"prompt-{digest}.txt"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_text(prompt, encoding="utf-8", errors="surrogatepass")
        except OSError as e:
            self._unsaved = (prompt, f"it could not be saved to {path} ({e.strerror or e})")
            return prompt
        self.emit(PromptFiled(str(path), n, limit))
        window = self.ladder.window.size
        note = (f"[The user's prompt is {n:,} tokens ({len(prompt):,} characters, "
                f"{len(prompt.splitlines()):,} lines), more than the {limit:,} a prompt may take "
                f"in this {window:,}-token context window, so it was not sent. The whole of it is "
                f"saved in {path}: Read it in parts (offset and limit) or Grep it, then do what "
                "it asks. Its start and its end:]\n\n")
        preview = fit(lambda k: cap(prompt, k, "Read the file for the rest"), 4000,
                      limit // 2, self.ladder.counter)
        return note + preview

    def __call__(self, prompt: str) -> None:
        """On the on_prompt seam: refuse a prompt over the limit before anything is sent."""
        limit = self.limit()
        if len(prompt) <= limit or (n := self.tokens(prompt)) <= limit:
            return None
        why = self._unsaved[1] if self._unsaved[0] is prompt else "it was not saved to a file"
        raise StopTurn(PROMPT_TOO_LONG,
                       f"the prompt is {n:,} tokens, more than the {limit:,} a prompt may take in "
                       f"this {self.ladder.window.size:,}-token context window, and {why}; "
                       "nothing was sent. Shorten it, or save it to a file and ask about the file.")
