"""Read-only calls side by side: several calls that only read, in one reply, run at once.

    one reply:   Read(a)  Read(b)  Grep(x)  Bash(make)  Read(c)
    groups:      [Read(a) Read(b) Grep(x)]  [Bash(make)]  [Read(c)]
                  └── side by side ──────┘   alone         alone

Calls next to each other whose tools may run alongside others (`Tool.alongside`: Read, Glob,
Grep, a subagent that only reads) make one group; every other call is a group of its
own. So a call that changes something never overlaps another, and nothing the model wrote
later starts before it. Only the tools' own work runs in threads: the loop judges each call
first (PreToolUse hooks, the rules, a question to the user), one at a time and in order, on
its own thread (and a job that must ask the user later, a subagent, asks through it:
`ctx.on_loop_thread`); and once the group is done it runs the after_tool seam and appends the
results, again in order (agent/loop/turn.py). The history cannot tell the difference.

Ctrl-C reaches the loop's thread while it waits here: the group's calls get the interrupted
result, `stopping` is set so that work that checks it (a subagent, at its next step) ends,
and threads still running are left behind (daemon threads: a file read finishes on its own,
and its result is dropped).
Not covered: a limit on threads (a reply rarely holds more than ten calls); calls that only
read but are not next to each other are not gathered (that would reorder them).
Claude Code counterpart: concurrency-safe tools (Read, Glob, Grep, ...) run in parallel.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from agent.model.types import BadArguments, ToolCall, parse_arguments
from agent.tools import Tool, ToolContext

T = TypeVar("T")


def groups(calls: tuple[ToolCall, ...], tools: dict[str, Tool]) -> list[tuple[ToolCall, ...]]:
    """The calls cut into groups: runs of calls that may run alongside, and single calls."""
    if len(calls) == 1:  # the common reply: nothing to decide
        return [calls]
    out: list[list[ToolCall]] = []
    together = False
    for call in calls:
        alongside = may_run_alongside(call, tools)
        if alongside and together:
            out[-1].append(call)
        else:
            out.append([call])
        together = alongside
    return [tuple(group) for group in out]


def may_run_alongside(call: ToolCall, tools: dict[str, Tool]) -> bool:
    """Whether this call's tool says it may: an unknown tool or broken arguments may too (they
    only become an error result)."""
    tool = tools.get(call.name)
    if tool is None:
        return True
    if not callable(tool.alongside):  # most tools: no need to read the arguments here
        return tool.alongside
    try:
        return tool.alongside(parse_arguments(call.arguments))
    except BadArguments:
        return True


def run(jobs: list[Callable[[], T]], finished: Callable[[int, T, float], None],
        ctx: ToolContext) -> list[T]:
    """Each job in a thread of its own; `finished(i, outcome, seconds)` on the caller's thread
    as each ends; the outcomes in the order of the jobs. A job that raises raises here (after
    the others ended). KeyboardInterrupt while waiting: `ctx.stopping` is set and it propagates.
    Meanwhile `ctx.on_loop_thread(fn)` runs fn on the caller's thread for a job (a question
    to the user must not read the terminal from a thread Ctrl-C cannot reach)."""
    stopping = ctx.stopping = threading.Event()  # one per group: a late thread sees its own
    done: queue.Queue = queue.Queue()
    start = time.monotonic()

    def work(i: int, job: Callable[[], T]) -> None:
        try:
            done.put((i, job(), None))
        except BaseException as err:  # handed to the caller's thread, which decides
            done.put((i, None, err))

    def on_loop_thread(fn: Callable[[], T]) -> T:
        answer: queue.Queue = queue.Queue()
        done.put((-1, fn, answer))
        while True:
            try:
                ok, value = answer.get(timeout=0.2)
                break
            except queue.Empty:
                if stopping.is_set():  # the group was stopped while this waited its turn
                    raise KeyboardInterrupt from None
        if not ok:
            raise value
        return value

    ctx.on_loop_thread = on_loop_thread
    for i, job in enumerate(jobs):
        threading.Thread(target=work, args=(i, job), daemon=True, name=f"tool-{i}").start()
    outcomes: dict[int, T] = {}
    failure: BaseException | None = None
    try:
        while len(outcomes) < len(jobs):
            try:
                i, outcome, err = done.get(timeout=0.2)  # a timeout: Ctrl-C gets through
            except queue.Empty:
                continue
            if i == -1:  # a job's function for this thread: run it, hand back what came
                try:
                    err.put((True, outcome()))
                except BaseException as raised:
                    err.put((False, raised))
                    if isinstance(raised, KeyboardInterrupt):
                        raise
                continue
            if isinstance(err, KeyboardInterrupt):  # a stop from inside a job: stop them all
                raise err
            if err is not None:  # a bug escaped the job: raised once the others have ended
                failure, outcomes[i] = failure or err, None
                continue
            outcomes[i] = outcome
            finished(i, outcome, time.monotonic() - start)
    except BaseException:
        stopping.set()
        raise
    finally:
        ctx.on_loop_thread = None
    if failure is not None:
        raise failure
    return [outcomes[i] for i in range(len(jobs))]
