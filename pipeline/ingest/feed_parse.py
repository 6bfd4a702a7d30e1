"""Feed documents into :class:`Feed` s: feedparser, with the project's own checks in front.

feedparser reads every dialect it knows (RSS 0.9x / 1.0 (RDF) / 2.0, Atom 0.3 / 1.0, CDF),
permalink ``<guid>`` s as links, ``dc:*`` / ``dcterms:*`` fields, XHTML bodies and dates in
many zones. Before it sees a byte:

* the document is converted to UTF-8 the way feedparser itself would (BOM, HTTP charset, XML
  declaration), so the checks below read what the parser will read, whatever the encoding;
* any ``<!DOCTYPE … [ … ]>`` internal subset or ``<!ENTITY`` declaration is refused:
  feedparser's lenient fallback parser expands declared entities in Python (billion laughs),
  and an external entity could read files;
* it is handed a file object, never a string: ``feedparser.parse`` opens a string that looks
  like a URL or a file name.

The caller bounds the size (:mod:`pipeline.ingest.fetch`). HTML in titles and bodies becomes
text through :func:`pipeline.enrich.text.html_to_text`.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
from feedparser.encodings import convert_to_utf8

from pipeline.enrich.text import html_to_text
from pipeline.ingest.urlguard import safe_link

_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class FeedParseError(ValueError):
    """The document is not a safe feed feedparser can read."""


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed, with HTML already reduced to text."""

    title: str
    link: str | None  # an http(s) URL or None
    guid: str | None
    summary: str
    content: str
    published_at: datetime | None
    language: str | None


@dataclass(frozen=True)
class Feed:
    title: str
    language: str | None
    version: str  # feedparser's name of the dialect: rss20, rss10, atom10, atom03…
    items: list[FeedItem] = field(default_factory=list)


def to_utf8(data: bytes, content_type: str = "") -> bytes:
    """``data`` as UTF-8, decoded as feedparser would (HTTP charset, BOM, XML declaration)."""
    headers = {"content-type": content_type} if content_type else {}
    result: dict[str, Any] = {}
    converted: bytes = convert_to_utf8(headers, data, result)
    return converted


def check_document(utf8: bytes) -> None:
    """Refuse DTD internal subsets and entity declarations (see the module docstring)."""
    if _SUBSET.search(utf8):
        raise FeedParseError("DOCTYPE with an internal subset refused")
    if _ENTITY.search(utf8):
        raise FeedParseError("entity declarations refused")


def parse_feed(data: bytes, base_url: str = "", content_type: str = "") -> Feed:
    """A feed from untrusted bytes; relative links are resolved against ``base_url``."""
    if not data.strip():
        raise FeedParseError("empty document")
    utf8 = to_utf8(data, content_type)
    check_document(utf8)
    headers = {"content-type": "application/xml; charset=utf-8"}
    if base_url:
        headers["content-location"] = base_url
    parsed = feedparser.parse(io.BytesIO(utf8), response_headers=headers)
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no feed elements"
        raise FeedParseError(f"not a feed feedparser knows ({reason})")
    meta = parsed.feed
    language = _language(meta.get("language"), _detail_language(meta.get("title_detail")))
    items = [_item(entry, language) for entry in parsed.entries]
    return Feed(_text(meta.get("title_detail"), meta.get("title", "")), language, version, items)


def _item(entry: Any, feed_language: str | None) -> FeedItem:
    contents = [c for c in entry.get("content") or [] if c.get("value")]
    content = contents[0] if contents else None
    language = _language(
        entry.get("language"),
        _detail_language(content),
        _detail_language(entry.get("summary_detail")),
        _detail_language(entry.get("title_detail")),
        feed_language,
    )
    return FeedItem(
        title=_text(entry.get("title_detail"), entry.get("title", "")),
        link=safe_link(entry.get("link")),
        guid=entry.get("id") or None,
        summary=_text(entry.get("summary_detail"), entry.get("summary", "")),
        content=_text(content, content.get("value", "")) if content else "",
        published_at=_date(entry),
        language=language,
    )


def _text(detail: Any, value: str) -> str:
    """Plain text of a feedparser text construct (HTML reduced, whitespace collapsed)."""
    if not value:
        return ""
    kind = (detail or {}).get("type", "text/plain")
    if kind in _HTML_TYPES:
        return html_to_text(value)
    return " ".join(value.split()) if "\n" not in value.strip() else value.strip()


def _detail_language(detail: Any) -> str | None:
    language = (detail or {}).get("language")
    return str(language) if language else None


def _language(*candidates: str | None) -> str | None:
    for candidate in candidates:
        if candidate and candidate.strip():
            return candidate.strip().lower()[:16]
    return None


def _date(entry: Any) -> datetime | None:
    """feedparser's parsed date (UTC ``struct_time``): published, else updated, else created."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                year, month, day, hour, minute, second = parsed[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None
