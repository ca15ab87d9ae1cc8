"""WebFetch: a page from the web, read as text, and the model's prompt answered from it.

    WebFetch(url, prompt)
      GET url  ──► same host redirect? follow (up to 5) ── another host? say so, stop
               ──► HTML: html_text.py   text, JSON, XML: as text   anything else: refused
               ──► longer than the budget, and `answer` given: answer(prompt, page text)
                   otherwise: the text itself, capped, with "Asked: <prompt>"

A page is large and most of it is not what the model wants: the prompt says what to find.
A page longer than the budget goes to `answer`, which the caller makes a request to the
session's model ("answer the prompt from this page"), so only the answer enters the
conversation. A redirect to another host is not followed but reported: the model calls again
with that URL, and the permission rules (`WebFetch(domain:...)`) judge the new host. The
fetched text is kept for 15 minutes, so a second question about a page costs no second fetch.
The tool changes nothing, yet it is not `read_only`: a request leaves the machine, and a URL
can carry data out. So it asks in default mode, plan mode refuses it, and a rule such as
`WebFetch(domain:docs.python.org)` allows a host (agent/permissions/policy.py).

What is sent: one GET with a User-Agent that names the harness; no cookies, no credentials
(a URL with a user name in it is refused), no Authorization header, no proxy. What is read:
at most `max_bytes` of body within `time_limit` seconds in all: each read waits only for what
is left of the time, so a server that trickles bytes is stopped at the limit too.
Simplified: no compression (Accept-Encoding: identity); the cache is per tool, in memory.
Not covered: proxies (HTTPS_PROXY is not read), PDFs and images, pages built by JavaScript,
http upgraded to https (a URL is fetched as given, so local servers work), a server that
trickles its headers (each read of them may wait the whole limit).
Claude Code counterpart: the WebFetch tool.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from agent.tools import Tool, ToolContext, ToolError
from agent.tools.capping import cap
from agent.tools.html_text import html_text

USER_AGENT = "agent-harness/0.1 (a coding agent's WebFetch tool; Python http.client)"
TIME_LIMIT = 30.0
MAX_BYTES = 5 * 1024 * 1024
BUDGET = 8_000           # characters of page text shown as they are; past it, `answer`
ANSWER_CHARS = 100_000   # what `answer` is given of a longer page
CACHE_SECONDS = 15 * 60
CACHE_CHARS = 50_000_000
MAX_REDIRECTS = 5
HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("application/json", "application/xml", "application/javascript",
              "application/x-javascript", "application/yaml", "application/x-yaml",
              "application/toml", "application/x-sh", "application/sql")
SAFE = "/%:@!$&'()*+,;=~?"  # kept as they are in a path or query; the rest is %-quoted
HINTS = {401: "it needs a login, and WebFetch sends no credentials",
         403: "the server refuses it (a login, or a block on automated clients)",
         404: "there is no such page: check the URL", 410: "the page was removed",
         429: "too many requests: wait before asking again"}


@dataclass(frozen=True)
class Page:
    """What a fetch kept: a page's readable text, and where it came from."""

    url: str
    """The URL it was read from, after the redirects on the same host."""
    text: str
    cut: str
    """Empty, or why only the start of the page was read."""
    fetched: float
    """time.monotonic() when it was read."""


def fetch(url: str, time_limit: float = TIME_LIMIT, max_bytes: int = MAX_BYTES) -> Page | str:
    """The page at `url` as text, redirects on the same host followed; or, when it redirects
    to another host, the note that says so. ToolError for what the model should hear."""
    deadline = time.monotonic() + time_limit
    for _ in range(MAX_REDIRECTS + 1):
        with _opened(url, deadline, time_limit) as (response, sock):
            location = response.getheader("Location")
            if 300 <= response.status < 400 and location:
                try:
                    target = urljoin(url, location.strip())
                except ValueError:  # "http://[oops/"
                    raise ToolError(f"{url} redirects to {location!r}, which is not a valid "
                                    f"URL.") from None
                if _origin(target) != _origin(url):
                    return (f"The page redirects to {target} (another host). Call WebFetch "
                            f"again with that URL to fetch it.")
                url = target
                continue
            if response.status >= 400:
                hint = HINTS.get(response.status) or (
                    "the server failed: try again later" if response.status >= 500 else "")
                raise ToolError(f"{url} answered {response.status} {response.reason}"
                                + (f": {hint}." if hint else "."))
            kind = response.getheader("Content-Type") or ""
            mime = kind.split(";")[0].strip().lower()
            if mime and not textual(mime):
                size = response.getheader("Content-Length") or ""
                size = f"{int(size):,} bytes" if size.isdigit() else "size not given"
                raise ToolError(f"{url} is {mime} ({size}), not a page or text: WebFetch "
                                f"reads web pages and text only.")
            body, cut = _read(response, sock, deadline, max_bytes, url, time_limit)
            if not mime and b"\0" in body[:8192]:
                raise ToolError(f"{url} has no content type and looks binary ({len(body):,} "
                                f"bytes): WebFetch reads web pages and text only.")
            return Page(url, decode(body, kind, url), cut, time.monotonic())
    raise ToolError(f"{url}: more than {MAX_REDIRECTS} redirects (the site loops); try "
                    f"another page.")


def textual(mime: str) -> bool:
    """A content type WebFetch reads: HTML, text/*, JSON, XML and a few more."""
    return (mime.startswith("text/") or mime in HTML_TYPES + TEXT_TYPES
            or mime.endswith(("+json", "+xml")))


def decode(body: bytes, content_type: str, url: str) -> str:
    """Bytes as text, by the charset in the header, else an HTML page's <meta>, else UTF-8
    (bytes that are not, shown as U+FFFD); HTML made readable."""
    mime = content_type.split(";")[0].strip().lower()
    html = mime in HTML_TYPES or not mime and re.match(rb"\s*<(!doctype html|html)",
                                                       body[:512], re.I)
    found = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.I)
    if not found and html:
        found = re.search(r"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)",
                          body[:4096].decode("ascii", "replace"), re.I)
    try:
        text = body.decode(found.group(1) if found else "utf-8", "replace")
    except LookupError:  # a charset Python does not know
        text = body.decode("utf-8", "replace")
    text = text.removeprefix("\ufeff")
    return html_text(text, url) if html else text


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        default = {"http": 80, "https": 443}.get(parts.scheme)
        return parts.scheme, parts.hostname or "", parts.port or default
    except ValueError:  # a port that is not a number: no origin
        return "", "", None


def _left(deadline: float) -> float:
    """The seconds left before the deadline; TimeoutError once there are none."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


@contextmanager
def _opened(url: str, deadline: float, time_limit: float
            ) -> Iterator[tuple[http.client.HTTPResponse, socket.socket]]:
    """The response to a GET of `url` (its headers read) and its socket, closed at the end."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    connection = http.client.HTTPSConnection if https else http.client.HTTPConnection
    target = quote(parts.path or "/", safe=SAFE) + (f"?{quote(parts.query, safe=SAFE)}"
                                                    if parts.query else "")
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity",
               "Accept": "text/html,text/plain;q=0.9,application/json;q=0.9,*/*;q=0.5"}
    # subtle: the port given always; http.client would read "::1" as host "::" and port 1
    conn = connection(parts.hostname, parts.port or (443 if https else 80),
                      timeout=max(deadline - time.monotonic(), 0.001))
    try:
        conn.request("GET", target, headers=headers)
        sock = conn.sock  # subtle: taken now; getresponse() drops it when the server closes
        sock.settimeout(_left(deadline))
        yield conn.getresponse(), sock
    except TimeoutError:
        raise ToolError(f"{url} did not answer within {time_limit:g} s; try again later, or "
                        f"another page.") from None
    except (OSError, http.client.HTTPException) as err:
        raise ToolError(f"could not fetch {url}: {_reason(err)}.") from None
    finally:
        conn.close()


def _read(response: http.client.HTTPResponse, sock: socket.socket, deadline: float, max_bytes: int,
          url: str, time_limit: float) -> tuple[bytes, str]:
    """The body, up to `max_bytes`, within the deadline: (bytes, why it was cut or "")."""
    body = bytearray()
    try:
        while len(body) <= max_bytes:
            sock.settimeout(_left(deadline))
            chunk = response.read1(min(65536, max_bytes + 1 - len(body)))
            if not chunk:  # the end, or the server hung up before what it promised
                missing = response.length or 0  # Content-Length's bytes not yet read
                return bytes(body), (f"the server closed the connection after {len(body):,} "
                                     f"bytes, {missing:,} short: the page is incomplete"
                                     if missing else "")
            body += chunk
    except http.client.IncompleteRead:  # a chunked body cut off
        return bytes(body), (f"the server closed the connection after {len(body):,} bytes, "
                             "in the middle of the page: it is incomplete")
    except TimeoutError:
        raise ToolError(f"{url} is too slow: {len(body):,} bytes came in {time_limit:g} s, "
                        f"the time limit. Try again later, or another page.") from None
    size = f"{max_bytes / 2**20:g} MB"
    return bytes(body[:max_bytes]), f"the page is over {size}: only its first {size} were read"


def _reason(err: Exception) -> str:
    """One line for a failed connection: DNS, refused, TLS, or what the system said."""
    if isinstance(err, socket.gaierror):
        return "the host name was not found (DNS)"
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not valid ({err.verify_message})"
    if isinstance(err, ConnectionRefusedError):
        return "the connection was refused (nothing listens there)"
    if isinstance(err, http.client.HTTPException):
        return f"the server's answer is not valid HTTP ({type(err).__name__}: {err})"
    text = getattr(err, "strerror", None) or str(err) or type(err).__name__
    return " ".join(text.split())


def _checked_url(value: object) -> str:
    url = str(value or "").strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError as err:
        raise ToolError(f"{url!r} is not a valid URL ({err}).") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ToolError(f"{url!r} is not a web address: give a full URL that starts with "
                        f"https:// (or http://).")
    if parts.username is not None:
        raise ToolError("the URL carries a user name or password; WebFetch sends no "
                        "credentials: give the URL without them.")
    return url


class _Cache:
    """Pages read in the last `seconds`, by the URL asked and the URL reached; thread-safe."""

    def __init__(self, seconds: float, max_chars: int = CACHE_CHARS):
        self.seconds, self.max_chars = seconds, max_chars
        self.pages: dict[str, Page] = {}
        self.lock = threading.Lock()

    def get(self, url: str) -> Page | None:
        with self.lock:
            page = self.pages.get(url)
            return page if page and time.monotonic() - page.fetched <= self.seconds else None

    def put(self, urls: tuple[str, ...], page: Page) -> None:
        with self.lock:
            now = time.monotonic()
            for url in urls:
                self.pages[url] = page
            fresh = sorted((p.fetched, u) for u, p in self.pages.items()
                           if now - p.fetched <= self.seconds)
            while sum(len(self.pages[u].text) for _, u in fresh) > self.max_chars:
                fresh.pop(0)  # the oldest go first
            self.pages = {u: self.pages[u] for _, u in fresh}


def web_fetch(answer: Callable[[str, str], str] | None = None, *, budget: int = BUDGET,
              time_limit: float = TIME_LIMIT, max_bytes: int = MAX_BYTES,
              answer_chars: int = ANSWER_CHARS) -> Tool:
    """The WebFetch tool. `answer(prompt, text)` answers the prompt from a page longer than
    `budget` characters, given its first `answer_chars` (None: the page is shown, capped)."""
    cache = _Cache(CACHE_SECONDS)

    def run(args: dict, ctx: ToolContext) -> str:
        url = _checked_url(args.get("url"))
        prompt = str(args.get("prompt") or "").strip()
        if not prompt:
            raise ToolError("prompt is missing: say what you want from the page, e.g. "
                            "\"the install steps\" or \"what does the timeout option do\".")
        page = cache.get(url)
        head = [f"URL: {url}"]
        if page is not None:
            head.append(f"(cached, fetched {time.monotonic() - page.fetched:.0f} s ago)")
        else:
            got = fetch(url, time_limit, max_bytes)
            if isinstance(got, str):
                return got
            page = got
            cache.put((url, page.url), page)
        if page.url != url:
            head[0] = f"URL: {page.url} (redirected from {url})"
        if page.cut:
            head.append(f"(cut: {page.cut})")
        if len(page.text) > budget and answer is not None:
            given = page.text[:answer_chars]
            whole = f" of {len(page.text):,}" if len(given) < len(page.text) else ""
            reply = str(answer(prompt, given) or "")
            head.append(f"Answered from {len(given):,}{whole} characters of the page, "
                        f"for: {prompt}")
            return "\n".join(head) + "\n\n" + cap(reply.strip(), ctx.max_result_chars)
        head.append(f"Asked: {prompt}")
        text = page.text.strip() or "(the page has no text)"
        return "\n".join(head) + "\n\n" + cap(text, ctx.max_result_chars,
                                              "fetch a more specific page to see them")

    long_pages = ("a long page is answered from its text: you get an answer to your prompt, "
                  "not the page, so say exactly what you need" if answer is not None else
                  "a long page is cut in the middle")
    return Tool(
        name="WebFetch",
        description=(
            "Fetch a URL and answer the prompt from its content. The page is read as text "
            "(HTML made readable: headings, links, lists, code blocks); " + long_pages + ". "
            "It only reads: nothing is sent but the request. A redirect to another host is "
            "not followed: the result gives the new URL; call WebFetch again with it. Pages "
            "read in the last 15 minutes come from a cache. Use it for documentation pages, "
            "API references, issue threads and the like; it does not log in, run "
            "JavaScript, or read PDFs and images."),
        parameters={
            "type": "object",
            "properties": {
                "url": {"type": "string",
                        "description": "The URL to fetch: a full https:// (or http://) address."},
                "prompt": {"type": "string",
                           "description": "What to find or extract from the page."},
            },
            "required": ["url", "prompt"],
        },
        run=run,
        read_only=False,
        path_parameters=(),
        alongside=True,
    )
