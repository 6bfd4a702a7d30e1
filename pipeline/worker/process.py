"""One raw message in, its events out: the worker's decisions, free of Faust.

An accepted article becomes an EnrichedArticle on the enriched topic (with its story, when
stories are on), followed by one EntityEvent per canonical entity and one StanceEvent per
stance tag; a re-sent article (de-duplication) becomes nothing; a copy of an earlier article's
text under another id is marked ``duplicate_of`` it and reuses its enrichment when this worker
still holds it; any rejection (undecodable, invalid, or failing inside
enrichment) becomes a DeadLetter with its reason.
Error policy lives here: nothing a message contains can make the worker raise.

Every output fits its topic (:class:`OutputLimits`): a dead letter cuts the original key and
value to fit, and an article any of whose events would not fit becomes one dead letter
(``output_too_large``) instead, so no transaction can fail for a record's size.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from pipeline import __version__
from pipeline.config import Settings
from pipeline.errors import Abandoned, RejectedMessage
from pipeline.models import (
    DeadLetter,
    Enriched,
    EnrichedArticle,
    Enrichment,
    EnrichmentMeta,
    ErrorCode,
    RawArticle,
    split_events,
)
from pipeline.observe import logs
from pipeline.observe.metrics import WorkerMetrics
from pipeline.stories.assign import EnrichmentCache, Stories
from pipeline.stories.signature import MinHash
from pipeline.worker.dedup import Deduplicator, FirstCopy
from pipeline.worker.validate import dead_letter, parse_raw

log = logging.getLogger(__name__)

# Kafka's default message.max.bytes is 1,048,588 and a producer's max_request_size 1,048,576
# (Faust's 1,000,000): this fits all three when the broker cannot be asked.
DEFAULT_MAX_RECORD_BYTES = 1_000_000
RECORD_FRAMING_BYTES = 512  # a record batch's header and one record's framing, generously
DEAD_LETTER_KEY_MAX_BYTES = 4096  # a longer original key is not reused as the dead letter's key


class AsyncEnricher(Protocol):
    """What the processor needs from the enrichment (the process pool, or a test double)."""

    model_name: str
    model_version: str

    async def enrich(self, article: RawArticle) -> Enriched: ...


@dataclass(frozen=True)
class Incoming:
    key: bytes | None
    value: bytes | None
    topic: str
    partition: int
    offset: int
    timestamp: float | None  # seconds since the epoch, as set by the producer

    @classmethod
    def of(cls, record: Any, timestamp: float | None) -> Incoming:
        """From a Faust message or an aiokafka record (they differ in timestamp units)."""
        return cls(record.key, record.value, record.topic, record.partition, record.offset,
                   timestamp)  # fmt: skip


@dataclass(frozen=True)
class Outgoing:
    topic: str
    key: bytes
    value: bytes
    enriched: EnrichedArticle | None = None
    dead: DeadLetter | None = None


@dataclass(frozen=True)
class OutputLimits:
    """The largest record each output topic takes, in bytes (key, value and framing): the
    least of the topic's ``max.message.bytes`` as the broker reports it and the producer's
    ``max_request_size``; ``default`` for a topic the broker was not asked about."""

    per_topic: Mapping[str, int] = field(default_factory=dict)
    default: int = DEFAULT_MAX_RECORD_BYTES

    def room(self, topic: str, key: bytes) -> int:
        """Bytes left for the value of a record with ``key`` on ``topic``."""
        return self.per_topic.get(topic, self.default) - RECORD_FRAMING_BYTES - len(key)


def enriched_article(article: RawArticle, enrichment: Enrichment, language: str | None,
                     meta: EnrichmentMeta) -> EnrichedArticle:  # fmt: skip
    """The article with its enrichment, from the two validated models' fields as they are:
    validating them again (every entity and mention of the enrichment) would cost the event
    loop ~0.5 ms an article for the same model (tests/unit/test_process.py compares both)."""
    return EnrichedArticle.model_construct(
        **dict(article), **dict(enrichment), detected_language=language, meta=meta
    )


class Processor:
    def __init__(
        self,
        settings: Settings,
        enricher: AsyncEnricher,
        metrics: WorkerMetrics,
        dedup: Deduplicator | None = None,
    ) -> None:
        self.settings = settings
        self.enricher = enricher
        self.metrics = metrics
        self.dedup = dedup
        self.stories: Stories | None = None  # install_stories sets it
        self.reuse = EnrichmentCache(settings.stories.reuse_cache_articles)
        self.limits = OutputLimits()  # the agent sets the broker's when it starts

    async def process(self, message: Incoming) -> list[Outgoing]:
        """What one message becomes: the enriched event followed by its per-entity and
        per-stance events, one dead letter, or nothing for an article already enriched.
        Never raises but for cancellation: an unexpected error (a bug, a broken pool) makes
        a dead letter, so the message is not lost and its partition goes on."""
        self.metrics.consumed.labels(topic=message.topic).inc()
        logs.bind_message(message.topic, message.partition, message.offset)
        try:
            outs = await self._decide(message)
        except Abandoned:
            raise  # stopping: neither output nor dead letter, the next owner redoes it
        except Exception as exc:
            log.exception("processing %s[%d]@%d failed", message.topic, message.partition,
                          message.offset)  # fmt: skip
            return self.fail(message, exc)
        oversized = next((o for o in outs if len(o.value) > self.limits.room(o.topic, o.key)), None)
        if oversized is None:
            return outs
        self.release(message)
        limit = self.limits.room(oversized.topic, oversized.key)
        too_large = RejectedMessage(
            ErrorCode.OUTPUT_TOO_LARGE,
            f"its {oversized.topic} event is {len(oversized.value)} bytes, over the {limit} "
            "the topic leaves for it",
        )
        return [self._reject(too_large, message)]

    async def _decide(self, message: Incoming) -> list[Outgoing]:
        try:
            accepted = parse_raw(message.value, self.settings.enrich)
        except RejectedMessage as rejection:
            return [self._reject(rejection, message)]
        article = accepted.article
        logs.bind(article_id=article.id)
        owner = (message.topic, message.partition, message.offset)
        now = time.time()
        if self.dedup is not None and self.dedup.claim(article, now, owner) is not None:
            self.metrics.deduplicated.labels(topic=message.topic).inc()
            return []
        first = self.dedup.first_copy(article, now) if self.dedup is not None else None
        reused = self.reuse.get(article)
        minhash: MinHash | None = None  # a copy's is computed by the story step
        if reused is not None:
            enriched = self._reused(article, accepted.detected_language, reused)
        else:
            deadline = self.settings.worker.enrich_deadline_seconds
            try:
                enriched, minhash = await asyncio.wait_for(
                    self._enrich(article, accepted.detected_language), deadline
                )
            except TimeoutError:
                self.release(message)
                timeout = RejectedMessage(
                    ErrorCode.ENRICHMENT_TIMEOUT, f"not enriched in {deadline:g} s"
                )
                return [self._reject(timeout, message)]
            except RejectedMessage as rejection:
                self.release(message)
                return [self._reject(rejection, message)]
            except Abandoned:
                self.release(message)  # its redo must not meet this attempt's claim
                raise
            self.reuse.put(enriched)
        enriched = await self._story(enriched, owner, now, first, minhash)
        return [
            Outgoing(
                topic=self.settings.topics.enriched,
                key=article.id.encode("utf-8"),
                value=enriched.model_dump_json().encode("utf-8"),
                enriched=enriched,
            ),
            *self._derived(enriched),
        ]

    def _reused(self, article: RawArticle, language: str | None,
                enrichment: Enrichment) -> EnrichedArticle:  # fmt: skip
        """A copy of an enriched text: the same enrichment (its offsets hold, the text is the
        same), nothing computed."""
        self.metrics.reused.inc()
        meta = EnrichmentMeta(
            pipeline_version=__version__,
            model_name=self.enricher.model_name,
            model_version=self.enricher.model_version,
            enriched_at=datetime.now(UTC),
            processing_seconds=0.0,
        )
        return enriched_article(article, enrichment, language, meta)

    async def _story(self, enriched: EnrichedArticle, owner: tuple[str, int, int], now: float,
                     first: FirstCopy | None, minhash: MinHash | None,
                     ) -> EnrichedArticle:  # fmt: skip
        if first is not None:
            enriched = enriched.model_copy(update={"duplicate_of": first.article_id})
        if self.stories is None:
            return enriched
        await self.stories.ready()  # the index read to the end it had when the worker started
        return self.stories.assign(enriched, owner, now, first.story_id if first else None, minhash)

    def fail(self, message: Incoming, exc: Exception) -> list[Outgoing]:
        """A dead letter for an article whose processing raised unexpectedly: it is not
        lost, and the worker goes on."""
        rejection = RejectedMessage(ErrorCode.ENRICHMENT_FAILED, f"unexpected error: {exc!r}")
        return [self._reject(rejection, message)]

    def _derived(self, enriched: EnrichedArticle) -> list[Outgoing]:
        topics = self.settings.topics
        entities, stances = split_events(enriched)
        return [
            *(
                Outgoing(topics.entities, e.name.encode(), e.model_dump_json().encode())
                for e in entities
            ),
            *(
                Outgoing(topics.stance, s.holder.encode(), s.model_dump_json().encode())
                for s in stances
            ),
        ]

    def record_published(self, out: Outgoing, message: Incoming) -> None:
        """Count an event once it is handed to the producer (derived events count nothing)."""
        if out.enriched is not None:
            if self.dedup is not None:
                self.dedup.confirm(out.enriched, time.time(), out.enriched.story_id)
            if self.stories is not None:
                self.stories.confirm((message.topic, message.partition, message.offset),
                                     time.time())  # fmt: skip
            self.metrics.enriched.labels(topic=out.topic).inc()
            for entity in out.enriched.entities:
                self.metrics.entities.labels(label=entity.label).inc()
            for tag in out.enriched.stances:
                self.metrics.stances.labels(stance=tag.stance).inc()
            if message.timestamp is not None:
                self.metrics.end_to_end.observe(max(0.0, time.time() - message.timestamp))
        elif out.dead is not None:
            self.metrics.deadlettered.labels(reason=out.dead.error_code.value).inc()

    def release(self, message: Incoming) -> None:
        """``message`` left the worker (committed or dropped): free its de-duplication claim."""
        owner = (message.topic, message.partition, message.offset)
        if self.dedup is not None:
            self.dedup.release(owner)
        if self.stories is not None:
            self.stories.release(owner)

    async def _enrich(
        self, article: RawArticle, language: str | None
    ) -> tuple[EnrichedArticle, MinHash | None]:
        enriched_at = datetime.now(UTC)
        enrichment, timings, minhash = await self.enricher.enrich(article)
        for stage, seconds in timings.items():
            self.metrics.enrich_duration.labels(stage=stage).observe(seconds)
        meta = EnrichmentMeta(
            pipeline_version=__version__,
            model_name=self.enricher.model_name,
            model_version=self.enricher.model_version,
            enriched_at=enriched_at,
            processing_seconds=timings.get("total", 0.0),
        )
        return enriched_article(article, enrichment, language, meta), minhash

    def _reject(self, rejection: RejectedMessage, message: Incoming) -> Outgoing:
        # A keyless message, or one with a huge key, is keyed by its position, so its dead
        # letter is still addressable; the dead letter's content is cut to fit the topic.
        key = message.key
        if key is None or len(key) > DEAD_LETTER_KEY_MAX_BYTES:
            key = f"{message.partition}:{message.offset}".encode()
        topic = self.settings.topics.deadletter
        dead = dead_letter(
            rejection,
            message.key,
            message.value,
            message.topic,
            message.partition,
            message.offset,
            max_bytes=self.limits.room(topic, key),
        )
        log.info("dead letter: %s", rejection)
        return Outgoing(topic, key, dead.model_dump_json().encode("utf-8"), dead=dead)
