"""The loops that benchmarks/overhead.py sets beside ours, each run as a process of its own:

    python benchmarks/peers.py floor URL   the floor: the standard library alone (http.client,
                                           json, subprocess), streamed like ours, nothing else
    python benchmarks/peers.py sdk URL     the openai SDK as its docs show it: a loop around
                                           chat.completions.create(stream=True)
    python benchmarks/peers.py mini URL    mini-swe-agent (`pip install mini-swe-agent`): its
                                           DefaultAgent, LitellmModel and LocalEnvironment

Each asks the server at URL (the fake one of tests/openai_server.py, scripted by overhead.py)
for the next step, runs the Bash command it is given, appends the result and asks again,
until a reply has no tool call (mini-swe-agent: until the command prints its word for done,
COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT). Only the standard library is imported at the top, so
that this file also runs under another interpreter, the one a peer is installed in.
Claude Code counterpart: none; this is the benchmark's yardstick.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from urllib.parse import urlparse

SYSTEM = "You are a coding agent. Use the tools to answer."
PROMPT = "Run every step."
BASH = {"type": "function", "function": {
    "name": "Bash", "description": "Run a bash command.",
    "parameters": {"type": "object", "properties": {"command": {"type": "string"}},
                   "required": ["command"]}}}


def run_bash(command: str) -> str:
    done = subprocess.run(["bash", "-c", command], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return done.stdout.decode("utf-8", "replace")


def floor(url: str) -> None:
    """As little as the protocol allows: one kept connection, the body read whole and split
    into `data:` lines, the calls put together by index."""
    where = urlparse(url)
    connection = http.client.HTTPConnection(where.hostname, where.port)
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": PROMPT}]
    while True:
        body = json.dumps({"model": "m", "messages": messages, "tools": [BASH], "stream": True,
                           "stream_options": {"include_usage": True}})
        connection.request("POST", where.path + "/chat/completions", body,
                           {"Content-Type": "application/json"})
        text, calls = "", {}
        for line in connection.getresponse().read().splitlines():
            if not line.startswith(b"data: {"):
                continue
            for choice in json.loads(line[6:])["choices"]:
                text += choice["delta"].get("content") or ""
                for part in choice["delta"].get("tool_calls") or ():
                    call = calls.setdefault(part["index"], {"id": part.get("id"), "type": "function",
                                                            "function": {"name": "", "arguments": ""}})
                    call["function"]["name"] += part["function"].get("name") or ""
                    call["function"]["arguments"] += part["function"].get("arguments") or ""
        if not run_calls(messages, text, calls):
            return


def run_calls(messages: list[dict], text: str, calls: dict) -> bool:
    """Append the reply and one Bash result per call; False when the reply called nothing."""
    messages.append({"role": "assistant", "content": text,
                     **({"tool_calls": list(calls.values())} if calls else {})})
    for call in calls.values():
        command = json.loads(call["function"]["arguments"])["command"]
        messages.append({"role": "tool", "tool_call_id": call["id"], "content": run_bash(command)})
    return bool(calls)


def sdk(url: str) -> None:
    """The same loop on the openai SDK's `chat.completions.create`, its stream consumed."""
    from openai import OpenAI

    client = OpenAI(base_url=url, api_key="x", max_retries=0)
    messages: list[dict] = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": PROMPT}]
    while True:
        stream = client.chat.completions.create(model="m", messages=messages, tools=[BASH],
                                                stream=True, stream_options={"include_usage": True})
        text, calls = "", {}
        for chunk in stream:
            for choice in chunk.choices:
                text += choice.delta.content or ""
                for part in choice.delta.tool_calls or ():
                    call = calls.setdefault(part.index, {"id": part.id, "type": "function",
                                                         "function": {"name": part.function.name,
                                                                      "arguments": ""}})
                    call["function"]["arguments"] += part.function.arguments or ""
        if not run_calls(messages, text, calls):
            return


def mini(url: str) -> None:
    """mini-swe-agent's own loop, model and environment, pointed at the server through litellm."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no download of prices
    os.environ.setdefault("MSWEA_SILENT_STARTUP", "1")
    from minisweagent.agents.default import DefaultAgent
    from minisweagent.environments.local import LocalEnvironment
    from minisweagent.models.litellm_model import LitellmModel

    model = LitellmModel(model_name="openai/m", model_kwargs={"api_base": url, "api_key": "x"},
                         cost_tracking="ignore_errors")
    agent = DefaultAgent(model, LocalEnvironment(), system_template=SYSTEM,
                         instance_template="{{task}}", step_limit=0, cost_limit=0)
    agent.run(PROMPT)


LOOPS = {"floor": floor, "sdk": sdk, "mini": mini}

if __name__ == "__main__":
    LOOPS[sys.argv[1]](sys.argv[2])
