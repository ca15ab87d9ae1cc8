"""Reading tool calls that a model wrote as text, in `content` instead of `tool_calls`.

Small local models often know they should call a tool but write the call as text, and a
server's parser misses it. These are the shapes read here, in this order:

    <tool_call>{"name": "Read", "arguments": {...}}</tool_call>     Hermes, Qwen2.5 and later
    <function=Read><parameter=file_path>a.txt</parameter></function>  Qwen3-Coder
    ```json\n{"name": "Read", "arguments": {...}}\n```               Qwen2.5-Coder 0.5B/1.5B
    {"name": "Read", "arguments": {...}}                             bare JSON in the text

A call object may say "parameters" instead of "arguments", give the arguments as a JSON
string, be wrapped as {"function": {...}}, or come in a list. It is a call only when its
name is one of the tools offered (`read` counts as `Read`) and it has arguments, so prose
that shows some JSON is left alone. `looks_like_call` says when a reply tried to call a
tool and failed (the repair ladder in agent/model/tool_repair.py then asks again).

JSON repair (`loads_lenient`), tried only when the strict parse fails, in this order:
- text after the value (`{...} I will now read the file`): ignored;
- raw newlines and tabs inside strings: accepted;
- missing closing brackets at the very end: added;
- invalid escapes (`\\_`, `\\d`, `C:\\dir`): the backslash is kept, as Python does;
- trailing commas before `}` or `]`: removed;
- single quotes, True/False/None (a Python dict): read with `ast.literal_eval`.
Not repaired: unquoted keys, comments, a string cut off in the middle, and escapes that are
valid but meant literally (`"C:\\new"` reads as a newline). A value the repairs cannot read
stays text.
Claude Code counterpart: none (its models always call tools natively).
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from dataclasses import dataclass

from agent.model.types import ToolCall

_DECODER = json.JSONDecoder(strict=False)  # strict=False: raw newlines inside strings
_TAG = re.compile(r"<tool_call>(.*?)(?:</tool_call>|(?=<tool_call>)|\Z)", re.S)
_FUNCTION = re.compile(r"<function=([\w.-]+)>(.*?)</function>", re.S)  # cut off: no call
_PARAMETER = re.compile(r"<parameter=([\w.-]+)>(.*?)(?:</parameter>|(?=<parameter=)|\Z)", re.S)
_FENCE = re.compile(r"```[ \t]*[\w-]*[ \t]*\n(.*?)(?:```|\Z)", re.S)
# Where a call object (or a list of them) may start: `{"name":`, `[{'type':`, ...
_CALL_START = re.compile(r"(?:\[\s*)?\{\s*[\"']?\w+[\"']?\s*:")
_VALID_ESCAPE = re.compile(r'\\(["\\/nrt]|u[0-9a-fA-F]{4})|\\')
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


@dataclass(frozen=True)
class Parsed:
    """The calls found in a reply's text, and the text without them."""

    calls: tuple[ToolCall, ...]
    text: str


def parse_calls(text: str, tools: list[dict]) -> Parsed:
    """Find the calls of known tools in `text`, in the order they appear."""
    schemas = _schemas(tools)
    found: list[tuple[int, list[tuple[str, dict]]]] = []
    masked = text  # matched spans become NULs: positions stay valid, later passes skip them

    def take(start: int, end: int, calls: list[tuple[str, dict]]) -> None:
        nonlocal masked
        found.append((start, calls))
        masked = masked[:start] + "\0" * (end - start) + masked[end:]

    for m in _TAG.finditer(masked):
        body = m.group(1)
        calls = _function_calls(body, schemas) if "<function=" in body else \
            _value_calls(body, schemas)
        if calls:
            take(m.start(), m.end(), calls)
    for m in _FUNCTION.finditer(masked):
        calls = _function_calls(m.group(0), schemas)
        if calls:
            take(m.start(), m.end(), calls)
    for m in _FENCE.finditer(masked):
        calls = [c for _, _, group in _json_calls(m.group(1), schemas) for c in group]
        if calls:
            take(m.start(), m.end(), calls)
    for start, end, calls in _json_calls(masked, schemas):
        take(start, end, calls)
    ordered = [call for _, calls in sorted(found, key=lambda f: f[0]) for call in calls]
    made = tuple(ToolCall(f"call_{uuid.uuid4().hex[:12]}", name,
                          json.dumps(args, ensure_ascii=False)) for name, args in ordered)
    rest = re.sub(r"```[\w-]*\s*```", "", masked.replace("\0", ""))  # fences left empty
    return Parsed(made, re.sub(r"\n{3,}", "\n\n", rest).strip())


def looks_like_call(text: str, tools: list[dict]) -> bool:
    """Did this text try to call a tool? A tool-call tag, a known tool's name as a "name"
    value, or an object with both "name" and "arguments" keys. Code fences alone do not
    count: a final answer is often full of them."""
    if "<tool_call>" in text or "<function=" in text:
        return True
    names = "|".join(re.escape(n) for n in _schemas(tools))
    if names and re.search(rf"[\"']name[\"']\s*:\s*[\"'](?:{names})[\"']", text, re.I):
        return True
    return bool(re.search(r"[\"']name[\"']\s*:", text)
                and re.search(r"[\"'](?:arguments|parameters)[\"']\s*:", text))


def loads_lenient(text: str, start: int = 0) -> tuple[object, int] | None:
    """The JSON value that starts at `text[start]` and where it ends, repaired if need be
    (see the module docstring); None when it cannot be read."""
    try:
        return _DECODER.raw_decode(text, start)
    except json.JSONDecodeError:
        pass
    end, closers = _extent(text, start)
    if end is None:
        return None
    chunk = text[start:end] + closers
    for fix in (_fix_escapes, lambda s: _TRAILING_COMMA.sub(r"\1", s)):
        chunk = fix(chunk)
        try:
            return _DECODER.decode(chunk), end
        except json.JSONDecodeError:
            pass
    try:
        value = ast.literal_eval(chunk)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return (value, end) if isinstance(value, (dict, list)) else None


def _schemas(tools: list[dict]) -> dict[str, dict]:
    """Tool name -> its parameters schema, from the OpenAI `tools` list."""
    return {t["function"]["name"]: t["function"].get("parameters") or {} for t in tools}


def _json_calls(text: str, schemas: dict) -> list[tuple[int, int, list[tuple[str, dict]]]]:
    """(start, end, calls) of each call object, or list of them, in text."""
    found, pos = [], 0
    while m := _CALL_START.search(text, pos):
        decoded = loads_lenient(text, m.start())
        calls = _as_calls(decoded[0], schemas) if decoded else None
        if calls:
            found.append((m.start(), decoded[1], calls))
            pos = decoded[1]
        else:
            pos = m.start() + 1
    return found


def _value_calls(body: str, schemas: dict) -> list[tuple[str, dict]] | None:
    """The calls in the body of a <tool_call> tag: one JSON value, any key order."""
    start = min((i for i in (body.find("{"), body.find("[")) if i >= 0), default=-1)
    decoded = loads_lenient(body, start) if start >= 0 else None
    return _as_calls(decoded[0], schemas) if decoded else None


def _as_calls(value: object, schemas: dict) -> list[tuple[str, dict]] | None:
    """A decoded call object, or a list of them, as (name, arguments); None if any is not one."""
    items = value if isinstance(value, list) else [value]
    calls = [_as_call(item, schemas) for item in items]
    return calls if calls and all(calls) else None


def _as_call(obj: object, schemas: dict) -> tuple[str, dict] | None:
    if isinstance(obj, dict) and isinstance(obj.get("function"), dict):
        obj = obj["function"]  # the OpenAI shape: {"type": "function", "function": {...}}
    if not isinstance(obj, dict) or "description" in obj:  # a tool's definition, echoed
        return None
    name = _known(obj.get("name"), schemas)
    if name is None:
        return None
    args = obj.get("arguments", obj.get("parameters"))
    if isinstance(args, str):  # arguments given as a JSON string, as the API itself does
        decoded = loads_lenient(args.strip())
        args = decoded[0] if decoded else None
    return (name, args) if isinstance(args, dict) else None


def _known(name: object, schemas: dict) -> str | None:
    """The tool's own spelling of `name` ("read" -> "Read"), or None for no such tool."""
    by_lower = {n.lower(): n for n in schemas}
    return by_lower.get(name.lower()) if isinstance(name, str) else None


def _function_calls(text: str, schemas: dict) -> list[tuple[str, dict]] | None:
    """Qwen3-Coder's form: <function=Name><parameter=p>value</parameter>...</function>."""
    calls = []
    for m in _FUNCTION.finditer(text):
        name = _known(m.group(1), schemas)
        if name is None:
            return None
        properties = schemas[name].get("properties", {})
        args = {}
        for p in _PARAMETER.finditer(m.group(2)):
            value = p.group(2).removeprefix("\n").removesuffix("\n")
            if properties.get(p.group(1), {}).get("type", "string") != "string":
                decoded = loads_lenient(value.strip()) if value.strip()[:1] in "[{" else None
                value = decoded[0] if decoded else _scalar(value.strip())
            args[p.group(1)] = value
        calls.append((name, args))
    return calls or None


def _scalar(text: str) -> object:
    """A number or boolean written as text ("20", "true"); other text stays a string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _fix_escapes(text: str) -> str:
    # Keep \" \\ \/ \n \r \t \uXXXX; double any other backslash. \b and \f are doubled too:
    # in a broken call they are far more often a path (C:\build) than a backspace.
    return _VALID_ESCAPE.sub(lambda m: m.group(0) if m.group(1) else "\\\\", text)


def _extent(text: str, start: int) -> tuple[int | None, str]:
    """Where the bracketed value at `start` ends, and the closers it lacks if the text ends
    first. Strings in either quote are skipped. (None, "") for a mismatched bracket or a
    string cut off."""
    stack: list[str] = []
    quote = None
    i = start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if not stack or stack.pop() != ch:
                return None, ""
            if not stack:
                return i + 1, ""
        i += 1
    if quote or not stack:
        return None, ""
    return len(text), "".join(reversed(stack))
