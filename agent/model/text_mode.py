"""Text mode: tools for models and servers that take no `tools`, described in the prompt.

Some models have no tool template (Ollama answers `400 ... does not support tools`), and
some servers need a flag for tools (llama.cpp's `--jinja`, vLLM's `--tool-call-parser`).
Text mode sends no `tools`: it writes the tool list and the call format into the system
message and reads the calls back from the reply text (agent/model/text_calls.py).

Only the request is translated; the loop's history keeps the normal OpenAI shape, so a
session can switch modes in the middle, and the transcript reads the same either way:

    system                        system + the tool block (identical every turn)
    assistant with tool_calls  →  assistant text with one <tool_call> block per call
    tool                       →  user: "Result of Read (call_1):\\n..."
    consecutive user messages  →  one user message (some chat templates need alternation)

The tool block holds only what never changes within a session (names, descriptions, JSON
schemas, the format), so the prompt prefix stays byte-identical from turn to turn and a local
server's prompt cache keeps working (docs/04-context.md).
Simplified: no stop sequence at `</tool_call>`, so a model may keep writing after a call
(the text after it is kept as text). Not covered: images, content given as a list of parts.
Claude Code counterpart: none (its models always call tools natively).
"""

from __future__ import annotations

import json

from agent.model.types import BadArguments, parse_arguments

CALL_OPEN, CALL_CLOSE = "<tool_call>", "</tool_call>"


def to_text_request(messages: list[dict], tools: list[dict], example: bool = False) -> list[dict]:
    """The messages to send in text mode, for the same history that native mode sends
    (`example`: the tool block ends with a worked example)."""
    block = tool_block(tools, example)
    names: dict[str, str] = {}  # call id -> tool name, to label the results
    out: list[dict] = []
    for m in messages:
        if m["role"] == "system" and not out:
            m = {"role": "system", "content": f"{m['content']}\n\n{block}"}
        elif m["role"] == "assistant" and m.get("tool_calls"):
            calls = [c["function"] for c in m["tool_calls"]]
            names.update((c["id"], c["function"]["name"]) for c in m["tool_calls"])
            text = "\n".join([m.get("content") or ""] +
                             [format_call(c["name"], c["arguments"]) for c in calls])
            m = {"role": "assistant", "content": text.strip()}
        elif m["role"] == "tool":
            name = names.get(m["tool_call_id"], "a tool")
            m = {"role": "user", "content": format_result(name, m["tool_call_id"], m["content"])}
        if m["role"] == "user" and out and out[-1]["role"] == "user":
            out[-1] = {"role": "user", "content": f"{out[-1]['content']}\n\n{m['content']}"}
        else:
            out.append(m)
    if not out or out[0]["role"] != "system":
        out.insert(0, {"role": "system", "content": block})
    return out


def format_call(name: str, arguments: str) -> str:
    """One call in the text format: a <tool_call> block around {"name", "arguments"}."""
    try:
        args = parse_arguments(arguments)
    except BadArguments:
        args = arguments  # as the model sent it; the loop has already said it was bad
    body = json.dumps({"name": name, "arguments": args}, ensure_ascii=False)
    return f"{CALL_OPEN}\n{body}\n{CALL_CLOSE}"


def format_result(name: str, call_id: str, content: str) -> str:
    """One tool result, as the user message that carries it."""
    return f"Result of {name} ({call_id}):\n{content}"


def call_example(tools: list[dict]) -> str:
    """A call to the first tool with its first required parameter, as a format example."""
    function = tools[0]["function"]
    required = (function.get("parameters") or {}).get("required", [])[:1]
    return format_call(function["name"], json.dumps({p: "..." for p in required}))


def tool_block(tools: list[dict], example: bool = False) -> str:
    """The system-prompt section that describes the tools and how to call them. The same
    tools give the same text, byte for byte.

    The wording is that of the Hermes / Qwen2.5 chat templates, which many open models were
    trained on. Measured: with it, Qwen2.5-Coder 0.5B calls Read; with a plainer wording of the
    same facts it answered from imagination instead."""
    return "\n".join([
        "# Tools",
        "",
        "You may call one or more functions to assist with the user query.",
        "",
        "You are provided with function signatures within <tools></tools> XML tags:",
        "<tools>",
        *(json.dumps(tool, ensure_ascii=False) for tool in tools),
        "</tools>",
        "",
        "For each function call, return a json object with function name and arguments within"
        f" {CALL_OPEN}{CALL_CLOSE} XML tags:",
        CALL_OPEN,
        '{"name": <function-name>, "arguments": <args-json-object>}',
        CALL_CLOSE,
        *(worked_example(tools) if example else []),
    ])


def worked_example(tools: list[dict]) -> list[str]:
    """One exchange that shows a call, its result and the answer (the lean profile: a small
    model copies an example more readily than it follows a description)."""
    names = {t["function"]["name"] for t in tools}
    if "Read" not in names:
        return []
    return ["", "Example:", "User: What is the version in setup.cfg?", "Assistant:",
            format_call("Read", json.dumps({"file_path": "setup.cfg"})),
            "User: " + format_result("Read", "call_1", "1\t[metadata]\n2\tversion = 2.4.1"),
            "Assistant: The version in setup.cfg is 2.4.1."]


def correction(tools: list[dict]) -> str:
    """The user message sent after a reply whose tool call could not be read."""
    names = ", ".join(t["function"]["name"] for t in tools)
    return ("Your last reply tried to call a tool, but the call could not be read. To call a"
            " tool, write exactly this form, with the arguments as a JSON object (double quotes,"
            f" backslashes written as \\\\):\n\n{call_example(tools)}\n\nThe tools are: {names}.")
