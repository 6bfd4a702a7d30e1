"""Batch commits with a scripted sink: retries reuse enrichment, lost partitions free claims."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from aiokafka.structs import TopicPartition
from prometheus_client import CollectorRegistry

from pipeline.batch import process_batch
from pipeline.config import Settings
from pipeline.dedup import Deduplicator
from pipeline.metrics import WorkerMetrics
from pipeline.models import RawArticle
from pipeline.process import Incoming, Outgoing, Processor
from pipeline.transactions import CommitFailed, PartitionLost
from pipeline.validate import parse_raw
from tests.unit.test_process import FakeEnricher

RAW = "news.raw"


def _message(partition: int, offset: int, article_id: str) -> Incoming:
    body = f"Officials in Oslo spoke about {article_id}."
    value = json.dumps({"id": article_id, "title": article_id, "body": body}).encode()
    return Incoming(article_id.encode(), value, RAW, partition, offset, timestamp=None)


class ScriptedSink:
    """Committed offsets per partition; the first ``fail`` commits of a partition fail,
    ``lost`` partitions belong to someone else."""

    def __init__(self, fail: dict[int, int] | None = None, lost: set[int] | None = None) -> None:
        self.next: dict[int, int] = {}
        self.fail = dict(fail or {})
        self.lost = lost or set()
        self.published: list[tuple[int, int, list[bytes]]] = []

    async def admit(self, tp: TopicPartition, messages: Sequence[Incoming]) -> list[Incoming]:
        if tp.partition in self.lost:
            raise PartitionLost(tp)
        start = self.next.get(tp.partition, 0)
        return sorted((m for m in messages if m.offset >= start), key=lambda m: m.offset)

    async def commit(self, tp: TopicPartition, out: Sequence[Outgoing], next_offset: int) -> None:
        if self.fail.get(tp.partition, 0) > 0:
            self.fail[tp.partition] -= 1
            raise CommitFailed("scripted")
        self.next[tp.partition] = next_offset
        self.published.append((tp.partition, next_offset, [o.key for o in out]))


def _processor(dedup: bool = False) -> tuple[Processor, FakeEnricher]:
    enricher = FakeEnricher()
    metrics = WorkerMetrics(CollectorRegistry(), "fake")
    processor = Processor(Settings(), enricher, metrics)
    if dedup:
        processor.dedup = Deduplicator({}, window_seconds=3600)
    return processor, enricher


def test_each_partition_commits_its_events_with_the_next_offset() -> None:
    processor, _ = _processor()
    sink = ScriptedSink()
    batch = [_message(0, 0, "a"), _message(1, 0, "b"), _message(0, 1, "c")]
    asyncio.run(process_batch(batch, processor, sink))
    enriched = {(p, n, tuple(k for k in keys if k in (b"a", b"b", b"c")))
                for p, n, keys in sink.published}  # fmt: skip
    assert enriched == {(0, 2, (b"a", b"c")), (1, 1, (b"b",))}


def test_a_failed_commit_is_retried_without_enriching_again() -> None:
    processor, enricher = _processor()
    sink = ScriptedSink(fail={0: 2})
    asyncio.run(process_batch([_message(0, 0, "a"), _message(0, 1, "b")], processor, sink))
    assert sink.next == {0: 2}
    assert enricher.seen == ["a", "b"]  # enriched once, published on the third try
    assert len(sink.published) == 1


def test_records_committed_by_another_worker_meanwhile_are_not_published() -> None:
    processor, _ = _processor(dedup=True)

    class TakenOver(ScriptedSink):
        async def commit(
            self, tp: TopicPartition, out: Sequence[Outgoing], next_offset: int
        ) -> None:
            self.next[tp.partition] = 5  # someone else committed through offset 4
            raise CommitFailed("fenced")

    sink = TakenOver()
    asyncio.run(process_batch([_message(0, 3, "a")], processor, sink))
    assert sink.published == []
    # Its de-duplication claim was released: the article is not a duplicate of itself later.
    assert processor.dedup is not None
    assert processor.dedup.claim(_raw("a"), now=0.0) is None


def test_a_lost_partition_is_left_to_its_owner_and_its_claims_freed() -> None:
    processor, enricher = _processor(dedup=True)
    sink = ScriptedSink(lost={1})
    asyncio.run(process_batch([_message(0, 0, "a"), _message(1, 0, "b")], processor, sink))
    assert [p for p, _, _ in sink.published] == [0]
    assert enricher.seen == ["a"]
    assert processor.dedup is not None and processor.dedup.claim(_raw("b"), now=0.0) is None


def _raw(article_id: str) -> RawArticle:
    return parse_raw(_message(0, 0, article_id).value, Settings().enrich)
