"""The wire side of feeds: fetch over HTTP, parse RSS 2.0 / Atom 1.0 (HTML becomes text
through :mod:`pipeline.enrich.text`).

Stdlib only (urllib, expat, html.parser); trafilatura is used for article pages if installed.

XML goes through expat with a document-type declaration that has an internal subset refused
outright: that is where entity declarations live, so billion-laughs and external-entity
tricks never reach the tree. A plain ``<!DOCTYPE rss>`` without a subset is allowed.
"""

from __future__ import annotations

import importlib
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.parsers import expat

from pipeline.config import FeedSettings
from pipeline.enrich.text import html_to_text, main_text

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class FeedParseError(ValueError):
    """The document is not a well-formed, safe RSS 2.0 or Atom feed."""


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed, with HTML already reduced to text."""

    title: str
    link: str | None
    guid: str | None
    summary: str
    content: str
    published_at: datetime | None
    language: str | None


@dataclass(frozen=True)
class Feed:
    title: str
    language: str | None
    items: list[FeedItem] = field(default_factory=list)


# --- safe XML ---------------------------------------------------------------------------


def parse_xml(data: bytes) -> ET.Element:
    """An ElementTree root from untrusted bytes; refuses DTD internal subsets and entities."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    # Parameter entities would let an external DTD in; never resolve them.
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse_subset(name: str, sysid: str | None, pubid: str | None, subset: int) -> None:
        if subset:
            raise FeedParseError("DOCTYPE with an internal subset refused")

    def refuse_entity(*_: object) -> None:
        raise FeedParseError("entity declarations refused")

    def start(tag: str, attrs: dict[str, str]) -> None:
        builder.start(_clark(tag), {_clark(k): v for k, v in attrs.items()})

    parser.StartDoctypeDeclHandler = refuse_subset
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: builder.end(_clark(tag))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise FeedParseError(f"malformed XML: {exc}") from exc
    return builder.close()


def _clark(name: str) -> str:
    """expat's ``uri}local`` → ElementTree's ``{uri}local``."""
    return "{" + name if "}" in name else name


# --- feeds ------------------------------------------------------------------------------


def parse_feed(data: bytes, base_url: str = "") -> Feed:
    """An RSS 2.0 or Atom 1.0 feed; relative links are resolved against ``base_url``."""
    root = parse_xml(data)
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise FeedParseError("RSS without <channel>")
        return _rss(channel, base_url)
    if root.tag == f"{ATOM}feed":
        return _atom(root, base_url)
    raise FeedParseError(f"not an RSS 2.0 or Atom feed (root <{root.tag}>)")


def _text(element: ET.Element | None, path: str) -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def _rss(channel: ET.Element, base_url: str) -> Feed:
    language = _text(channel, "language") or _text(channel, f"{DC}language") or None
    items = []
    for item in channel.findall("item"):
        link = _text(item, "link")
        items.append(
            FeedItem(
                title=html_to_text(_text(item, "title")),
                link=urljoin(base_url, link) if link else None,
                guid=_text(item, "guid") or None,
                summary=html_to_text(_text(item, "description")),
                content=html_to_text(_text(item, f"{CONTENT}encoded")),
                published_at=_rfc822(_text(item, "pubDate")) or _iso(_text(item, f"{DC}date")),
                language=_text(item, f"{DC}language") or language,
            )
        )
    return Feed(html_to_text(_text(channel, "title")), language, items)


def _atom(feed: ET.Element, base_url: str) -> Feed:
    language = feed.get(XML_LANG)
    items = []
    for entry in feed.findall(f"{ATOM}entry"):
        href = _atom_link(entry)
        items.append(
            FeedItem(
                title=_atom_text(entry.find(f"{ATOM}title")),
                link=urljoin(base_url, href) if href else None,
                guid=_text(entry, f"{ATOM}id") or None,
                summary=_atom_text(entry.find(f"{ATOM}summary")),
                content=_atom_text(entry.find(f"{ATOM}content")),
                published_at=_iso(_text(entry, f"{ATOM}published"))
                or _iso(_text(entry, f"{ATOM}updated")),
                language=entry.get(XML_LANG) or language,
            )
        )
    return Feed(_atom_text(feed.find(f"{ATOM}title")), language, items)


def _atom_link(entry: ET.Element) -> str | None:
    """The ``rel="alternate"`` link (the default rel), else none."""
    for link in entry.findall(f"{ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return None


def _atom_text(element: ET.Element | None) -> str:
    """Text of an Atom text construct: ``text``, ``html`` (escaped) or ``xhtml`` (inline)."""
    if element is None:
        return ""
    if element.get("type") == "xhtml":
        for node in element.iter():  # xhtml:p → p, so block elements still break lines
            node.tag = node.tag.rpartition("}")[2]
        inner = "".join(ET.tostring(child, encoding="unicode") for child in element)
        return html_to_text(inner)
    return html_to_text(element.text or "")


def _rfc822(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _iso(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


# --- fetching ---------------------------------------------------------------------------


class FetchError(Exception):
    """A request failed; ``result`` is its :data:`POLL_RESULTS` label."""

    def __init__(self, result: str, reason: str) -> None:
        super().__init__(f"{result}: {reason}")
        self.result = result


@dataclass(frozen=True)
class Fetched:
    body: bytes
    url: str  # after redirects, for resolving relative links
    etag: str | None
    last_modified: str | None
    charset: str | None


class HostRateLimiter:
    """At most one request per ``min_interval`` seconds to one host (``host:port``)."""

    def __init__(self, min_interval: float, sleep: Callable[[float], None] = time.sleep) -> None:
        self.min_interval = min_interval
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            now = time.monotonic()
            # A slot is reserved under the lock, so concurrent callers queue up fairly.
            start = max(now, self._next.get(host, now))
            self._next[host] = start + self.min_interval
            if len(self._next) > 1000:
                self._next = {h: t for h, t in self._next.items() if t > now}
        if start > now:
            self._sleep(start - now)


class HttpFetcher:
    """GETs with conditional headers, a whole-request deadline and a size cap (urllib)."""

    def __init__(self, settings: FeedSettings, limiter: HostRateLimiter) -> None:
        self.settings = settings
        self.limiter = limiter
        # The default opener follows up to 10 redirects, to http(s)/ftp only.
        self._opener = urllib.request.build_opener()

    def fetch(self, url: str, etag: str | None = None, modified: str | None = None
              ) -> Fetched | None:  # fmt: skip
        """The response, or None for 304 Not Modified; raises :class:`FetchError`."""
        headers = {"User-Agent": self.settings.user_agent, "Accept": "*/*"}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        self.limiter.wait(url)
        deadline = time.monotonic() + self.settings.timeout_seconds
        request = urllib.request.Request(url, headers=headers)
        try:
            with self._opener.open(request, timeout=self.settings.timeout_seconds) as response:
                body = self._read(response, deadline)
                h = response.headers
                return Fetched(body, response.geturl(), h.get("ETag"), h.get("Last-Modified"),
                               h.get_content_charset())  # fmt: skip
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 304:
                return None
            raise FetchError("http_error", f"HTTP {exc.code} from {url}") from exc
        except urllib.error.URLError as exc:
            kind = "timeout" if isinstance(exc.reason, TimeoutError) else "network_error"
            raise FetchError(kind, f"{url}: {exc.reason}") from exc
        except TimeoutError as exc:
            raise FetchError("timeout", f"{url}: no answer in time") from exc
        except OSError as exc:  # connection reset, bad status line (http.client), ...
            raise FetchError("network_error", f"{url}: {exc}") from exc

    def _read(self, response: Any, deadline: float) -> bytes:
        limit = self.settings.max_bytes
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise FetchError("too_large", f"Content-Length {length} > {limit} bytes")
        chunks, size = [], 0
        # The socket timeout bounds each recv; the deadline bounds a server that trickles.
        # read1 returns after one recv, where read(n) would wait for all n bytes.
        while chunk := response.read1(65536):
            size += len(chunk)
            if size > limit:
                raise FetchError("too_large", f"more than {limit} bytes")
            if time.monotonic() > deadline:
                raise FetchError("timeout", "response slower than the deadline")
            chunks.append(chunk)
        return b"".join(chunks)


def page_extractor() -> Callable[[str, str], str | None]:
    """trafilatura's extractor when installed, else the stdlib heuristic of feed_parse."""
    try:
        trafilatura: Any = importlib.import_module("trafilatura")
    except ImportError:
        return lambda html, url: main_text(html, min_chars=1)

    def extract(html: str, url: str) -> str | None:
        text: str | None = trafilatura.extract(html, url=url, include_comments=False)
        return text

    return extract
