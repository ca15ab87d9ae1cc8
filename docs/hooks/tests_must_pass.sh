#!/bin/sh
# Stop hook: the agent may not stop while the tests fail. Exit 2 sends it back with the
# failures; stop_hook_active is true when it has been sent back already, and the harness
# also stops sending it back after three times in a row.
# TEST_COMMAND defaults to `python3 -m pytest -q -x`.
input=$(cat)
cd "${AGENT_PROJECT_DIR:-.}" || exit 0
if output=$(${TEST_COMMAND:-python3 -m pytest -q -x} 2>&1); then
    exit 0
fi
echo "The tests fail; fix them before you stop:" >&2
echo "$output" | tail -n 20 >&2
exit 2
