"""WebSearch: a search engine asked through a SearxNG-style JSON endpoint.

    GET <endpoint>?q=<query>&format=json   ->   {"results": [{"title", "url", "content"}, ...]}
    -> "1. <title>\\n   <url>\\n   <snippet>", up to 10, filtered by the domain lists

Claude Code's WebSearch runs on Anthropic's servers; a local harness has none of its own, so
this tool exists only when a setting names an endpoint: a SearxNG instance the user runs or
trusts (its JSON output must be switched on in its settings.yml: `search: formats: [html,
json]`). The model may keep only some sites (`allowed_domains`) or drop some
(`blocked_domains`); a domain covers its subdomains, as a `WebFetch(domain:...)` rule does.
The endpoint is read with WebFetch's `fetch` (agent/tools/web.py): the same time and size
limits, no cookies, no credentials.
Simplified: one page of results; the engine's order is kept.
Not covered: search APIs with keys and formats of their own (Brave, Bing, Google).
Claude Code counterpart: the WebSearch tool.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from agent.tools import Tool, ToolContext, ToolError
from agent.tools.capping import cap
from agent.tools.web import TIME_LIMIT, fetch

MAX_RESULTS = 10


def web_search(endpoint: str, *, time_limit: float = TIME_LIMIT) -> Tool:
    """The WebSearch tool, asking the SearxNG-style JSON endpoint at `endpoint`."""

    def run(args: dict, ctx: ToolContext) -> str:
        query = " ".join(str(args.get("query") or "").split())
        if len(query) < 2:
            raise ToolError("query is missing: say what to search for (two characters or more).")
        allowed, blocked = _domains(args, "allowed_domains"), _domains(args, "blocked_domains")
        url = endpoint + ("&" if "?" in endpoint else "?") + urlencode({"q": query,
                                                                       "format": "json"})
        try:
            page = fetch(url, time_limit)
        except ToolError as err:
            raise ToolError(f"the search failed: {err}") from None
        if isinstance(page, str):
            raise ToolError(f"the search endpoint {endpoint} redirects to another host; the "
                            f"user should set its final address.")
        try:
            results = json.loads(page.text).get("results")
        except (json.JSONDecodeError, AttributeError):
            results = None
        if not isinstance(results, list):
            raise ToolError(f"the search endpoint {endpoint} did not answer SearxNG's JSON (a "
                            f"`results` list); its `json` format may be switched off.")
        kept = [r for r in results if isinstance(r, dict) and
                _wanted(str(r.get("url") or ""), allowed, blocked)][:MAX_RESULTS]
        within = " within the domains given" if allowed or blocked else ""
        if not kept:
            return f"No results for \"{query}\"{within}."
        lines = [f"Results for \"{query}\"{within}:"]
        for n, result in enumerate(kept, start=1):
            title = " ".join(str(result.get("title") or "(no title)").split())
            snippet = " ".join(str(result.get("content") or "").split())
            lines.append(f"\n{n}. {title}\n   {result['url']}" + (f"\n   {snippet}" if snippet
                                                                    else ""))
        lines.append("\nRead a result with WebFetch.")
        return cap("\n".join(lines), ctx.max_result_chars)

    domains = {"type": "array", "items": {"type": "string"}}
    return Tool(
        name="WebSearch",
        description=(
            "Search the web. Returns up to 10 results, numbered: title, URL and a snippet. "
            "allowed_domains keeps only results from those sites, blocked_domains drops "
            "them (a domain covers its subdomains: python.org covers docs.python.org). Read "
            "a result with WebFetch. Use it for what you may not know: current versions, "
            "error messages, documentation you cannot find in the project."),
        parameters={
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "What to search for."},
                "allowed_domains": {**domains, "description": "Only results from these."},
                "blocked_domains": {**domains, "description": "No results from these."},
            },
            "required": ["query"],
        },
        run=run,
        read_only=False,
        path_parameters=(),
        alongside=True,
    )


def _domains(args: dict, key: str) -> list[str]:
    """A domain list as the model sent it, each as a bare host name ("https://x.org/a" is
    "x.org"); one string is taken as a list of one."""
    value = args.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ToolError(f"{key} must be a list of domain names, e.g. [\"python.org\"].")
    hosts = [_host(v.strip() if "//" in v else "//" + v.strip()) for v in value]
    return [h.removeprefix("*.") for h in hosts if h]


def _host(url: str) -> str:
    """The host name in a URL, lower case; "" when there is none or the URL is not one."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # "http://[oops/": a broken IPv6 literal
        return ""


def _wanted(url: str, allowed: list[str], blocked: list[str]) -> bool:
    host = _host(url) if url.startswith(("http://", "https://")) else ""

    def covers(domain: str) -> bool:
        return host == domain or host.endswith("." + domain)

    if not host or any(covers(d) for d in blocked):
        return False
    return not allowed or any(covers(d) for d in allowed)
