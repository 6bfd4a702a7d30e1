"""Not enriching the same article twice: by id, canonical URL or normalised content.

A re-sent article is recognised when any of its keys was seen within the window
(``NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS``). Seen keys live in a changelog-backed Faust
GlobalTable (key -> first-seen epoch seconds), so every worker of the group sees them and they
survive restarts. A key is claimed when its article starts processing (so twins in flight at
the same time are caught) and written to the table only once the article's events are committed.
A claim belongs to an owner (the input partition and offset): the same owner claiming again (a
redo of that record) is never its own duplicate, and only its owner releases it.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Hashable, MutableMapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pipeline.models import RawArticle

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref)$", re.IGNORECASE)
_WORDS = re.compile(r"\w+")


def canonical_url(url: str) -> str:
    """Scheme and host lower-cased, default port, fragment, tracking parameters and a
    trailing slash dropped, remaining parameters sorted."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k))
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), host, path, urlencode(query), ""))


def content_hash(article: RawArticle) -> str:
    """Hash of the title and body words, case-folded: immune to spacing and punctuation."""
    words = _WORDS.findall(f"{article.title}\n{article.body}".casefold())
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()[:32]


def keys_of(article: RawArticle) -> list[str]:
    keys = [f"id:{article.id}", f"content:{content_hash(article)}"]
    if article.url:
        keys.append(f"url:{canonical_url(article.url)}")
    return keys


class Deduplicator:
    """Claims, confirms and releases an article's keys against the seen table."""

    # A claim older than this is stale (its article's processing died without release).
    CLAIM_SECONDS = 120.0

    def __init__(self, table: MutableMapping[str, float], window_seconds: float) -> None:
        self._table = table
        self._window = window_seconds
        self._pending: dict[str, tuple[Hashable, float]] = {}  # key -> (owner, claimed at)
        self._claims: dict[Hashable, list[str]] = {}  # owner -> its keys

    def claim(self, article: RawArticle, now: float, owner: Hashable) -> str | None:
        """The key that makes ``article`` a duplicate, or None after claiming its keys for
        ``owner``."""
        keys = keys_of(article)
        for key in keys:
            claimed = self._pending.get(key)
            if (
                claimed is not None
                and claimed[0] != owner
                and now - claimed[1] < self.CLAIM_SECONDS
            ):
                return key
            seen = self._table.get(key)
            if seen is not None and now - seen < self._window:
                return key
        self.release(owner)
        self._pending.update(dict.fromkeys(keys, (owner, now)))
        self._claims[owner] = keys
        return None

    def confirm(self, article: RawArticle, now: float) -> None:
        """The article's events are committed: remember its keys for the window."""
        for key in keys_of(article):
            self._pending.pop(key, None)
            self._table[key] = now

    async def prune(self, now: float, chunk: int = 5_000) -> int:
        """Delete keys older than the window; yields to the loop between chunks."""
        expired = [key for key, seen in list(self._table.items()) if now - seen >= self._window]
        for start in range(0, len(expired), chunk):
            for key in expired[start : start + chunk]:
                self._table.pop(key, None)
            await asyncio.sleep(0)
        return len(expired)

    def release(self, owner: Hashable) -> None:
        """``owner``'s record left (committed, rejected or dropped): free what it claimed."""
        for key in self._claims.pop(owner, ()):
            if self._pending.get(key, (None,))[0] == owner:
                del self._pending[key]
