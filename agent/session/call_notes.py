"""Each model call's figures in the transcript, after the reply it made: for `agent trace`.

    {"type": "call", "n": 3, "model": ..., "prompt_tokens": ..., "cached_tokens": ...,
     "first_token_s": ..., "total_s": ..., "cost_usd": ..., "time": ...}

The Meter keeps a CallRecord per call in memory (agent/model/meter.py); this writes the
reply's own record as a line right after the reply, so the page of a session can chart what
each request cost. Loading a transcript skips these lines (agent/session/transcript.py).
Claude Code counterpart: the usage fields of each assistant line in its transcripts.
"""

from __future__ import annotations

import time
from dataclasses import asdict


class CallNotes:
    """On the on_message seam, after the transcript: when a reply was just appended, the line
    of figures of the model call that made it (the Meter's last record), once per record. A
    summary's call comes before the request it makes room for, so the last record is always
    the reply's own."""

    def __init__(self, transcript, meter):
        self.transcript, self.meter, self.noted = transcript, meter, 0

    def __call__(self, messages: list[dict]) -> None:
        records = self.meter.records
        if messages[-1].get("role") != "assistant" or len(records) <= self.noted:
            return
        self.noted = len(records)
        self.transcript.append({"type": "call", **asdict(records[-1]), "time": time.time()})
