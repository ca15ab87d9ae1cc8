"""WebFetch and WebSearch in a session, through `agent -p` against the fake OpenAI server and
a local web site: judged by WebFetch(domain:...) rules, refused in plan mode, a long page
answered by the session's model, and WebSearch only when an endpoint is set."""

import json
import os
import subprocess
import sys

import pytest

from agent.permissions.gate import suggest_rule
from agent.permissions.policy import Policy
from agent.tools.web import web_fetch
import test_web
from test_web import Site

site = test_web.site  # its pages, on a port of its own per test: the same fixture


def agent_p(cwd, home, server, *flags, env=None):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    done = subprocess.run([sys.executable, "-m", "agent", "-p", "read it", "--base-url",
                           server.base_url, "--output-format", "json", *flags], cwd=cwd,
                          env={**base, "HOME": str(home), **(env or {})}, capture_output=True,
                          text=True, timeout=60)
    return done, (json.loads(done.stdout.splitlines()[-1]) if done.stdout.strip() else None)


def results(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


def names(request: dict) -> list[str]:
    return [t["function"]["name"] for t in request.get("tools", [])]


def test_a_domain_rule_lets_it_fetch_and_without_one_print_mode_refuses(tmp_path, home, server,
                                                                          site: Site):
    call = ("WebFetch", {"url": site.url("/docs/page.html"), "prompt": "the install steps"})
    server.reply(tool_calls=[call])
    server.reply("refused")
    server.reply(tool_calls=[call])
    server.reply("read")
    done, result = agent_p(tmp_path, home, server)
    assert [d["tool_name"] for d in result["permission_denials"]] == ["WebFetch"]
    assert "WebFetch(domain:127.0.0.1)" in results(server.requests[1])[-1]  # what would allow it
    assert site.hits("/docs/page.html") == 0
    done, result = agent_p(tmp_path, home, server, "--allowedTools", "WebFetch(domain:127.0.0.1)")
    assert done.returncode == 0 and result["permission_denials"] == [], done.stderr
    text = results(server.requests[3])[-1]
    assert text.startswith(f"URL: {site.url('/docs/page.html')}") and "Asked: the install steps" in text


def test_plan_mode_refuses_it_unless_a_rule_allows_it(tmp_path, home, server, site: Site):
    call = ("WebFetch", {"url": site.url("/docs/page.html"), "prompt": "x"})
    for flags in ([], ["--allowedTools", "WebFetch(domain:127.0.0.1)"]):
        server.reply(tool_calls=[call])
        server.reply("done")
        done, result = agent_p(tmp_path, home, server, "--permission-mode", "plan", *flags)
    first, second = results(server.requests[1])[-1], results(server.requests[3])[-1]
    assert "plan mode" in first and site.hits("/docs/page.html") == 1
    assert second.startswith("URL: ")


def test_a_long_page_is_answered_by_the_sessions_model(tmp_path, home, server, site: Site):
    server.reply(tool_calls=[("WebFetch", {"url": site.url("/long"), "prompt": "What does paragraph 7 say?"})])
    server.reply("Paragraph 7 says something about the topic.")  # the question about the page
    server.reply("It says something about the topic.")
    done, result = agent_p(tmp_path, home, server, "--allowedTools", "WebFetch")
    assert done.returncode == 0, done.stderr
    asked = server.requests[1]
    assert "tools" not in asked or not asked["tools"]  # a plain question, no tools
    question = asked["messages"][-1]["content"]
    assert "Paragraph 7 says" in question and question.endswith("What does paragraph 7 say?")
    text = results(server.requests[2])[-1]
    assert "Answered from" in text and text.endswith("Paragraph 7 says something about the topic.")
    assert result["cost"]["calls"] == 3  # the page's question counted with the others


def test_websearch_only_when_an_endpoint_is_set_and_lean_leaves_both_out(tmp_path, home, server,
                                                                         site: Site):
    for _ in range(3):
        server.reply("ok")
    agent_p(tmp_path, home, server)
    agent_p(tmp_path, home, server, env={"AGENT_SEARCH_URL": site.url("/search")})
    agent_p(tmp_path, home, server, "--profile", "lean")
    assert "WebFetch" in names(server.requests[0]) and "WebSearch" not in names(server.requests[0])
    assert "WebSearch" in names(server.requests[1])
    assert not {"WebFetch", "WebSearch"} & set(names(server.requests[2]))


def test_a_search_runs_against_the_endpoint(tmp_path, home, server, site: Site):
    server.reply(tool_calls=[("WebSearch", {"query": "python docs"})])
    server.reply("found")
    done, _ = agent_p(tmp_path, home, server, "--allowedTools", "WebSearch",
                      env={"AGENT_SEARCH_URL": site.url("/search")})
    assert done.returncode == 0, done.stderr
    assert "1. Python docs" in results(server.requests[1])[-1]


@pytest.mark.parametrize("url, rule", [
    ("https://docs.python.org/3/library/json.html", "WebFetch(domain:docs.python.org)"),
    ("http://127.0.0.1:8000/x", "WebFetch(domain:127.0.0.1)"),
    ("not a url", "WebFetch"),
])
def test_always_allow_remembers_the_site_not_the_whole_web(tmp_path, url, rule):
    assert suggest_rule(web_fetch(), {"url": url, "prompt": "p"}, Policy("default", tmp_path)) == rule
