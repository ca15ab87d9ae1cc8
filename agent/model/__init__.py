"""The model: what "a model" is to the loop, and the client for any OpenAI-compatible server.

The loop asks `model.complete(messages, tools, emit)` and gets a `Reply`. Everything else
here makes real servers behave: streaming, retries, reasoning, tool calls written as text,
prompts cut in silence, and the layers a session stacks around the client.

Read in this order:
    types.py           Reply, ToolCall, Usage, the Model protocol, Wrapper (a layer), the
                       model's events, parse_arguments
    scripted.py        ScriptedModel: plays back a script, for tests, the demo and coursework
    script_file.py     a script in a JSON file, for `--model scripted:FILE`
    reminders.py       <system-reminder> blocks: added to a message, read back
    client.py          OpenAICompatible: one request, retries, the fallback model
    wire.py            a whole reply ([DONE], finish reason) and the deadlines (--timeout)
    sse.py             the event stream read from the bytes: one dict per chunk, [DONE]
    stream.py          streamed chunks -> one Reply (fragments by index and id, reasoning, usage)
    errors.py          what a failed request means, in one line the user can act on
    think_tags.py      <think>...</think> split from the answer as it streams
    text_calls.py      tool calls written as text, read back (Hermes, Qwen, fenced JSON, ...)
    text_mode.py       tools described in the prompt, for servers that take none
    tool_repair.py     the repair ladder: native, in content, reprompt, text mode (a layer)
    tokens.py          token counts offline, and the truncation tripwire (a layer)
    meter.py           one record per call: tokens, cached, seconds, dollars (the outer layer)
    response_cache.py  exact and semantic response caches, --record and --replay (layers)

Seams: a layer is a `Wrapper` around the model; a session stacks them (agent/session/
compose.py) and plugins add named ones (docs/18-plugins.md). Chapters: docs/03-model-client.md,
docs/12-tool-calls.md, docs/14-local-models.md, docs/16-caching.md.
Claude Code counterpart: its API client.
"""
