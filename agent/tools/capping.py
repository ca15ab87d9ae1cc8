"""Long output kept short: the start and the end, and a note that says what was cut.

    cap(text, limit)           a text of more than `limit` characters keeps its first two
                               thirds and its last third of `limit`; the middle becomes a note
    Capture(head, tail)        the bytes a process writes, read as they come, keeping only the
                               first `head` and the last `tail` of them: a runaway `yes` costs
                               no memory, and the pipe never fills (the writer never blocks)

The note says how much was cut and what to do to see it, so the model can ask again
("narrow the request", "redirect to a file and Grep it"). Tool results (Read, Grep, Bash),
hook output, compaction previews and summaries all cut here, in the same words.
Claude Code counterpart: the truncation of long tool results.
"""

from __future__ import annotations

from typing import BinaryIO


def cap(text: str, limit: int, hint: str = "narrow the request to see them") -> str:
    """Keep the head and the tail of a long text and say how much was cut from the middle."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    tail = limit - head
    cut = len(text) - head - tail
    return (f"{text[:head]}\n\n[... {cut:,} characters cut from the middle of "
            f"{len(text):,}; {hint} ...]\n\n{text[-tail:]}")


class Capture:
    """The bytes a stream writes, keeping only the first `head` and the last `tail` of them."""

    def __init__(self, head: int, tail: int = 0):
        self.keep_head, self.keep_tail, self.n_bytes = head, tail, 0
        self.head, self.tail = bytearray(), bytearray()

    def read_all(self, stream: BinaryIO) -> None:
        """Read until the end of the stream (run it in a thread of its own)."""
        with stream:
            while chunk := stream.read1(65536):
                self.n_bytes += len(chunk)
                room = self.keep_head - len(self.head)
                self.head += chunk[:max(room, 0)]
                if self.keep_tail:
                    self.tail += chunk[max(room, 0):]
                    del self.tail[:-self.keep_tail]

    @property
    def dropped(self) -> bool:
        """Some bytes were not kept."""
        return self.n_bytes > len(self.head) + len(self.tail)

    def text(self, limit: int | None = None, hint: str = "redirect to a file and Grep it to "
             "see more") -> str:
        """What was kept, as text, cut to `limit` characters (None: no limit), with a note
        where bytes were dropped."""
        if not self.dropped:
            whole = bytes(self.head + self.tail).decode("utf-8", "replace")
            return whole if limit is None else cap(whole, limit)
        n_head = len(self.head) if limit is None else limit * 2 // 3
        head = self.head.decode("utf-8", "replace")[:n_head]
        if not self.keep_tail:
            return (f"{head}\n\n[... output cut: {self.n_bytes:,} bytes in all, only the start "
                    f"is shown ...]")
        n_tail = len(self.tail) if limit is None else limit - n_head
        tail = self.tail.decode("utf-8", "replace")[-n_tail:] if n_tail else ""
        return (f"{head}\n\n[... output cut: {self.n_bytes:,} bytes in all, only the start and "
                f"the end are shown; {hint} ...]\n\n{tail}")
