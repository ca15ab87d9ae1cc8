"""The frontmatter subset: what command, skill and subagent files write in practice."""

import pytest

from agent.config.frontmatter import FrontmatterError, split


def fields(yaml: str) -> dict:
    found, body = split(f"---\n{yaml}\n---\nthe body\n")
    assert body == "the body\n"
    return found


@pytest.mark.parametrize("yaml, expected", [
    ("description: Review a PR", {"description": "Review a PR"}),
    ("description:   spaced out   ", {"description": "spaced out"}),
    ("description: Fix it # a comment", {"description": "Fix it"}),
    ("description: issue#12 stays", {"description": "issue#12 stays"}),
    ('description: "quoted: with a colon # not a comment"',
     {"description": "quoted: with a colon # not a comment"}),
    ('description: "tab\\tnew\\nline \\"q\\" \\u00e9"', {"description": 'tab\tnew\nline "q" é'}),
    ("description: 'it''s single' # comment", {"description": "it's single"}),
    ("description: 'back\\slash'", {"description": "back\\slash"}),
    ("enabled: true\ncount: 3\nnothing: null", {"enabled": "true", "count": "3", "nothing": "null"}),
    ("empty:", {"empty": ""}),
    ("model: claude-3-5-haiku-20241022", {"model": "claude-3-5-haiku-20241022"}),
    ("url: http://x.org/a:b", {"url": "http://x.org/a:b"}),
    ("# a comment line\n\ndescription: x\n  # indented comment", {"description": "x"}),
    ("argument-hint: [message]", {"argument-hint": ["message"]}),
    ("argument-hint: [pr-number] [priority] [assignee]",
     {"argument-hint": "[pr-number] [priority] [assignee]"}),
    ("tools: [Read, Grep, 'Bash(git log:*)', \"a, b\"]",
     {"tools": ["Read", "Grep", "Bash(git log:*)", "a, b"]}),
    ("tools: []", {"tools": []}),
    ("tools: [Read, Grep,]  # trailing comma", {"tools": ["Read", "Grep"]}),
    ("tools: [Read,\n  Grep]", {"tools": ["Read", "Grep"]}),
    ("tools:\n  - Read\n  - 'Bash(git add:*)'  # comment\n  # between\n  - Grep",
     {"tools": ["Read", "Bash(git add:*)", "Grep"]}),
    ("tools:\n- Read\n- Grep\nmodel: m", {"tools": ["Read", "Grep"], "model": "m"}),
    ("tools:\n  - a long\n    item", {"tools": ["a long item"]}),
    ("text: >\n  folded into\n  one line\n\n  a new paragraph\nnext: x",
     {"text": "folded into one line\na new paragraph\n", "next": "x"}),
    ("text: >-\n  no final\n  newline", {"text": "no final newline"}),
    ("text: |\n  line one\n    indented\n  line three", {"text": "line one\n  indented\nline three\n"}),
    ("text: |-\n  kept\n  # not a comment", {"text": "kept\n# not a comment"}),
    ("text: |+\n  kept\n\n\nnext: x", {"text": "kept\n\n\n", "next": "x"}),
    ("text: >2\n  indicator read and ignored", {"text": "indicator read and ignored\n"}),
    ("text: |", {"text": ""}),
    ("text: a plain scalar\n  that goes on", {"text": "a plain scalar that goes on"}),
    ("text:\n  starts on the next line\n  and goes on", {"text": "starts on the next line and goes on"}),
    ("a: 1\na: 2", {"a": "2"}),
    ("allowed-tools: Bash(git add:*), Bash(git status:*)",
     {"allowed-tools": "Bash(git add:*), Bash(git status:*)"}),
])
def test_the_subset(yaml, expected):
    assert fields(yaml) == expected


@pytest.mark.parametrize("yaml, problem", [
    ("outer:\n  inner: x", "nested mappings"),
    ("tools:\n  - name: Read", "lists of mappings"),
    ("tools:\n  - - a", "nested lists"),
    ("tools: [a, [b]]", "nested lists"),
    ("map: {a: 1}", "flow mappings"),
    ("base: &anchor x", "anchors"),
    ("other: *anchor", "aliases"),
    ("typed: !!str 3", "tags"),
    ('text: "not closed', "must end on its line"),
    ('text: "closed" trailing', "text after the closing quote"),
    ('text: "line one\n  line two"', "must end on its line"),
    ("tools: [a, b", "must end on its line with ]"),
    ('text: "bad \\q escape"', "unknown escape"),
    ("just words", "expected `key: value`"),
    ("  indented: first", "expected `key: value`"),
    ("tools:\n  - a\n oops", "expected a `- item`"),
])
def test_what_it_refuses_names_the_line(yaml, problem):
    with pytest.raises(FrontmatterError, match=problem) as caught:
        fields(yaml)
    assert str(caught.value).startswith("frontmatter line ")


def test_the_line_number_counts_from_the_opening_dashes():
    with pytest.raises(FrontmatterError, match="^frontmatter line 4: "):
        split("---\ndescription: x\n\nmap: {a: 1}\n---\n")


@pytest.mark.parametrize("text", [
    "no frontmatter at all\n",
    "---\ndescription: never closed\n",
    "\n---\ndescription: not on the first line\n---\n",
    "",
])
def test_without_frontmatter_the_whole_text_is_the_body(text):
    assert split(text) == ({}, text)


def test_closing_with_dots_crlf_and_a_byte_order_mark():
    assert split("\ufeff---\r\ndescription: x\r\n...\r\nbody\r\n") == ({"description": "x"}, "body\r\n")


def test_the_body_keeps_its_own_dashes():
    assert split("---\na: b\n---\none\n---\ntwo\n") == ({"a": "b"}, "one\n---\ntwo\n")
