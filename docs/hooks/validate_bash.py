#!/usr/bin/env python3
"""PreToolUse hook for Bash: refuse commands this project never wants, and say why.

Exit 2 blocks the call; what goes to stderr is what the model reads.
"""
import json
import re
import sys

RULES = [
    (r"\bgit\s+push\b.*(--force(?![-\w])|\s-f\b)", "force-push is not allowed; use --force-with-lease"),
    (r"\brm\s+-[a-zA-Z]*r[a-zA-Z]*f?\s+(/|~)", "recursive rm outside the project is not allowed"),
    (r"\bpip\s+install\b(?!.*-r\s)", "add the package to pyproject.toml instead of pip install"),
]

command = json.load(sys.stdin)["tool_input"].get("command", "")
for pattern, reason in RULES:
    if re.search(pattern, command):
        print(reason, file=sys.stderr)
        sys.exit(2)
