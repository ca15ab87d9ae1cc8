"""Protocol invariants that every test of the loop checks: every tool call is answered by
exactly one tool result, in order, before anything else (agent/loop/turn.py)."""


def assert_paired(messages: list[dict]) -> None:
    """Every assistant tool call is answered by exactly one tool message, in the order of the
    calls, before anything else; no tool message answers nothing."""
    i = 0
    while i < len(messages):
        message = messages[i]
        i += 1
        assert message["role"] != "tool", f"message {i - 1} is a tool result that answers no call"
        for tool_call in message.get("tool_calls") or []:
            assert i < len(messages), f"call {tool_call['id']} has no result"
            answer = messages[i]
            assert answer["role"] == "tool", f"call {tool_call['id']} is followed by {answer['role']}"
            assert answer["tool_call_id"] == tool_call["id"], (
                f"result {i} answers {answer['tool_call_id']}, expected {tool_call['id']}")
            assert isinstance(answer["content"], str)
            i += 1
