#!/bin/sh
# PreToolUse / PostToolUse hook for every tool: append each event, as one JSON line, to an
# audit log (default ~/.agent/audit.jsonl; set AUDIT_LOG to change it). Never blocks.
log="${AUDIT_LOG:-$HOME/.agent/audit.jsonl}"
mkdir -p "$(dirname "$log")"
{ tr -d '\n'; echo; } >> "$log"
