"""Reference solution of exercises/02_call_log: every tool call, one CSV row."""

import csv
import json
from pathlib import Path

COLUMNS = ("tool", "arguments", "failed")


def register(session) -> None:
    path = Path(session.folder) / "tool-calls.csv"

    def log(event: dict) -> None:
        new = not path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            if new:
                writer.writerow(COLUMNS)
            failed = event["hook_event_name"] == "PostToolUseFailure"
            writer.writerow([event["tool_name"], json.dumps(event["tool_input"]),
                             "yes" if failed else "no"])

    session.add_hook("PostToolUse", log)
    session.add_hook("PostToolUseFailure", log)
