"""The agent loop: ask the model, run the tools it calls, append the results, repeat.

    messages += user prompt
    loop:
        compact(messages)                     # keep the history inside the context window
        reply = model(messages, tools)        # text and/or tool calls
        messages += reply
        if no tool calls: the turn is over    (unless a stop check sends it back)
        for each call: messages += exactly one tool result   (reads side by side, in order)

That is the whole idea. The rest of this file keeps one invariant under every failure:
every tool call in an assistant message is answered by exactly one tool message, in the
order of the calls, before anything else is appended. Malformed arguments, an unknown tool,
a refused permission, a tool that raises, the user pressing Ctrl-C: each becomes that one
result, so the history stays valid for the next request and on disk.

The loop never prints; it reports through `emit` (see agent.events). Everything else
attaches at its seams (agent/loop/seams.py): `authorize` judges each call before it runs,
the `compactor` fits the history to the window before each request (and gets one chance to
shorten it when the server says it is too long), and five lists of functions run at named
moments: on_prompt, after_tool, on_stop, on_message, on_history_replaced.
Claude Code counterpart: the query loop behind each prompt.
"""

from __future__ import annotations

from collections.abc import Callable

from agent.events import AssistantMessage, ToolEnd, ToolFinished, ToolStart, TurnEnd
from agent.loop import side_by_side
from agent.loop.seams import Authorize, Compactor, KeepAll, Seam, StopTurn, allow_all
from agent.model.errors import ContextOverflow
from agent.model.reminders import remind
from agent.model.types import (BadArguments, Emit, Model, ModelError, Reply, ToolCall, Usage,
                               parse_arguments)
from agent.tools import Tool, ToolContext, ToolError
from agent.tools.tool import os_error_text

# Why a turn ended. Plain strings, so they serialize as they are.
END_TURN, MAX_TURNS, INTERRUPTED, ERROR = "end_turn", "max_turns", "interrupted", "error"
MAX_TOKENS = "max_tokens"  # the answer was cut at the server's output limit, even after going on

# A reply cut at the output limit (finish_reason "length") with no tool call is asked to go on
# this many times; its pieces make one answer. A cut tool call is not: its arguments are
# broken JSON, and the model gets that as the call's result.
CONTINUATIONS = 2
GO_ON = ("Your reply was cut off at the output limit. Continue exactly where it stopped, "
         "without repeating anything.")

def ignore(event: object) -> None:
    pass


def check_arguments(tool: Tool, args: dict) -> str | None:
    """Name what is missing or unknown in the arguments, before the tool sees them."""
    properties = tool.parameters.get("properties", {})
    missing = [k for k in tool.parameters.get("required", []) if k not in args]
    unknown = [k for k in args if k not in properties]
    if missing or unknown:
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + \
                   ([f"unknown {', '.join(unknown)}"] if unknown else [])
        return (f"bad arguments for {tool.name}: {'; '.join(problems)}. "
                f"It takes: {', '.join(properties)}.")
    return None


class Agent:
    """One conversation: the model, the tools, and the message history they share."""

    def __init__(self, model: Model, tools: list[Tool], system: str, ctx: ToolContext,
                 authorize: Authorize = allow_all, emit: Emit = ignore, max_turns: int = 50,
                 compactor: Compactor | None = None):
        self.model, self.ctx, self.authorize, self.emit = model, ctx, authorize, emit
        self.compactor = compactor or KeepAll()
        self.max_turns = max_turns
        self.on_prompt, self.after_tool = Seam("on_prompt"), Seam("after_tool")
        self.on_stop, self.on_message = Seam("on_stop"), Seam("on_message")
        self.on_history_replaced = Seam("on_history_replaced")
        self.tools: dict[str, Tool] = {}
        self.schemas: list[dict] = []  # built once per tool: the same bytes every request
        for tool in tools:
            self.add_tool(tool)
        self.messages: list[dict] = [{"role": "system", "content": system}]
        self.usage = Usage()

    def add_tool(self, tool: Tool) -> None:
        """Offer one more tool to the model (after the others: the prompt prefix holds)."""
        if tool.name in self.tools:
            raise ValueError(f"there is a tool named {tool.name} already")
        self.tools[tool.name] = tool
        self.schemas.append(tool.schema())

    def run(self, prompt: str) -> TurnEnd:
        """Answer one user prompt, calling tools until the model stops asking for them."""
        try:
            facts = [text for note in self.on_prompt if (text := note(prompt))]
        except StopTurn as stop:  # the prompt is dropped: nothing was appended
            return self._end(stop.reason, str(stop), 0)
        if facts:
            prompt = remind(prompt, facts)
        self._add({"role": "user", "content": prompt})
        reply_text, n, sent_back, cut = "", 0, False, []
        while n < self.max_turns:
            try:
                reply = self.ask_model()
            except ModelError as e:
                return self._end(ERROR, str(e), n)
            except KeyboardInterrupt:
                return self._end(INTERRUPTED, "", n)
            n += 1
            self._append_reply(reply)
            reply_text = "".join(cut) + reply.text
            if reply.finish_reason == "length" and not reply.tool_calls:
                cut.append(reply.text)
                if len(cut) > CONTINUATIONS:
                    return self._end(MAX_TOKENS, reply_text, n)
                self._add({"role": "user", "content": remind("", [GO_ON])})
                continue
            cut.clear()
            if not reply.tool_calls:
                more = self.check_stop(reply_text, sent_back)
                if more is None:
                    return self._end(END_TURN, reply_text, n)
                self._add({"role": "user", "content": more})  # sent back to work
                sent_back = True
                continue
            stop = self.run_tools(reply.tool_calls)
            if stop:
                return self._end(*stop, n)
        return self._end(MAX_TURNS, reply_text, n)

    def check_stop(self, text: str, sent_back: bool) -> str | None:
        """The first stop check's message to carry on with, or None to let the turn end."""
        for check in self.on_stop:
            more = check(text, sent_back)
            if more:
                return more
        return None

    def ask_model(self) -> Reply:
        """One request, with the history fitted to the window first; when the server still
        says it is too long, the compactor gets one chance to shorten it, and we ask again."""
        self.compactor.before_request(self.messages, self.schemas)
        try:
            reply = self.model.complete(self.messages, self.schemas, self.emit)
        except ContextOverflow:
            if not self.compactor.overflowed(self.messages, self.schemas):
                raise
            reply = self.model.complete(self.messages, self.schemas, self.emit)
        self.compactor.after_reply(reply)
        return reply

    def run_tools(self, calls: tuple[ToolCall, ...]) -> tuple[str, str] | None:
        """Append one result per call, in order. (stop reason, text) when the turn must end.
        Calls that only read, next to each other, run side by side (agent/loop/side_by_side.py)."""
        answered = 0
        try:
            for group in side_by_side.groups(calls, self.tools):
                outcomes, stop = self.run_group(group)  # a stop while judging: the last one's
                for i, (call, (result, is_error)) in enumerate(zip(group, outcomes)):
                    try:
                        for guard in () if stop and i == len(outcomes) - 1 else self.after_tool:
                            result = guard(call, result, is_error)
                    except StopTurn as err:
                        stop, result, is_error = err, f"{result}\n\n{err}", True
                        outcomes = outcomes[:i + 1]
                    self._append_result(call, result, is_error)
                    answered += 1
                    if stop and i == len(outcomes) - 1:
                        self._answer_rest(calls[answered:],
                                          f"Not run: the turn was stopped ({stop.reason}).")
                        return stop.reason, str(stop)
        except KeyboardInterrupt as stop:  # Ctrl-C, or a stop signal that says why
            # subtle: the calls not yet answered still need their one result each.
            self._answer_rest(calls[answered:], str(stop) or
                              "Interrupted by the user before this finished.")
            return INTERRUPTED, ""
        return None

    def run_group(self, group: tuple[ToolCall, ...]) -> tuple[list[tuple[str, bool]], StopTurn | None]:
        """Judge each call in order, then run them: side by side when there are several. A
        StopTurn while judging runs those judged before; the one it stopped gets it as result."""
        jobs, stop = [], None
        for call in group:
            self.emit(ToolStart(call))
            try:
                jobs.append(self.judge(call))
            except StopTurn as err:
                stop, text = err, f"Not run: {err}"
                jobs.append(lambda: (text, True))
                break
        if len(jobs) == 1:
            return [jobs[0]()], stop
        return side_by_side.run(jobs, lambda i, outcome, seconds: self.emit(
            ToolFinished(group[i], outcome[1], seconds)), self.ctx), stop

    def _answer_rest(self, calls: tuple[ToolCall, ...], text: str) -> None:
        for call in calls:
            self._append_result(call, text, True)

    def judge(self, call: ToolCall) -> Callable[[], tuple[str, bool]]:
        """What running this call comes to: the tool with the arguments `authorize` allowed, or
        at once the error the model reads (an unknown tool, bad arguments, a refusal)."""
        tool = self.tools.get(call.name)
        if tool is None:
            return lambda: ((f"Error: there is no tool named {call.name!r}. "
                             f"Available tools: {', '.join(self.tools)}."), True)
        try:
            args = parse_arguments(call.arguments)
        except BadArguments as e:
            error = f"Error: the arguments for {call.name} {e}"
            return lambda: (error, True)
        problem = check_arguments(tool, args)
        if problem:
            return lambda: (f"Error: {problem}", True)
        verdict = self.authorize(tool, args, call)
        if not verdict.allowed:
            return lambda: (verdict.refusal, True)
        return lambda: self.execute(tool, verdict.args, call)

    def execute(self, tool: Tool, args: dict, call: ToolCall) -> tuple[str, bool]:
        """The tool's own work; every failure the model can act on becomes (message, True)."""
        try:
            return tool.run(args, self.ctx), False
        except ToolError as e:
            return f"Error: {e}", True
        except OSError as e:  # the machine said no (a locked folder, a full disk): not a bug
            return f"Error: {call.name}: {os_error_text(e)}", True
        except Exception as e:  # the one conversion point: a tool bug must not break the pairing
            return f"Error: {call.name} failed unexpectedly ({type(e).__name__}: {e}).", True

    def _append_reply(self, reply) -> None:
        self._add(reply.to_message())
        if reply.usage:
            self.usage += reply.usage
        self.emit(AssistantMessage(self.messages[-1], reply.usage))

    def _append_result(self, call: ToolCall, content: str, is_error: bool) -> None:
        self._add({"role": "tool", "tool_call_id": call.id, "content": content})
        self.emit(ToolEnd(call, self.messages[-1], is_error))

    def _add(self, message: dict) -> None:
        self.messages.append(message)
        for record in self.on_message:
            record(self.messages)

    def _end(self, stop_reason: str, text: str, n_turns: int) -> TurnEnd:
        end = TurnEnd(stop_reason, text, n_turns, self.usage)
        self.emit(end)
        return end

    def clear(self) -> None:
        """Forget the conversation, keep the system prompt (a transcript starts a new session)."""
        self.replace_history(self.messages[:1])

    def replace_history(self, messages: list[dict]) -> None:
        """Swap the conversation for another (a resumed session, a rewind, /clear): the
        on_message functions see the new history, then on_history_replaced forgets what was
        learnt from the old one."""
        self.messages[:] = messages
        for record in self.on_message:
            record(self.messages)
        for forget in self.on_history_replaced:
            forget(self.messages)
