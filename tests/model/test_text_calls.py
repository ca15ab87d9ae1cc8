"""Reading tool calls written as text: the shapes small models write, JSON repair, and prose
that must stay prose."""

import json

import pytest

from agent.model.text_calls import loads_lenient, looks_like_call, parse_calls
from agent.tools import default_tools

TOOLS = [t.schema() for t in default_tools()]
READ_A = [("Read", {"file_path": "a.txt"})]

# (reply text, expected calls as (name, arguments), expected text left over)
SHAPES = [
    # Qwen2.5-Coder 0.5B, measured: fenced JSON
    ('```json\n{"name": "Read", "arguments": {"file_path": "a.txt"}}\n```', READ_A, ""),
    ('I will read it.\n```json\n{"name": "Read", "arguments": {"file_path": "a.txt"}}\n```\nThen fix.',
     READ_A, "I will read it.\n\nThen fix."),
    ('```\n{"name": "Read", "arguments": {"file_path": "a.txt"}}\n```', READ_A, ""),
    ('```json\n{"name": "Read", "arguments": {"file_path": "a.txt"}}', READ_A, ""),  # unclosed fence
    # Hermes / Qwen <tool_call> tags, with and without the closing tag
    ('<tool_call>\n{"name": "Read", "arguments": {"file_path": "a.txt"}}\n</tool_call>', READ_A, ""),
    ('<tool_call>{"name": "Read", "arguments": {"file_path": "a.txt"}}', READ_A, ""),
    ('<tool_call>{"arguments": {"file_path": "a.txt"}, "name": "Read"}</tool_call>', READ_A, ""),
    # Qwen3-Coder's XML form; integer parameters become integers
    ("<tool_call>\n<function=Read>\n<parameter=file_path>\na.txt\n</parameter>\n"
     "<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>",
     [("Read", {"file_path": "a.txt", "limit": 20})], ""),
    ("<function=Bash>\n<parameter=command>\nls -la\n</parameter>\n</function>",
     [("Bash", {"command": "ls -la"})], ""),
    # bare JSON, "parameters" for "arguments", arguments as a JSON string, the OpenAI shape
    ('{"name": "Read", "arguments": {"file_path": "a.txt"}}', READ_A, ""),
    ('{"name": "Read", "parameters": {"file_path": "a.txt"}}', READ_A, ""),
    ('{"name": "Read", "arguments": "{\\"file_path\\": \\"a.txt\\"}"}', READ_A, ""),
    ('{"type": "function", "function": {"name": "Read", "arguments": {"file_path": "a.txt"}}}',
     READ_A, ""),
    ('{"arguments": {"file_path": "a.txt"}, "name": "Read"}', READ_A, ""),
    ('{"function": {"name": "Read", "arguments": {"file_path": "a.txt"}}}', READ_A, ""),
    ('{"name": "read", "arguments": {"file_path": "a.txt"}}', READ_A, ""),  # the tool's spelling
    # JSON repair: trailing text, bad escapes, a missing brace, trailing commas, Python dicts
    ('{"name": "Read", "arguments": {"file_path": "a.txt"}} Now I will look at it.', READ_A,
     "Now I will look at it."),
    ('{"name": "Grep", "arguments": {"pattern": "def \\w+\\_x"}}',
     [("Grep", {"pattern": "def \\w+\\_x"})], ""),
    ('{"name": "Read", "arguments": {"file_path": "C:\\dir\\build\\a.txt"}}',
     [("Read", {"file_path": "C:\\dir\\build\\a.txt"})], ""),
    ('{"name": "Read", "arguments": {"file_path": "a.txt"}', READ_A, ""),
    ('{"name": "Read", "arguments": {"file_path": "a.txt",},}', READ_A, ""),
    ("{'name': 'Read', 'arguments': {'file_path': 'a.txt'}}", READ_A, ""),
    ('{"name": "Write", "arguments": {"file_path": "a.py", "content": "x = 1\ny = 2\n"}}',
     [("Write", {"file_path": "a.py", "content": "x = 1\ny = 2\n"})], ""),
    # several calls: a list, two tags, two objects in one fence
    ('[{"name": "Read", "arguments": {"file_path": "a.txt"}}, '
     '{"name": "Glob", "arguments": {"pattern": "*.py"}}]',
     READ_A + [("Glob", {"pattern": "*.py"})], ""),
    ('<tool_call>{"name": "Read", "arguments": {"file_path": "a.txt"}}</tool_call>\n'
     '<tool_call>{"name": "Bash", "arguments": {"command": "ls"}}</tool_call>',
     READ_A + [("Bash", {"command": "ls"})], ""),
    ('```json\n{"name": "Read", "arguments": {"file_path": "a.txt"}}\n'
     '{"name": "Read", "arguments": {"file_path": "b.txt"}}\n```',
     READ_A + [("Read", {"file_path": "b.txt"})], ""),
    # unknown tools are ignored, known ones beside them are kept
    ('{"name": "read_file", "arguments": {"path": "a.txt"}}', [],
     '{"name": "read_file", "arguments": {"path": "a.txt"}}'),
    ('{"name": "read_file", "arguments": {}} {"name": "Read", "arguments": {"file_path": "a.txt"}}',
     READ_A, '{"name": "read_file", "arguments": {}}'),
    # prose and code are not calls
    ("The config is {\"name\": \"demo\", \"version\": 2}.", [],
     "The config is {\"name\": \"demo\", \"version\": 2}."),
    ('Call Read with {"file_path": "a.txt"} to see it.', [],
     'Call Read with {"file_path": "a.txt"} to see it.'),
    ('```python\nprint({"name": "Read"})\n```', [], '```python\nprint({"name": "Read"})\n```'),
    ('{"name": "Read"}', [], '{"name": "Read"}'),  # no arguments: not a call
    # a tool's definition, echoed back, is not a call
    ('{"type": "function", "function": {"name": "Read", "description": "Read a file.", '
     '"parameters": {"type": "object"}}}', [],
     '{"type": "function", "function": {"name": "Read", "description": "Read a file.", '
     '"parameters": {"type": "object"}}}'),
    ("Done: the tests pass.", [], "Done: the tests pass."),
]


@pytest.mark.parametrize("text,calls,rest", SHAPES)
def test_shapes_of_calls_written_as_text(text, calls, rest):
    parsed = parse_calls(text, TOOLS)
    assert [(c.name, json.loads(c.arguments)) for c in parsed.calls] == calls
    assert parsed.text == rest


def test_made_up_ids_are_unique():
    text = "\n".join('{"name": "Read", "arguments": {"file_path": "%d"}}' % i for i in range(5))
    ids = [c.id for c in parse_calls(text, TOOLS).calls]
    assert len(ids) == 5 and len(set(ids)) == 5 and all(i.startswith("call_") for i in ids)


@pytest.mark.parametrize("text,attempt", [
    ('<tool_call>{"name": "Read", "arguments": {"file_path": </tool_call>', True),
    ('<tool_call>{"name": "read_file", "arguments": {}}</tool_call>', True),  # unknown tool
    ("<function=Read>\n<parameter=file_path>", True),
    ('```json\n{"name": "Read", "arguments": {"file_path": "a.txt" "limit": 3}}\n```', True),
    ('{"name": "Read" "arguments": {"file_path": "a.txt"}}', True),  # a comma missing
    ('{"name": "open_file", "arguments": {"path": "a.txt"}}', True),
    ("Done. The function now returns the count.", False),
    ('```python\ndef f():\n    return {"name": 1}\n```', False),
    ('The package.json has {"name": "demo"}.', False),
])
def test_what_counts_as_a_failed_attempt(text, attempt):
    assert parse_calls(text, TOOLS).calls == ()
    assert looks_like_call(text, TOOLS) is attempt


@pytest.mark.parametrize("text,value", [
    ('{"a": 1} and more', {"a": 1}),
    ('{"a": "x\\_y"}', {"a": "x\\_y"}),
    ('{"a": "C:\\dir\\build\\fix"}', {"a": "C:\\dir\\build\\fix"}),  # \b, \f kept
    ('{"a": "line\nnext"}', {"a": "line\nnext"}),
    ('{"a": [1, 2,], }', {"a": [1, 2]}),
    ('{"a": {"b": 1}', {"a": {"b": 1}}),
    ("{'a': True, 'b': None}", {"a": True, "b": None}),
    ("[1, 2", [1, 2]),
])
def test_json_repair(text, value):
    assert loads_lenient(text)[0] == value


@pytest.mark.parametrize("text", ['{a: 1}', '{"a": "cut off', '{"a": 1]', "nothing", ""])
def test_json_that_is_not_repaired(text):
    assert loads_lenient(text) is None
