"""Not enriching the same article twice: by id, canonical URL or normalised content.

A re-sent article (same id or canonical URL) seen within the window
(``NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS``) is skipped. A copy, the same normalised text under
another id and URL (a wire story run by a second outlet), is coverage: it is kept, and
:meth:`Deduplicator.first_copy` names the first copy and its story so that the copy is marked
``duplicate_of`` it (``NEWSFLOW_STORIES_CONTENT_DUPLICATES=drop`` skips copies instead).

Seen keys live in a changelog-backed Faust GlobalTable (key -> first-seen epoch seconds; a
content key -> ``[seen at, first copy's id, its story id]``), so every worker of the group
sees them and they survive restarts. A key is claimed when its article starts processing (so
twins in flight at the same time are caught) and written to the table only once the article's
events are committed.
A claim belongs to an owner (the input partition and offset): the same owner claiming again (a
redo of that record) is never its own duplicate, and only its owner releases it.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Hashable, MutableMapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
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
    return _words_hash(article.title, article.body)


# An article's content key is read when it is claimed, when its first copy is looked up and
# twice when it is confirmed (~0.1 ms each for a 500-word article, on the event loop): the
# texts of the articles in flight are remembered, keyed by the strings themselves.
@lru_cache(maxsize=256)
def _words_hash(title: str, body: str) -> str:
    words = _WORDS.findall(f"{title}\n{body}".casefold())
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()[:32]


def keys_of(article: RawArticle) -> list[str]:
    keys = [f"id:{article.id}", f"content:{content_hash(article)}"]
    if article.url:
        keys.append(f"url:{canonical_url(article.url)}")
    return keys


def _seen_at(value: Any) -> float | None:
    """When a key was confirmed: a content key holds ``[seen at, first id, story id]``,
    the others the time alone."""
    if isinstance(value, list) and value:
        return float(value[0])
    return float(value) if isinstance(value, int | float) else None


@dataclass(frozen=True)
class FirstCopy:
    article_id: str
    story_id: str | None


class Deduplicator:
    """Claims, confirms and releases an article's keys against the seen table."""

    # A claim older than this is stale (its article's processing died without release).
    CLAIM_SECONDS = 120.0

    def __init__(
        self, table: MutableMapping[str, Any], window_seconds: float, drop_copies: bool = False
    ) -> None:
        self._table = table
        self._window = window_seconds
        self._drop_copies = drop_copies
        self._pending: dict[str, tuple[Hashable, float]] = {}  # key -> (owner, claimed at)
        self._claims: dict[Hashable, list[str]] = {}  # owner -> its keys

    def claim(self, article: RawArticle, now: float, owner: Hashable) -> str | None:
        """The key that makes ``article`` a duplicate, or None after claiming its keys for
        ``owner``."""
        keys = keys_of(article)
        if not self._drop_copies:
            keys = [k for k in keys if not k.startswith("content:")]
        for key in keys:
            claimed = self._pending.get(key)
            if (
                claimed is not None
                and claimed[0] != owner
                and now - claimed[1] < self.CLAIM_SECONDS
            ):
                return key
            seen = _seen_at(self._table.get(key))
            if seen is not None and now - seen < self._window:
                return key
        self.release(owner)
        self._pending.update(dict.fromkeys(keys, (owner, now)))
        self._claims[owner] = keys
        return None

    def first_copy(self, article: RawArticle, now: float) -> FirstCopy | None:
        """The committed article, under another id, whose text ``article`` copies, or None."""
        value = self._table.get(f"content:{content_hash(article)}")
        seen = _seen_at(value)
        if not isinstance(value, list) or seen is None or now - seen >= self._window:
            return None
        if len(value) < 2 or value[1] == article.id:
            return None
        return FirstCopy(str(value[1]), value[2] if len(value) > 2 else None)

    def confirm(self, article: RawArticle, now: float, story_id: str | None = None) -> None:
        """The article's events are committed: remember its keys for the window; a content
        key keeps naming its first copy (and that copy's story) until the window is over."""
        for key in keys_of(article):
            self._pending.pop(key, None)
            value: object = now
            if key.startswith("content:"):
                if self.first_copy(article, now) is not None:
                    continue  # the key keeps naming the first copy
                value = [now, article.id, story_id]
            self._table[key] = value

    async def prune(self, now: float, chunk: int = 5_000) -> int:
        """Delete keys older than the window; yields to the loop between chunks."""
        expired = [
            key
            for key, value in list(self._table.items())
            if now - (_seen_at(value) or 0.0) >= self._window
        ]
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
