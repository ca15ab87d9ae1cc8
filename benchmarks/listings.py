"""What a Glob or Grep listing costs in tokens, in four layouts of the same data.

    python benchmarks/listings.py                         offline, a second
    python benchmarks/listings.py --tokenize-url http://127.0.0.1:PORT    also Qwen's tokenizer

The data is real: Grep and Glob run on this repository (the `agent/` and `tests/` folders)
through the harness's own tools, and each result is laid out as

    pretty JSON     a list of objects, indent 2 (what an API or MCP server often returns)
    minified JSON   the same, with no spaces
    TOON            agent/tools/listing.py: a header naming the fields once, then rows
    lines           the tools' default: `path:line:text`, `path:count`, one path per line

and counted with cl100k (agent.model.tokens; the estimate when tiktoken has no vocabulary here),
and with the served model's own tokenizer when `--tokenize-url` names a llama-server (its
POST /tokenize). The published claim is that TOON takes 40-44% fewer tokens than pretty
JSON; an independent check found that most of that comes from minification alone. Both are
printed: the saving against pretty JSON, and the saving against minified JSON.
Claude Code counterpart: none; this is for docs/16-caching.md.
"""

from __future__ import annotations

import argparse
import json
import urllib.request
from pathlib import Path

from agent.model.tokens import count, encoding_name
from agent.tools import ToolContext
from agent.tools.listing import inline, rows_from_lines, table
from agent.tools.search import GLOB, GREP

ROOT = Path(__file__).resolve().parent.parent


def datasets() -> dict[str, tuple[list[str], list[list[object]], str]]:
    """name -> (fields, rows, the default plain-lines text), from real searches here."""
    ctx = ToolContext(cwd=ROOT, max_result_chars=10**8)
    found = {}
    searches = {
        "Grep content 'def ' in agent/": {"pattern": r"def \w+", "path": "agent", "output_mode": "content"},
        "Grep count 'assert' in tests/": {"pattern": "assert", "path": "tests", "output_mode": "count"},
        "Grep files 'import' in agent/": {"pattern": "import", "path": "agent"},
    }
    for name, args in searches.items():
        text = GREP.run(args, ctx)
        fields, rows = rows_from_lines(text.splitlines(), args.get("output_mode", "files_with_matches"))
        found[name] = (fields, rows, text)
    paths = GLOB.run({"pattern": "**/*.py"}, ctx)
    found["Glob '**/*.py'"] = (["path"], [[p] for p in paths.splitlines()], paths)
    return found


def layouts(fields: list[str], rows: list[list[object]], lines: str) -> dict[str, str]:
    objects = [dict(zip(fields, row)) for row in rows]
    return {"pretty JSON": json.dumps(objects, indent=2, ensure_ascii=False),
            "minified JSON": json.dumps(objects, separators=(",", ":"), ensure_ascii=False),
            "TOON": (inline("files", [row[0] for row in rows]) if fields == ["path"]
                     else table("rows", fields, rows)), "lines": lines}


def qwen_counter(url: str):
    def count_qwen(text: str) -> int:
        request = urllib.request.Request(f"{url.rstrip('/')}/tokenize",
                                         json.dumps({"content": text}).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            return len(json.load(answer)["tokens"])
    return count_qwen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokenize-url", help="a llama-server (without /v1): count with its tokenizer too")
    args = parser.parse_args()
    counters = {encoding_name(): count}
    if args.tokenize_url:
        counters["model tokenizer"] = qwen_counter(args.tokenize_url)
    for name, (fields, rows, lines) in datasets().items():
        texts = layouts(fields, rows, lines)
        print(f"\n{name}: {len(rows)} rows, fields {','.join(fields)}")
        print(f"  {'layout':<15}" + "".join(f"{c:>18}" for c in counters)
              + f"{'vs pretty':>11}{'vs minified':>13}")
        for layout, text in texts.items():
            n = {c: f(text) for c, f in counters.items()}
            first = next(iter(counters))
            pretty, minified = counters[first](texts["pretty JSON"]), counters[first](texts["minified JSON"])
            print(f"  {layout:<15}" + "".join(f"{v:>18,}" for v in n.values())
                  + f"{1 - n[first] / pretty:>10.0%} {1 - n[first] / minified:>12.0%}")


if __name__ == "__main__":
    main()
