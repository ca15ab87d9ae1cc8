"""Reference solution of exercises/08_call_tags: tool calls written as <call> tags in the text."""

import re
import uuid
from dataclasses import replace

from agent import ToolCall, Wrapper

TAG = re.compile(r'<call name="([^"]+)">(.*?)</call>', re.S)
FORMAT = ('To call a tool, write <call name="TOOL">{"argument": "value"}</call> in your '
          "answer, one tag per call, the arguments as a JSON object.")


class CallTags(Wrapper):
    def __init__(self, inner):
        self.inner = inner

    def complete(self, messages, tools, emit):
        system = {**messages[0], "content": f"{messages[0]['content']}\n\n{FORMAT}"}
        reply = self.inner.complete([system, *messages[1:]], tools, emit)
        if reply.tool_calls:
            return reply
        known, calls = {t["function"]["name"] for t in tools}, []

        def take(tag: re.Match) -> str:
            if tag[1] not in known:
                return tag[0]  # not a call of ours: the text stays as it was
            calls.append(ToolCall(f"call_{uuid.uuid4().hex[:12]}", tag[1], tag[2].strip()))
            return ""
        text = TAG.sub(take, reply.text)
        if not calls:
            return reply
        return replace(reply, text=text.strip(), tool_calls=tuple(calls),
                       finish_reason="tool_calls")


def register(session) -> None:
    session.add_model_layer("call_tags", CallTags)
