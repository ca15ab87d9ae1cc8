"""Thinking written into the content as `<think>...</think>`, split from the answer as it streams.

Reasoning models think before they answer. Servers that parse the thinking send it in a field
of its own (`reasoning_content` or `reasoning`, read in agent.model.stream). Servers that do not
leave it in the content, between tags:

    <think>The test splits on one space only ...</think>\\n\\nThe fix is `text.split()`.

And when the chat template itself writes the opening `<think>` into the prompt (Qwen3 and
the DeepSeek-R1 distills do), the content carries only the closing tag:

    The test splits on one space only ...</think>\\n\\nThe fix is `text.split()`.

`ThinkSplitter` takes the content piece by piece and says which part is thinking and which is
the answer, holding back only the few characters that may be a tag cut in two by the stream
("...</thi" + "nk>..."). A lone closing tag can only be recognised when it arrives: by then
the thinking before it has been shown as answer text. The `Reply` is still right (that text
moves to the reasoning), `lone_close` says it happened, and the client then starts that
model's later replies inside the thinking (`opened=True`), so they are shown dimmed at once.

Simplified: thinking opens only at the start of the content (after whitespace); everything
after the first `</think>` is answer, tags or not. An implied opening (`opened=True`) that is
never closed is taken for an answer, not for thinking: losing an answer is worse than
showing one dimmed.
Claude Code counterpart: thinking blocks, which the Anthropic API sends apart from the text.
"""

from __future__ import annotations

OPEN, CLOSE = "<think>", "</think>"
START, OPENED, THINKING, ANSWER, CLOSED, REST = (
    "start", "opened", "thinking", "answer", "closed", "rest")


class ThinkSplitter:
    """Splits streamed content into (is_reasoning, text) parts; the totals are kept too."""

    def __init__(self, opened: bool = False) -> None:
        self.opened = opened  # the template opened the thinking: the reply starts inside it
        self.state = START
        self.explicit = False  # a <think> tag in the content opened the thinking
        self.lone_close = False  # a </think> that no tag in the content opened
        self.held = ""  # not classified yet: whitespace at the start, or a tag's first letters
        self.reasoning: list[str] = []
        self.text: list[str] = []

    def feed(self, piece: str) -> list[tuple[bool, str]]:
        """The parts of `piece` (and of what was held back) that can be shown now, in order."""
        self.held += piece
        parts: list[tuple[bool, str]] = []
        while self.held:
            if self.state == START:
                stripped = self.held.lstrip()
                if stripped.startswith(OPEN):
                    self.held, self.state, self.explicit = stripped[len(OPEN):], OPENED, True
                elif not stripped or OPEN.startswith(stripped):
                    break  # only whitespace, or "<thi": wait for the next piece
                else:
                    self.state = THINKING if self.opened else ANSWER
            elif self.state in (THINKING, ANSWER):
                end = self.held.find(CLOSE)
                if end < 0:
                    keep = _tag_start(self.held, CLOSE)
                    self._take(parts, self.state == THINKING, len(self.held) - keep)
                    break
                if self.state == ANSWER:  # a lone </think>: what looked like answer was thinking
                    self.lone_close = True
                    self.reasoning += self.text
                    self.text = []
                self._take(parts, True, end)
                self.held, self.state = self.held[len(CLOSE):], CLOSED
            elif self.state in (OPENED, CLOSED):  # the blank lines after a tag are not shown
                self.held = self.held.lstrip()
                if self.held:
                    self.state = THINKING if self.state == OPENED else REST
            else:
                self._take(parts, False, len(self.held))
        return parts

    def finish(self) -> list[tuple[bool, str]]:
        """The end of the content: whatever was held back, classified."""
        thinking = self.state == THINKING
        if thinking and not self.explicit:  # an implied opening never closed: it was an answer
            self.text, self.reasoning, thinking = self.reasoning, [], False
        parts: list[tuple[bool, str]] = []
        if self.held.strip() or (self.held and self.state in (ANSWER, REST)):
            self._take(parts, thinking, len(self.held))
        self.held = ""
        return parts

    @property
    def answer(self) -> str:
        return "".join(self.text)

    @property
    def thinking(self) -> str:
        return "".join(self.reasoning).strip()

    def _take(self, parts: list[tuple[bool, str]], is_reasoning: bool, n: int) -> None:
        piece, self.held = self.held[:n], self.held[n:]
        if piece:
            (self.reasoning if is_reasoning else self.text).append(piece)
            parts.append((is_reasoning, piece))


def split(content: str, opened: bool = False) -> tuple[str, str]:
    """(thinking, answer) of a whole content string."""
    splitter = ThinkSplitter(opened)
    splitter.feed(content)
    splitter.finish()
    return splitter.thinking, splitter.answer


def _tag_start(text: str, tag: str) -> int:
    """How many characters at the end of `text` could be the beginning of `tag`."""
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:n]):
            return n
    return 0
