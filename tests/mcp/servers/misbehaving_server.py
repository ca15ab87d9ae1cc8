"""A hand-written MCP server over stdio that misbehaves on purpose, one way per mode.

    python misbehaving_server.py MODE [LOG]     LOG: a file where each message received is
                                                written, one JSON line each, for tests to read

    garbage   prints a line that is not JSON, then one that is not an object, before each answer
    crash     a tools/call makes it write to stderr and exit with code 3
    hang      never answers a tools/call
    changing  lists [alpha]; a call says notifications/tools/list_changed, then [alpha, beta]
    paged     lists five tools, two a page, by nextCursor
    asks      before answering a call: a log message, then a ping and a roots/list request of
              its own; the answer is what the client said to them
    huge      answers a call with a line of 11 MB
    lying     lists tools whose schemas and descriptions are not what the protocol says

No SDK: the protocol as plain lines, what the client must cope with when a server is wrong.
"""

import json
import sys

MODE = sys.argv[1]
LOG = sys.argv[2] if len(sys.argv) > 2 else None


def send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def tool(name: str) -> dict:
    return {"name": name, "description": f"the {name} tool", "inputSchema": {"type": "object"}}


def listing(cursor: str | None) -> dict:
    if MODE == "paged":
        names = ["t1", "t2", "t3", "t4", "t5"]
        start = int(cursor or 0)
        page = {"tools": [tool(n) for n in names[start:start + 2]]}
        if start + 2 < len(names):
            page["nextCursor"] = str(start + 2)
        return page
    if MODE == "lying":
        return {"tools": [{"name": "text_schema", "inputSchema": "whatever you like"},
                          {"name": "list_props", "description": 42,
                           "inputSchema": {"type": "object", "properties": [1, 2]}},
                          {"name": "array", "inputSchema": {"type": "array"}},
                          {"name": "required_bad", "inputSchema": {"type": "object",
                                                                   "required": "x"}},
                          tool("alpha")]}
    return {"tools": [tool("alpha")] + ([tool("beta")] if changed else [])}


changed = False
asked: dict = {}  # our own requests' ids -> the call waiting for their answers
for line in sys.stdin:
    message = json.loads(line)
    if LOG:
        with open(LOG, "a") as log:
            log.write(json.dumps(message) + "\n")
    method, rid = message.get("method"), message.get("id")
    if method is None:  # an answer to our own request
        call = asked.pop(rid)
        call["answers"].append(message)
        if len(call["answers"]) == 2:
            send({"jsonrpc": "2.0", "id": call["id"], "result": {
                "content": [{"type": "text", "text": json.dumps(call["answers"])}]}})
        continue
    if rid is None:  # a notification: initialized, cancelled
        continue
    if MODE == "garbage":
        print("this is not JSON", flush=True)
        print("[1, 2, 3]", flush=True)
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": rid, "result": {
            "protocolVersion": message["params"]["protocolVersion"],
            "capabilities": {"tools": {"listChanged": True}},
            "serverInfo": {"name": f"misbehaving-{MODE}", "version": "0"}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": rid, "result": listing(message["params"].get("cursor"))})
    elif method == "tools/call":
        if MODE == "crash":
            print("fatal: the tool crashed", file=sys.stderr, flush=True)
            sys.exit(3)
        if MODE == "hang":
            continue
        if MODE == "huge":
            send({"jsonrpc": "2.0", "id": rid, "result": {
                "content": [{"type": "text", "text": "x" * (11 * 2**20)}]}})
            continue
        if MODE == "asks":
            send({"jsonrpc": "2.0", "method": "notifications/message",
                  "params": {"level": "info", "data": "working on it"}})
            call = {"id": rid, "answers": []}
            asked.update({"s1": call, "s2": call})
            send({"jsonrpc": "2.0", "id": "s1", "method": "ping"})
            send({"jsonrpc": "2.0", "id": "s2", "method": "roots/list"})
            continue
        if MODE == "changing" and message["params"]["name"] == "change":
            changed = True
            send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
        send({"jsonrpc": "2.0", "id": rid, "result": {
            "content": [{"type": "text", "text": f"called {message['params']['name']}"}]}})
    else:
        send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "no such method"}})
