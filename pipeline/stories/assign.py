"""The worker's side of stories: a story for each enriched article, and a copy's enrichment
taken from its first copy instead of computed again.

Both are decided as the article is processed and written to the story index only once its
events are committed (:meth:`Stories.confirm`, which also hands the record to the feed that
shares it with the other workers), like the de-duplication keys; the claim of an article
whose record is dropped is released (:meth:`Stories.release`).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

from pipeline.models import EnrichedArticle, Enrichment, RawArticle
from pipeline.stories.index import StoryIndex
from pipeline.stories.metrics import StoriesMetrics
from pipeline.stories.signature import MinHash, Signature, signature

SHINGLE_WORDS = 5


def text_digest(article: RawArticle) -> str:
    """Of the exact title and body: an enrichment's offsets are valid for the same text only."""
    data = f"{article.title}\x00{article.body}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


class EnrichmentCache:
    """The latest ``size`` enrichments by exact text, for copies to reuse (in memory, per
    worker: a copy whose first copy another worker enriched is enriched again).

    Entries are kept as JSON and validated again on a hit: a pydantic ``Enrichment`` of a
    real article takes ~100 KB of Python objects against ~8.5 KB of JSON, so 2,000 models
    would hold ~190 MB of a worker's memory for the rare copy that reuses one."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._fields = set(Enrichment.model_fields)

    def get(self, article: RawArticle) -> Enrichment | None:
        key = text_digest(article)
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return Enrichment.model_validate_json(found)

    def put(self, article: EnrichedArticle) -> None:
        if self._size == 0:
            return
        key = text_digest(article)
        self._items[key] = article.model_dump_json(include=self._fields).encode()
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    @property
    def stored_bytes(self) -> int:
        """The JSON the cache holds (what its memory grows with)."""
        return sum(len(v) for v in self._items.values())


@dataclass(frozen=True)
class _Decided:
    article_id: str
    story_id: str
    sig: Signature


Share = Callable[[str, dict[str, Any]], None]


async def _ready_now() -> None:
    return None


class Stories:
    """``share`` sends a confirmed record to the other workers; ``ready`` returns once the
    index holds what they had confirmed before this worker started (both no-ops alone)."""

    def __init__(
        self,
        index: StoryIndex,
        metrics: StoriesMetrics,
        share: Share | None = None,
        ready: Callable[[], Awaitable[None]] = _ready_now,
    ) -> None:
        self.index = index
        self.metrics = metrics
        self.share = share
        self.ready = ready
        self._decided: dict[Hashable, _Decided] = {}

    def assign(
        self,
        article: EnrichedArticle,
        owner: Hashable,
        now: float,
        copy_story: str | None = None,
        minhash: MinHash | None = None,
    ) -> EnrichedArticle:
        """``article`` with its ``story_id``: ``copy_story`` (the story of the first copy of
        its text) when given, else the index's match; held for ``owner`` until confirmed.
        ``minhash``: the text's MinHash when the NLP process computed it, else it is computed
        here."""
        sig = signature(article.title, article.body, article.entities, SHINGLE_WORDS, minhash)
        if copy_story is not None:
            story, kind = copy_story, "copy"
        else:
            found = self.index.match(article.id, sig, now)
            story, kind = found.story_id, found.kind
        self.metrics.assigned.labels(kind=kind).inc()
        self.index.claim(owner, article.id, story, sig, now)
        self._decided[owner] = _Decided(article.id, story, sig)
        return article.model_copy(update={"story_id": story})

    def confirm(self, owner: Hashable, now: float) -> None:
        decided = self._decided.pop(owner, None)
        if decided is not None:
            record = self.index.confirm(
                owner, decided.article_id, decided.story_id, decided.sig, now
            )
            if self.share is not None:
                self.share(decided.article_id, record)

    def release(self, owner: Hashable) -> None:
        self._decided.pop(owner, None)
        self.index.release(owner)
