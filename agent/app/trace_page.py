"""The page of `agent trace`: a Trace (agent/app/trace.py) as one HTML file that needs nothing else.

    <header>   the session id, project, transcript, model, times, the counts, the system prompt
    <nav>      a link to each prompt
    <section>  per model call: tokens sent (bars), cached tokens (inside them), time to first
               token (a second row) when known; each bar links to its reply
    <main>     each prompt, then its replies: text, tool calls (arguments as JSON), results in
               <details> (short ones open), refusals, errors, reminders, compactions, subagents

Everything the transcript holds goes through `html.escape`: a transcript may hold `<script>`,
and the page shows it as text. There is no script at all (collapsing is <details>), no
external file, font or image, and a Content-Security-Policy that forbids scripts and loads
even if one slipped through: the page works opened from disk, offline.
Simplified: Markdown in answers is shown as it was written, in <pre>.
Claude Code counterpart: none.
"""

from __future__ import annotations

import datetime
import json
import re
from html import escape
from pathlib import Path

from agent.app.trace import Call, Marker, Reply, Request, Trace

OPEN_LINES, OPEN_CHARS = 12, 1200
"""A result this short is shown open; a longer one is collapsed to its summary line."""
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""No script, no request of any kind: only the page's own styles."""
REMINDER = re.compile(r"(<system-reminder>.*?</system-reminder>)", re.S)

CSS = """
:root { --fg:#1d1f23; --bg:#fff; --muted:#6a6f78; --line:#dde1e6; --code:#f5f6f8;
  --sent:#5b8def; --cached:#2f9e6b; --ttft:#c77d1a; --err:#c0392b; --refused:#8e44ad;
  --hook:#a86b00; --compact:#1f7a8c; }
@media (prefers-color-scheme: dark) { :root { --fg:#e4e6ea; --bg:#16181c; --muted:#9aa0a8;
  --line:#30343b; --code:#1f2228; } }
body { font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg);
  max-width: 980px; margin: 0 auto; padding: 1rem 1.25rem 4rem; }
pre { background: var(--code); padding: .5rem .7rem; border-radius: 4px; overflow-x: auto;
  white-space: pre-wrap; word-break: break-word; margin: .3rem 0; font-size: 13px; }
code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; }
h1 { font-size: 1.3rem; } h2 { font-size: 1.1rem; border-top: 2px solid var(--line);
  padding-top: 1rem; margin-top: 2rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; word-break: break-all; }
ul.counts { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; }
ul.counts b { font-size: 1.2rem; }
nav a { margin-right: .6rem; white-space: nowrap; }
summary { cursor: pointer; color: var(--muted); }
.reply { border-left: 3px solid var(--line); padding-left: .8rem; margin: 1rem 0; }
.meta { color: var(--muted); font-size: 13px; }
.call { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .7rem; margin: .5rem 0; }
.call.error { border-color: var(--err); } .call.refused { border-color: var(--refused); }
.tool { font-weight: 600; font-family: ui-monospace, monospace; }
.badge { font-size: 12px; padding: 0 .4rem; border-radius: 8px; color: #fff; margin-left: .4rem; }
.badge.error { background: var(--err); } .badge.refused { background: var(--refused); }
.badge.missing { background: var(--muted); }
.reminder { border-left: 3px dashed var(--hook); padding-left: .6rem; margin: .3rem 0; }
.reminder .tag, .marker .tag { font-size: 12px; color: var(--hook); font-weight: 600; }
.marker { border: 1px dashed var(--hook); border-radius: 6px; padding: .4rem .7rem;
  margin: 1rem 0; }
.marker.compaction, .marker.rewrite { border: 2px solid var(--compact); }
.marker.compaction .tag, .marker.rewrite .tag { color: var(--compact); }
.subagent { border-left: 3px solid var(--compact); padding-left: .8rem; margin: .5rem 0; }
.prompt pre { background: none; border: 1px solid var(--line); font-size: 14px; }
svg { display: block; max-width: 100%; height: auto; }
svg .sent { fill: var(--sent); } svg .cached { fill: var(--cached); }
svg .ttft { fill: var(--ttft); } svg .axis { fill: var(--muted); font-size: 11px; }
svg .cut { stroke: var(--compact); stroke-dasharray: 3 2; }
.key span { display: inline-block; width: .8rem; height: .8rem; margin: 0 .3rem 0 .8rem;
  vertical-align: middle; }
"""


def e(value: object) -> str:
    return escape(str(value), quote=True)


def page(trace: Trace) -> str:
    """The whole page: one string, every byte of it here."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Session {e(trace.session_id)}</title>
<style>{CSS}</style>
</head>
<body>
{header(trace)}
{nav(trace)}
{chart(trace, "")}
<main>
{turns(trace, "")}
</main>
<footer class="meta"><p>Written by <code>agent trace</code> from {e(trace.path)}.</p></footer>
</body>
</html>
"""


def when(seconds: float | None) -> str:
    if seconds is None:
        return "not recorded in the transcript"
    return datetime.datetime.fromtimestamp(seconds).astimezone().strftime("%Y-%m-%d %H:%M:%S %z")


def project(trace: Trace) -> str:
    """The working directory the system prompt names, else the transcripts' folder name."""
    found = re.search(r"^Working directory: (.+)$", trace.system, re.M)
    return found.group(1) if found else trace.path.parent.name


def header(trace: Trace) -> str:
    models = sorted({str(r.measured["model"]) for r in trace.requests
                     if r.measured and r.measured.get("model")})
    facts = [("Project", e(project(trace))), ("Transcript", link(trace.path)),
             ("Model", e(", ".join(models) or "not recorded in the transcript")),
             ("First recorded time", e(when(min(trace.times) if trace.times else None))),
             ("Last written", e(when(trace.modified)))]
    damage = (f'<p class="badge error">{trace.n_dropped} unreadable and {trace.n_skipped} '
              "unusable line(s) were left out</p>" if trace.n_dropped or trace.n_skipped else "")
    return (f"<header>\n<h1>Session <code>{e(trace.session_id)}</code></h1>\n"
            '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
            + "</dl>\n" + counts(trace) + damage
            + f"\n<details><summary>System prompt ({len(trace.system):,} characters)</summary>"
            f"<pre>{e(trace.system)}</pre></details>\n</header>")


def counts(trace: Trace) -> str:
    return ('<ul class="counts">' + "".join(f"<li><b>{n}</b> {e(name)}</li>"
                                            for name, n in trace.counts().items()) + "</ul>")


def link(path: Path | str) -> str:
    """A file:// link to a local file (a link, never a resource the page loads)."""
    path = Path(path)
    return f'<a href="{e(path.as_uri())}">{e(path)}</a>' if path.is_absolute() else e(path)


def nav(trace: Trace) -> str:
    links = [f'<a href="#p{n}">{n}. {e(clip(t.prompt or "", 40))}</a>'
             for n, t in enumerate(trace.turns, 1) if t.prompt is not None]
    return f"<nav><b>Prompts:</b> {' '.join(links)}</nav>" if links else ""


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def figures(request: Request) -> tuple[int, bool, int | None, float | None]:
    """(tokens sent, measured?, cached tokens, seconds to first token)."""
    m = request.measured or {}
    if isinstance(m.get("prompt_tokens"), int) and m["prompt_tokens"] > 0:
        return m["prompt_tokens"], True, m.get("cached_tokens"), m.get("first_token_s")
    return request.estimate, False, None, m.get("first_token_s")


def chart(trace: Trace, prefix: str) -> str:
    """Bars per request, in inline SVG; each bar is a link to its reply."""
    rows = [figures(r) for r in trace.requests]
    if not rows:
        return '<section class="chart"><p class="meta">No model calls.</p></section>'
    measured = all(row[1] for row in rows)
    width, height, left = 760, 120, 48
    step = (width - left) / len(rows)
    bar = max(1.0, min(28.0, step * 0.8))
    top = max(row[0] for row in rows) or 1
    parts = [f'<text class="axis" x="0" y="12">{top:,}</text>',
             f'<text class="axis" x="0" y="{height}">0</text>']
    for i, (request, (sent, exact, cached, _)) in enumerate(zip(trace.requests, rows)):
        x = left + i * step
        h = sent / top * (height - 16)
        word = "tokens sent" if exact else "tokens sent (estimate)"
        tip = f"Call {request.n}: {sent:,} {word}" + (f", {cached:,} cached" if cached else "")
        parts.append(f'<a href="#{prefix}r{request.n}"><rect class="sent" x="{x:.1f}" '
                     f'y="{height - h:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                     f"<title>{e(tip)}</title></rect></a>")
        if cached:
            hc = min(cached, sent) / top * (height - 16)
            parts.append(f'<rect class="cached" x="{x:.1f}" y="{height - hc:.1f}" width='
                         f'"{bar:.1f}" height="{hc:.1f}"><title>{cached:,} cached</title></rect>')
        if request.after_compaction:
            parts.append(f'<line class="cut" x1="{x - 2:.1f}" y1="0" x2="{x - 2:.1f}" '
                         f'y2="{height}"><title>compacted before this call</title></line>')
    svg = (f'<svg viewBox="0 0 {width} {height + 2}" role="img" '
           f'aria-label="tokens sent per model call">{"".join(parts)}</svg>')
    ttft = ttft_chart(trace, rows, prefix, width, left, step, bar)
    source = ("as the server reported them" if measured else
              "estimated from the stored messages (cl100k or an offline rule; tool schemas not "
              "counted), measured where a call line gives them")
    return (f'<section class="chart"><h2>Model calls</h2>{svg}{ttft}'
            f'<p class="meta key"><span style="background:var(--sent)"></span>tokens sent, '
            f'{e(source)}<span style="background:var(--cached)"></span>cached tokens (when '
            f'known)<span style="background:var(--ttft)"></span>time to first token (when '
            f"known); a dashed line: a compaction. Each bar links to its call.</p></section>")


def ttft_chart(trace: Trace, rows: list, prefix: str, width: int, left: int, step: float,
               bar: float) -> str:
    known = [(r, row[3]) for r, row in zip(trace.requests, rows) if isinstance(row[3], int | float)]
    if not known:
        return ""
    height, top = 50, max(s for _, s in known) or 1.0
    parts = [f'<text class="axis" x="0" y="12">{top:.2f} s</text>']
    for request, seconds in known:
        x, h = left + (request.n - 1) * step, seconds / top * (height - 14)
        parts.append(f'<a href="#{prefix}r{request.n}"><rect class="ttft" x="{x:.1f}" '
                     f'y="{height - h:.1f}" width="{bar:.1f}" height="{h:.1f}"><title>Call '
                     f"{request.n}: {seconds:.2f} s to first token</title></rect></a>")
    return (f'<svg viewBox="0 0 {width} {height + 2}" role="img" '
            f'aria-label="time to first token per model call">{"".join(parts)}</svg>')


def turns(trace: Trace, prefix: str) -> str:
    out, n = [], 0
    for turn in trace.turns:
        if turn.prompt is not None:
            n += 1
            out.append(f'<section class="turn"><h2 id="{prefix}p{n}">Prompt {n}</h2>'
                       f'<div class="prompt">{text_block(turn.prompt)}</div>')
        else:
            out.append('<section class="turn">')
        out += [reply(i, prefix) if isinstance(i, Reply) else marker(i) for i in turn.items]
        out.append("</section>")
    return "\n".join(out)


def text_block(text: str) -> str:
    """Text in <pre>, each <system-reminder> block apart and marked (a hook's context, a
    fact the harness added)."""
    out = []
    for piece in REMINDER.split(text):
        if piece.startswith("<system-reminder>") and piece.endswith("</system-reminder>"):
            inner = piece[len("<system-reminder>"):-len("</system-reminder>")]
            out.append('<div class="reminder"><span class="tag">system-reminder (from a hook '
                       f"or the harness)</span><pre>{e(inner)}</pre></div>")
        elif piece.strip():
            out.append(f"<pre>{e(piece.strip(chr(10)))}</pre>")
    return "".join(out)


def reply(item: Reply, prefix: str) -> str:
    request = item.request
    sent, exact, cached, first = figures(request)
    facts = [f"{sent:,} tokens sent" + ("" if exact else " (estimate)")]
    facts += [f"{cached:,} cached"] if cached is not None else []
    facts += [f"{first:.2f} s to first token"] if isinstance(first, int | float) else []
    text = text_block(item.text) if item.text.strip() else ""
    return (f'<div class="reply" id="{prefix}r{request.n}"><p class="meta">Model call '
            f'{request.n} · {e(" · ".join(facts))}</p>{text}'
            + "".join(call(c, prefix) for c in item.calls) + "</div>")


def pretty(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except ValueError:
        return arguments


def call(c: Call, prefix: str) -> str:
    outcome = c.outcome
    badge = f'<span class="badge {outcome}">{outcome}</span>' if outcome != "ok" else ""
    out = [f'<div class="call {outcome}"><span class="tool">{e(c.name)}</span>{badge}'
           f'<span class="meta"> {e(c.id)}</span><pre class="args">{e(pretty(c.arguments))}</pre>']
    if c.result is not None:
        lines = c.result.count("\n") + 1
        is_open = " open" if lines <= OPEN_LINES and len(c.result) <= OPEN_CHARS else ""
        out.append(f'<details class="result"{is_open}><summary>Result · {lines:,} line(s), '
                   f"{len(c.result):,} characters{' · ' + outcome if badge else ''}</summary>"
                   f"{text_block(c.result)}</details>")
    else:
        out.append('<p class="meta">No result: the session ended before this call finished.</p>')
    if c.subagent:
        out.append(subagent(c.subagent, prefix))
    return "".join(out) + "</div>"


def subagent(sub, prefix: str) -> str:
    head = f"{e(sub.agent_type)} subagent: {e(sub.description)}"
    if sub.trace is None:
        return (f'<div class="subagent"><p>{head} (its transcript was not found)</p>'
                f"<p>{link(sub.path)}</p></div>")
    inner = sub.trace
    own = f"{prefix}{inner.session_id[:8]}-"
    numbers = ", ".join(f"{n} {name}" for name, n in inner.counts().items()
                        if n and name in ("model calls", "tool calls", "errors", "refusals"))
    return (f'<details class="subagent"><summary>{head} · {e(numbers)}</summary>'
            f"<p>Transcript: {link(sub.path)}</p>{chart(inner, own)}{turns(inner, own)}</details>")


def marker(item: Marker) -> str:
    body = (f"<details><summary>what it brought in: {len(item.text):,} characters</summary>"
            f"{text_block(item.text)}</details>")
    return (f'<div class="marker {e(item.kind)}"><span class="tag">{e(item.kind)}</span> '
            f"{e(item.title)}{body if item.text.strip() else ''}</div>")
