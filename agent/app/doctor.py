"""`agent doctor`: probe an endpoint and print what it can do, with the fix for every problem.

    agent doctor [--base-url URL] [--model NAME] [--provider NAME] [--api-key KEY] [--json]

It asks the server what it is and which models it serves (/v1/models, then Ollama's
/api/version, llama.cpp's /props, LM Studio's /api/v0/models, and the Server header), runs
four small chat requests (agent/app/doctor_probes.py: a one-tool canary, the same streamed and in
parallel, `tool_choice`, a plain question for the reasoning), then reads the context the
server really gives the model from its own API, as a start does (agent/config/server_window.py):
Ollama's /api/ps (as loaded) or /api/show (num_ctx in the Modelfile), llama.cpp's /props
(per slot), vLLM's max_model_len in /v1/models, LM Studio's loaded_context_length. It prints
a card:

    agent doctor  http://localhost:11434/v1  model qwen2.5-coder:7b
      ok       server          Ollama, version 0.12.3
      ok       native tools    parsed: add({"a":2,"b":3})
      note     parallel calls  2 calls; every call at index 0 (agent/model/stream.py splits them)
      problem  context         4096 tokens (Ollama /api/ps, as loaded): small for a coding agent
                               fix: restart Ollama with `OLLAMA_CONTEXT_LENGTH=32768 ollama serve`, ...

The card is saved as JSON in ~/.agent/cache/doctor/, one file per base URL and model, and
`load_card` (agent/config/doctor_card.py) reads it back for the next sessions: the context the server
really gives, text tool mode when the server refused `tools`, and the server kind whose fix
the truncation tripwire names. Run it again after changing the server: the card is not
refreshed by itself. Exit status: 0 no problem, 1 a problem or no server, 2 bad usage.
Not covered: image input, structured output, embeddings; a model that calls tools in the
canary may still fumble them in a long session.
Claude Code counterpart: `claude doctor` (which checks the installation, not a model server).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from agent.app.doctor_probes import (Http, probe_reasoning, probe_stream, probe_tool_choice,
                                     probe_tools)
from agent.config.doctor_card import Card, Finding, save_card

MIN_CONTEXT = 16384  # below this, the system prompt, the tools and a few files crowd the context
NAMES = {"ollama": "Ollama", "vllm": "vLLM", "llamacpp": "llama.cpp (llama-server)",
         "lmstudio": "LM Studio"}


def examine(base_url: str, model: str, api_key: str = "", provider: str | None = None,
            profiles=None, timeout: float = 5.0, chat_timeout: float = 120.0,
            report=lambda finding: None) -> Card:
    """Run the probes in order; stop after the first when the server cannot be reached.
    `report` gets each finding as soon as it is known (the card is printed as it fills)."""
    from agent.config.profiles import load_profiles, profiles_file
    from agent.model.tokens import encoding_name

    profiles = profiles or load_profiles(profiles_file())
    http = Http(base_url, api_key, timeout, chat_timeout)
    card = Card(base_url.rstrip("/"), model,
                checked_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    card.findings = _Reported(report)
    name = provider or profiles.guess_provider(base_url)
    preset = profiles.preset(name) if name else None
    card.findings += probe_server(http, card, preset)
    if card.findings[0].status == "problem":  # unreachable: nothing else can be asked
        card.findings = list(card.findings)
        return card
    if card.kind in profiles.providers:
        preset = profiles.preset(card.kind)
    card.findings += probe_tools(http, card, preset)
    if card.native_tools is not False:
        card.findings += probe_stream(http, card, preset)
        card.findings += probe_tool_choice(http, card, preset)
    card.findings += probe_reasoning(http, card, preset)
    card.findings += probe_context(http, card, preset, profiles.profile_for(model).context_window)
    counting = encoding_name()
    card.findings += [Finding("token counting", "ok" if counting != "estimate" else "note",
                                 f"tiktoken {counting}" if counting != "estimate" else
                                 "estimated (no tiktoken vocabulary offline)",
                                 "" if counting != "estimate" else "pip install 'agent[offline]'")]
    card.findings = list(card.findings)
    return card


class _Reported(list):
    """A list of findings that reports each one as it is added."""

    def __init__(self, report) -> None:
        super().__init__()
        self.report = report

    def __iadd__(self, findings):
        for finding in findings:
            self.append(finding)
            self.report(finding)
        return self


def probe_server(http: Http, card: Card, preset) -> list[Finding]:
    """The server kind and its models; a problem when it cannot be reached."""
    status, body, headers = http.get(f"{http.base}/models")
    if status == 0:
        return [Finding("server", "problem", f"cannot reach {http.base}: {body}",
                        "start the server, or point --base-url / --provider at it")]
    data = body.get("data") if isinstance(body, dict) else None
    entries = [e for e in data or () if isinstance(e, dict)]
    card.models = [str(e.get("id", "?")) for e in entries]
    version = ""
    if any(e.get("owned_by") == "vllm" or "max_model_len" in e for e in entries):
        card.kind = "vllm"
    elif "llama.cpp" in str(headers.get("Server")) or any(e.get("owned_by") == "llamacpp"
                                                           for e in entries):
        card.kind = "llamacpp"
    ollama = http.get_dict(f"{http.root}/api/version") if card.kind == "unknown" else {}
    if "version" in ollama:
        card.kind, version = "ollama", f"version {ollama['version']}"
    if card.kind in ("unknown", "llamacpp"):
        props = http.get_dict(f"{http.root}/props")
        if "default_generation_settings" in props:
            card.kind, version = "llamacpp", f"build {props.get('build_info', '?')}"
    if card.kind == "unknown" and "data" in http.get_dict(f"{http.root}/api/v0/models"):
        card.kind = "lmstudio"
    if card.kind == "unknown" and preset is not None:
        card.kind, version = preset.name, "by its URL or --provider"
    if card.kind == "unknown":
        findings = [Finding("server", "note", "an OpenAI-compatible server of unknown kind")]
    else:
        name = NAMES.get(card.kind, card.kind)
        findings = [Finding("server", "ok", f"{name}, {version}" if version else name)]
    if card.model in card.models or card.kind == "llamacpp":  # llama-server answers to any name
        findings.append(Finding("model", "ok", f"{card.model} ({len(card.models)} served)"))
    elif card.models:
        findings.append(Finding("model", "problem", f"{card.model} is not among "
                                f"{', '.join(card.models[:5])}", f"--model {card.models[0]}"))
    return findings


def probe_context(http: Http, card: Card, preset, model_max: int | None = None) -> list[Finding]:
    """The context the server gives the model (agent/config/server_window.py, the same
    questions a start asks); a problem below MIN_CONTEXT (or the model's)."""
    from agent.config.server_window import KINDS, Answer, ask_window

    if card.kind in (*KINDS, "unknown"):
        answer = ask_window(card.base_url, card.model, http.api_key, card.kind, http.timeout)
    else:  # a cloud API: none of these questions has an answer there
        answer = Answer(None, "not reported by this server")
    if answer and answer.settled:  # a guess (Ollama's default) is not kept: the start asks
        card.context_window, card.window_source = answer.size, answer.source
    n = card.context_window
    want = min(32768, model_max or 32768)
    fix = preset.fix_context(want) if preset and preset.context_fix else ""
    if n is None:
        how = answer.source if answer else f"no answer in {http.timeout:g} s"
        return [Finding("context", "note", how, fix or "set --context-window N to what it gives")]
    if n >= min(MIN_CONTEXT, want):
        return [Finding("context", "ok", f"{n} tokens ({card.window_source})")]
    return [Finding("context", "problem", f"{n} tokens ({card.window_source}): small for a "
                    "coding agent", fix or f"give the server a context of {want} tokens")]


WIDTH = 16  # the longest finding name, "parallel calls", and two spaces


def header(base_url: str, model: str) -> str:
    return f"agent doctor  {base_url.rstrip('/')}  model {model}"


def finding_lines(f: Finding) -> str:
    text = f"  {f.status:<8} {f.name:<{WIDTH}}{f.detail}"
    return text + (f"\n  {'':<8} {'':<{WIDTH}}fix: {f.fix}" if f.fix else "")


def render(card: Card, saved: Path | None = None) -> str:
    """The card as aligned lines of text."""
    lines = [header(card.base_url, card.model), *map(finding_lines, card.findings), summary(card, saved)]
    return "\n".join(lines)


def summary(card: Card, saved: Path | None = None) -> str:
    n = sum(f.status == "problem" for f in card.findings)
    text = "no problems" if n == 0 else f"{n} problem{'s' * (n > 1)}"
    return f"{text}; card saved to {saved}" if saved else text


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="agent doctor", description="Probe the endpoint; print what "
                                "it can do and how to fix what it cannot.")
    p.add_argument("--base-url", help="OpenAI-compatible endpoint (env OPENAI_BASE_URL)")
    p.add_argument("--model", help="model name (env AGENT_MODEL)")
    p.add_argument("--provider", help="server preset: ollama, vllm, llamacpp, lmstudio, ... "
                   "(env AGENT_PROVIDER)")
    p.add_argument("--api-key", help="API key (env OPENAI_API_KEY)")
    p.add_argument("--json", action="store_true", help="print the card as JSON")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds to wait for one chat request (a model may have to load first)")
    args = p.parse_args(argv)
    from agent.config.config import ConfigError, load_config

    flags = {"base_url": args.base_url, "model": args.model, "provider": args.provider,
             "api_key": args.api_key}
    try:
        from agent.config.settings import find_project, is_trusted
        project = find_project(Path.cwd())  # a cloned project's .env must not pick the server
        config = load_config(flags, os.environ, Path.cwd(),
                             untrusted=None if is_trusted(project, Path.home()) else project)
    except ConfigError as err:
        print(f"agent doctor: {err}", file=sys.stderr)
        return 2
    if not args.json:  # at once: the probes may take minutes on a slow server
        print(header(config.base_url, config.model), flush=True)
    card = examine(config.base_url, config.model, config.api_key, config.provider,
                   chat_timeout=args.timeout,
                   report=lambda f: args.json or print(finding_lines(f), flush=True))
    reachable = card.findings[0].status != "problem"
    saved = save_card(card) if reachable else None
    print(json.dumps(asdict(card), indent=2) if args.json else summary(card, saved))
    if not args.json:
        from agent.permissions.sandbox import bubblewrap
        why = bubblewrap()[1]
        print(f"sandbox: {why}; the model's commands would run unsandboxed" if why else
              "sandbox: bubblewrap works here; the model's commands run confined (docs/06-sandbox.md)")
    return 0 if reachable and not any(f.status == "problem" for f in card.findings) else 1
