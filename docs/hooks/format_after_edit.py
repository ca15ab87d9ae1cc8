#!/usr/bin/env python3
"""PostToolUse hook for Edit|Write: tidy the file the agent just wrote.

Strips trailing whitespace and ends the file with one newline (swap in `black`, `ruff
format` or `prettier --write` for your project), then tells the model what it did.
"""
import json
import sys
from pathlib import Path

event = json.load(sys.stdin)
path = Path(event["tool_input"].get("file_path", ""))
if not path.is_file():
    sys.exit(0)
text = path.read_text()
tidy = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
if tidy != text:
    path.write_text(tidy)
    print(json.dumps({"hookSpecificOutput": {
        "hookEventName": "PostToolUse",
        "additionalContext": f"{path.name} was reformatted (trailing spaces removed); "
                             "Read it again before the next Edit."}}))
