"""WebFetch and WebSearch against a real local HTTP server: pages, redirects, limits, errors,
the cache, and the permission rules that judge a URL. html_text on real and broken markup."""

import json
import random
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agent.permissions.policy import Policy
from agent.permissions.rules import parse
from agent.tools import ToolContext, ToolError
from agent.tools.html_text import html_text
from agent.tools.web import web_fetch
from agent.tools.web_search import web_search

PAGE = """<!doctype html><html><head><title>The &amp; Docs</title>
<style>p { color: red }</style><script>var x = "<p>never shown</p>";</script></head><body>
<nav><a href="/">Home</a> <a href="#top">Top</a></nav>
<h1>Install</h1>
<p>Run <code>pip install x</code>, then read <a href="guide/start.html">the  guide</a>.<br>
Next line.</p>
<ul><li>One</li><li>Two<ul><li>Sub</li></ul></li></ul>
<ol><li>First<li>Second</ol>
<pre><code>def f():

    return 1 &lt; 2
</code></pre>
<h2>More</h2><noscript>Turn on JavaScript</noscript>
</body></html>"""

PAGE_TEXT = """Title: The & Docs

[Home](http://127.0.0.1:{port}/) Top

# Install

Run `pip install x`, then read [the guide](http://127.0.0.1:{port}/docs/guide/start.html).
Next line.

- One
- Two
  - Sub

1. First
2. Second

```
def f():

    return 1 < 2
```

## More"""

LONG = "<html><title>Long</title><body>" + "".join(
    f"<p>Paragraph {n} says something about the topic.</p>" for n in range(1000)) + "</body></html>"
RESULTS = {"results": [
    {"title": "Python docs", "url": "https://docs.python.org/3/", "content": "The  docs."},
    {"title": "PyPI", "url": "https://pypi.org/project/x/", "content": "A package."},
    {"title": "Spam", "url": "https://spam.example.com/", "content": ""},
    *({"title": f"More {n}", "url": f"https://more.org/{n}", "content": "more"} for n in range(20)),
]}


class Site(ThreadingHTTPServer):
    """The pages the tests fetch, and every request it got: (path, headers)."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[tuple[str, dict]] = []
        self.closing = threading.Event()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.server_address[1]}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def send(self, status: int, body: bytes, kind: str = "text/html; charset=utf-8",
             **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        site: Site = self.server
        site.requests.append((self.path, dict(self.headers)))
        port = site.server_address[1]
        path = self.path.split("?")[0]
        if path == "/docs/page.html":
            self.send(200, PAGE.encode())
        elif path == "/moved":
            self.send(302, b"", Location="/docs/page.html")
        elif path == "/away":
            self.send(301, b"", Location=f"http://localhost:{port}/docs/page.html")
        elif path == "/loop":
            self.send(302, b"", Location="/loop")
        elif path == "/long":
            self.send(200, LONG.encode())
        elif path == "/latin":
            self.send(200, "Café crème, naïve".encode("latin-1"),
                      "text/plain; charset=iso-8859-1")
        elif path == "/meta":
            body = '<meta charset="windows-1252"><p>Caf\xe9</p>'.encode("latin-1")
            self.send(200, body, "text/html")
        elif path == "/data.json":
            self.send(200, b'{"name": "x", "version": "1.2"}', "application/json")
        elif path == "/logo.png":
            self.send(200, b"\x89PNG\r\n\x1a\n" + bytes(3000), "image/png")
        elif path == "/huge":  # 20 MB, made as it is sent, with no Content-Length
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            line = b"<p>" + b"x" * 1020 + b"</p>"
            try:
                for _ in range(20 * 1024):
                    self.wfile.write(line)
            except OSError:
                pass  # the client stopped reading at its limit
        elif path == "/slow":  # a few bytes, then nothing for a long while
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"a few bytes")
            self.wfile.flush()
            site.closing.wait(10)
        elif path in ("/cut", "/cut-chunked"):  # the server hangs up before the end
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            if path == "/cut":
                self.send_header("Content-Length", "1000")
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"<p>the first part</p>" if path == "/cut" else b"15\r\n<p>the first part</p>\r\n")
            self.wfile.flush()
            self.close_connection = True
        elif path == "/search":
            self.send(200, json.dumps(RESULTS).encode(), "application/json")
        elif path == "/broken-search":
            self.send(200, b"<html>not json</html>")
        else:
            self.send(404, b"<h1>Not Found</h1>")


@pytest.fixture
def site():
    server = Site()
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.closing.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def ctx(tmp_path):
    return ToolContext(cwd=tmp_path)


def fetch(tool, url: str, ctx, prompt: str = "What does it say?") -> str:
    return tool.run({"url": url, "prompt": prompt}, ctx)


def test_an_html_page_is_read_as_text_and_the_prompt_echoed(site, ctx):
    port = site.server_address[1]
    out = fetch(web_fetch(), site.url("/docs/page.html"), ctx, "How do I install it?")
    head, text = out.split("\n\n", 1)
    assert head == f"URL: {site.url('/docs/page.html')}\nAsked: How do I install it?"
    assert text == PAGE_TEXT.format(port=port)
    assert "never shown" not in out and "color" not in out and "JavaScript" not in out


def test_what_is_sent_names_the_harness_and_carries_no_credentials(site, ctx):
    fetch(web_fetch(), site.url("/docs/page.html?q=a b"), ctx)
    path, headers = site.requests[0]
    assert path == "/docs/page.html?q=a%20b"
    assert "agent-harness" in headers["User-Agent"]
    assert not {"Authorization", "Cookie", "Proxy-Authorization"} & set(headers)


def test_a_redirect_on_the_same_host_is_followed(site, ctx):
    out = fetch(web_fetch(), site.url("/moved"), ctx)
    assert out.startswith(f"URL: {site.url('/docs/page.html')} (redirected from "
                          f"{site.url('/moved')})")
    assert "# Install" in out


def test_a_redirect_to_another_host_is_reported_not_followed(site, ctx):
    out = fetch(web_fetch(), site.url("/away"), ctx)
    target = site.url("/docs/page.html", host="localhost")
    assert out == (f"The page redirects to {target} (another host). Call WebFetch again with "
                   f"that URL to fetch it.")
    assert site.hits("/docs/page.html") == 0


def test_a_redirect_loop_ends_with_an_error(site, ctx):
    with pytest.raises(ToolError, match="more than 5 redirects"):
        fetch(web_fetch(), site.url("/loop"), ctx)
    assert site.hits("/loop") == 6


def test_a_huge_page_is_cut_at_the_size_limit_quickly(site, ctx):
    started = time.monotonic()
    out = fetch(web_fetch(), site.url("/huge"), ctx)
    assert time.monotonic() - started < 8
    assert "(cut: the page is over 5 MB: only its first 5 MB were read)" in out
    assert "characters cut from the middle" in out  # and capped for the model


@pytest.mark.parametrize("path", ["/cut", "/cut-chunked"])
def test_a_page_the_server_cuts_off_is_said_to_be_incomplete(site, ctx, path):
    text = fetch(web_fetch(), site.url(path), ctx)
    assert "the first part" in text
    assert "(cut: the server closed the connection after" in text and "incomplete" in text


def test_a_slow_page_is_stopped_at_the_time_limit(site, ctx):
    started = time.monotonic()
    with pytest.raises(ToolError, match=r"too slow: 11 bytes came in 1 s, the time limit"):
        fetch(web_fetch(time_limit=1), site.url("/slow"), ctx)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("path, message", [
    ("/nothing-here", r"answered 404 Not Found: there is no such page: check the URL\."),
    ("/logo.png", r"is image/png \(3,008 bytes\), not a page or text"),
])
def test_errors_and_binary_pages_are_tool_errors(site, ctx, path, message):
    with pytest.raises(ToolError, match=message):
        fetch(web_fetch(), site.url(path), ctx)


def test_a_closed_port_and_bad_urls_are_tool_errors(ctx):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ToolError, match="connection was refused"):
        fetch(web_fetch(), f"http://127.0.0.1:{port}/", ctx)
    for url, message in [("ftp://example.com/x", "not a web address"),
                         ("example.com", "not a web address"),
                         ("https://user:secret@example.com/", "sends no credentials"),
                         ("http://127.0.0.1:port/", "not a valid URL")]:
        with pytest.raises(ToolError, match=message):
            fetch(web_fetch(), url, ctx)
    with pytest.raises(ToolError, match="prompt is missing"):
        web_fetch().run({"url": "https://example.com/"}, ctx)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the certificate")
def test_a_certificate_that_is_not_valid_is_refused(tmp_path, ctx):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", tmp_path / "key.pem",
                    "-out", tmp_path / "cert.pem"], check=True, capture_output=True)
    server = Site()
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}/docs/page.html"
        with pytest.raises(ToolError, match=r"its TLS certificate is not valid \(self-signed"):
            fetch(web_fetch(time_limit=5), url, ctx)
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("path, text", [
    ("/latin", "Café crème, naïve"),                     # charset in the header
    ("/meta", "Café"),                                   # charset in a <meta> tag
    ("/data.json", '{"name": "x", "version": "1.2"}'),   # JSON as it is
])
def test_text_is_decoded_by_its_charset(site, ctx, path, text):
    assert fetch(web_fetch(), site.url(path), ctx).split("\n\n", 1)[1] == text


def test_a_long_page_is_answered_by_the_model_from_the_prompt(site, ctx):
    calls = []

    def answer(prompt: str, text: str) -> str:
        calls.append((prompt, text))
        return " Paragraph 7 says something. "

    tool = web_fetch(answer, answer_chars=20_000)
    out = fetch(tool, site.url("/long"), ctx, "What does paragraph 7 say?")
    [(prompt, text)] = calls
    assert prompt == "What does paragraph 7 say?"
    assert text.startswith("Title: Long\n\nParagraph 0 says") and len(text) == 20_000
    n = len(html_text(LONG))  # 46,901
    assert out == (f"URL: {site.url('/long')}\nAnswered from 20,000 of {n:,} characters of "
                   f"the page, for: What does paragraph 7 say?\n\nParagraph 7 says something.")
    short = fetch(tool, site.url("/docs/page.html"), ctx)  # under the budget: no answer
    assert len(calls) == 1 and "# Install" in short


def test_a_long_page_without_answer_is_capped(site, tmp_path):
    out = fetch(web_fetch(), site.url("/long"), ToolContext(cwd=tmp_path, max_result_chars=3000))
    assert out.startswith(f"URL: {site.url('/long')}\nAsked: What does it say?\n\nTitle: Long")
    assert "characters cut from the middle of 46,901; fetch a more specific page" in out
    assert out.rstrip().endswith("Paragraph 999 says something about the topic.")


def test_a_page_fetched_again_comes_from_the_cache(site, ctx):
    tool = web_fetch()
    first = fetch(tool, site.url("/moved"), ctx, "first question")
    second = fetch(tool, site.url("/moved"), ctx, "second question")
    third = fetch(tool, site.url("/docs/page.html"), ctx)  # the URL reached is cached too
    assert site.hits("/moved") == 1 and site.hits("/docs/page.html") == 1
    assert "cached" not in first
    assert "(cached, fetched 0 s ago)\nAsked: second question" in second
    assert "(cached" in third and first.split("\n\n", 1)[1] == third.split("\n\n", 1)[1]
    fetch(web_fetch(), site.url("/moved"), ctx)  # another tool, another cache
    assert site.hits("/moved") == 2


def test_fetches_side_by_side_share_the_cache_safely(site, ctx):
    tool = web_fetch()
    outs: list[str] = []
    threads = [threading.Thread(target=lambda: outs.append(fetch(tool, site.url("/long"), ctx)))
               for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outs) == 6 and all("Paragraph 999" in out for out in outs)
    assert 1 <= site.hits("/long") <= 6


# -- html_text on its own


def test_a_table_is_a_line_per_row():
    html = ("<table><caption>Sizes</caption><tr><th>Name</th><th>Size</th></tr>"
            "<tr><td>a.py</td><td><p>10</p></td></tr><tr><td>b<br>c<td>20</table><p>After</p>")
    assert html_text(html) == "Sizes\nName | Size\na.py | 10\nb c | 20\n\nAfter"


@pytest.mark.parametrize("html, text", [
    ("<p>unclosed <b>bold <i>it<div>x</p></p></div></span><li>stray",
     "unclosed bold it\nx\n\n- stray"),
    ("<head><title>T</title><p>a page with no body tag", "Title: T\n\na page with no body tag"),
    ("<![if IE]><p>old</p><![endif]>", "<![if IE]>\n\nold\n\n<![endif]>"),
    ("<pre>never closed\n  indented", "```\nnever closed\n  indented\n```"),
    ("<a href='x.html'>a link never closed<p>next", "[a link never closed](x.html)\n\nnext"),
    ("<script>if (a < b) { document.write('<p>hi</p>') }", ""),
    ("&lt;&amp;&#x263A;&nbsp;&bogus; &#0;", "<&\u263a &bogus; \ufffd"),  # nbsp: a space
    ("", ""),
])
def test_broken_html_is_read_without_raising(html, text):
    assert html_text(html) == text


def test_html_text_never_raises():
    pieces = ["<", ">", "</", "<!", "<![", "<![CDATA[", "]]>", "<!--", "-->", "<?", "&", "&#",
              "&#x", ";", "a", "p", "=", "'", '"', " ", "\n", "<pre>", "<li>", "<td>",
              "<a href=", "<script>", "<title>", "<svg>", "\x00", "999999999999"]
    rng = random.Random(7)
    for _ in range(3000):
        html_text("".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))), "http://h/")


# -- the permission rules judge the URL


def decide(tool, url: str, mode: str = "default", **rules: list[str]) -> str:
    work = Path("/tmp")
    parsed = [parse(kind, text, "test", work) for kind, texts in rules.items() for text in texts]
    return Policy(mode, work, parsed).decide(tool, {"url": url, "prompt": "p"}).outcome


@pytest.mark.parametrize("url, mode, rules, outcome", [
    ("http://127.0.0.1:8000/x", "default", {}, "ask"),
    ("http://127.0.0.1:8000/x", "default", {"allow": ["WebFetch(domain:127.0.0.1)"]}, "allow"),
    ("http://localhost:8000/x", "default", {"allow": ["WebFetch(domain:127.0.0.1)"]}, "ask"),
    ("https://sub.example.com/x", "default", {"deny": ["WebFetch(domain:example.com)"]}, "deny"),
    ("https://notexample.com/x", "default", {"deny": ["WebFetch(domain:example.com)"]}, "ask"),
    ("https://sub.example.com/x", "bypassPermissions",
     {"deny": ["WebFetch(domain:example.com)"]}, "deny"),
    ("https://example.com/", "plan", {}, "deny"),
    ("https://example.com/", "plan", {"allow": ["WebFetch(domain:example.com)"]}, "allow"),
    ("https://example.com/", "acceptEdits", {}, "ask"),
    ("https://example.com/", "default", {"allow": ["WebFetch"]}, "allow"),
])
def test_the_policy_judges_webfetch_by_its_url(url, mode, rules, outcome):
    assert decide(web_fetch(), url, mode, **rules) == outcome


def test_the_policy_asks_before_a_search():
    tool = web_search("http://127.0.0.1:1/search")
    assert decide(tool, "", "default") == "ask"
    assert decide(tool, "", "plan") == "deny"
    assert decide(tool, "", "default", allow=["WebSearch"]) == "allow"


# -- WebSearch against a local SearxNG-style endpoint


def search(site, ctx, path: str = "/search", **args) -> str:
    return web_search(site.url(path)).run(args, ctx)


def test_search_lists_ten_results_numbered(site, ctx):
    out = search(site, ctx, query="python  docs")
    assert site.requests[0][0] == "/search?q=python+docs&format=json"
    assert out.startswith('Results for "python docs":\n\n1. Python docs\n'
                          "   https://docs.python.org/3/\n   The docs.\n\n2. PyPI\n")
    assert "\n10. More 6\n" in out and "11." not in out
    assert out.endswith("Read a result with WebFetch.")


@pytest.mark.parametrize("args, urls", [
    ({"allowed_domains": ["python.org"]}, ["https://docs.python.org/3/"]),
    ({"allowed_domains": ["https://pypi.org/x", "docs.python.org"]},
     ["https://docs.python.org/3/", "https://pypi.org/project/x/"]),
    ({"blocked_domains": ["more.org", "example.com"]},
     ["https://docs.python.org/3/", "https://pypi.org/project/x/"]),
    ({"allowed_domains": "pypi.org"}, ["https://pypi.org/project/x/"]),
])
def test_search_results_are_filtered_by_domain(site, ctx, args, urls):
    out = search(site, ctx, query="xy", **args)
    assert [line.strip() for line in out.splitlines() if line.startswith("   https://")] == urls
    assert "within the domains given" in out


def test_search_errors_are_tool_errors(site, ctx):
    assert search(site, ctx, query="xy", allowed_domains=["nowhere.net"]) == \
        'No results for "xy" within the domains given.'
    with pytest.raises(ToolError, match="did not answer SearxNG's JSON"):
        search(site, ctx, "/broken-search", query="xy")
    with pytest.raises(ToolError, match="the search failed: .* answered 404"):
        search(site, ctx, "/no-search-here", query="xy")
    with pytest.raises(ToolError, match="query is missing"):
        search(site, ctx, query=" ")
    with pytest.raises(ToolError, match="must be a list of domain names"):
        search(site, ctx, query="xy", blocked_domains=[3])
