"""The commit queue with a scripted sink: order, no waiting on the slowest, retries that do
not enrich again, work another worker took over, unexpected errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from aiokafka.structs import TopicPartition
from prometheus_client import CollectorRegistry

from pipeline.config import Settings
from pipeline.models import Enrichment, RawArticle
from pipeline.observe.metrics import WorkerMetrics
from pipeline.worker.dedup import Deduplicator
from pipeline.worker.delivery.commit_queue import CommitQueue
from pipeline.worker.delivery.transactions import CommitFailed, PartitionLost, continues
from pipeline.worker.process import Incoming, Outgoing, Processor
from pipeline.worker.validate import parse_raw
from tests.unit.test_process import FakeEnricher

RAW = "news.raw"


def _message(partition: int, offset: int, article_id: str) -> Incoming:
    body = f"Officials in Oslo spoke about {article_id}."
    value = json.dumps({"id": article_id, "title": article_id, "body": body}).encode()
    return Incoming(article_id.encode(), value, RAW, partition, offset, timestamp=None)


def _raw(article_id: str) -> RawArticle:
    return parse_raw(_message(0, 0, article_id).value, Settings().enrich).article


class ScriptedSink:
    """Committed offsets per partition; the first ``fail`` commits of a partition fail;
    ``lost`` partitions belong to someone else; ``taken`` moves a partition's committed
    offset when a commit fails (another worker did those)."""

    def __init__(
        self,
        fail: dict[int, int] | None = None,
        lost: set[int] | None = None,
        taken: dict[int, int] | None = None,
    ) -> None:
        self.next: dict[int, int] = {}
        self.admitted: dict[int, int] = {}
        self.fail = dict(fail or {})
        self.lost = lost or set()
        self.taken = taken or {}
        self.commits: list[tuple[int, int, list[bytes]]] = []  # enriched article ids
        self.dead: list[bytes] = []
        self.refused = 0

    async def admit(self, tp: TopicPartition, messages: Sequence[Incoming]) -> list[Incoming]:
        if tp.partition in self.lost:
            raise PartitionLost(tp)
        start = self.admitted.get(tp.partition, 0)
        fresh = sorted((m for m in messages if m.offset >= start), key=lambda m: m.offset)
        if fresh:
            self.admitted[tp.partition] = fresh[-1].offset + 1
        return fresh

    async def commit(
        self, tp: TopicPartition, out: Sequence[Outgoing], first_offset: int, next_offset: int
    ) -> None:
        if first_offset != self.next.get(tp.partition, 0):
            self.refused += 1
            raise CommitFailed("would skip records")
        if self.fail.get(tp.partition, 0) > 0:
            self.fail[tp.partition] -= 1
            if tp.partition in self.taken:
                self.next[tp.partition] = self.taken[tp.partition]
            raise CommitFailed("scripted")
        self.next[tp.partition] = next_offset
        self.commits.append((tp.partition, next_offset, [o.key for o in out if o.enriched]))
        self.dead.extend(o.key for o in out if o.dead)

    async def resume(self, tp: TopicPartition, pending: tuple[int, int]) -> int:
        if tp.partition in self.lost:
            raise PartitionLost(tp)
        committed = self.next.get(tp.partition, 0)
        self.admitted[tp.partition] = pending[1] if continues(pending, committed) else committed
        return committed


class SlowEnricher(FakeEnricher):
    """Takes ``delays[id]`` seconds for an article (0 otherwise)."""

    def __init__(self, delays: dict[str, float]) -> None:
        super().__init__()
        self.delays = delays

    async def enrich(self, article: RawArticle) -> tuple[Enrichment, dict[str, float]]:
        await asyncio.sleep(self.delays.get(article.id, 0.0))
        return await super().enrich(article)


def _processor(enricher: FakeEnricher, dedup: bool = False) -> Processor:
    processor = Processor(Settings(), enricher, WorkerMetrics(CollectorRegistry(), "fake"))
    if dedup:
        processor.dedup = Deduplicator({}, window_seconds=3600)
    return processor


async def _run(queue: CommitQueue, *batches: list[Incoming]) -> None:
    committer = asyncio.create_task(queue.run())
    for batch in batches:
        await queue.submit(batch)
    for _ in range(200):
        if queue.in_flight == 0:
            break
        await asyncio.sleep(0.01)
    committer.cancel()


def test_finished_prefixes_commit_in_offset_order_per_partition() -> None:
    enricher = SlowEnricher({"a": 0.2})
    sink = ScriptedSink()
    queue = CommitQueue(_processor(enricher), sink, max_in_flight=4)
    asyncio.run(_run(queue, [_message(0, 0, "a"), _message(0, 1, "b"), _message(1, 0, "c")]))
    # "c" (other partition) is not held back by the slow "a"; "b" waits for "a".
    assert sink.commits[0] == (1, 1, [b"c"])
    assert [(p, n) for p, n, _ in sink.commits[1:]] == [(0, 2)]
    assert sink.commits[1][2] == [b"a", b"b"]


def test_records_already_handed_out_are_not_processed_again() -> None:
    enricher = FakeEnricher()
    sink = ScriptedSink()
    queue = CommitQueue(_processor(enricher), sink, max_in_flight=4)
    first = [_message(0, 0, "a"), _message(0, 1, "b")]
    asyncio.run(_run(queue, first, [first[1], _message(0, 2, "c")]))
    assert enricher.seen == ["a", "b", "c"]
    assert sink.next == {0: 3}


def test_a_failed_commit_is_retried_without_enriching_again() -> None:
    enricher = FakeEnricher()
    sink = ScriptedSink(fail={0: 2})
    queue = CommitQueue(_processor(enricher), sink, max_in_flight=4)
    asyncio.run(_run(queue, [_message(0, 0, "a"), _message(0, 1, "b")]))
    assert enricher.seen == ["a", "b"]
    assert sink.next == {0: 2}
    assert [keys for _, _, keys in sink.commits] == [[b"a", b"b"]]


def test_records_another_worker_committed_meanwhile_are_dropped_and_freed() -> None:
    processor = _processor(FakeEnricher(), dedup=True)
    sink = ScriptedSink(fail={0: 1}, taken={0: 1})  # the other worker did offset 0
    queue = CommitQueue(processor, sink, max_in_flight=4)
    asyncio.run(_run(queue, [_message(0, 0, "a"), _message(0, 1, "b")]))
    assert [keys for _, _, keys in sink.commits] == [[b"b"]]
    assert processor.dedup is not None
    assert processor.dedup.claim(_raw("a"), now=0.0) is None  # its claim was released


def test_a_lost_partition_is_left_to_its_owner() -> None:
    enricher = FakeEnricher()
    sink = ScriptedSink(lost={1})
    queue = CommitQueue(_processor(enricher), sink, max_in_flight=4)
    asyncio.run(_run(queue, [_message(0, 0, "a"), _message(1, 0, "b")]))
    assert enricher.seen == ["a"]
    assert [p for p, _, _ in sink.commits] == [0]


def test_an_unexpected_error_dead_letters_the_article_and_the_queue_goes_on() -> None:
    class Broken(FakeEnricher):
        async def enrich(self, article: RawArticle) -> tuple[Enrichment, dict[str, float]]:
            if article.id == "a":
                raise ZeroDivisionError("bug")
            return await super().enrich(article)

    sink = ScriptedSink()
    queue = CommitQueue(_processor(Broken()), sink, max_in_flight=1)
    asyncio.run(_run(queue, [_message(0, 0, "a"), _message(0, 1, "b")]))
    assert sink.next == {0: 2}
    assert sink.dead == [b"a"]
    assert [key for _, _, keys in sink.commits for key in keys] == [b"b"]


def test_records_that_do_not_continue_the_committed_offset_are_dropped_and_redone() -> None:
    enricher = FakeEnricher()
    sink = ScriptedSink()
    sink.admitted[0] = 5  # a stale run admitted from 5 while offsets 0..4 were never done
    queue = CommitQueue(_processor(enricher), sink, max_in_flight=4)

    async def scenario() -> None:
        committer = asyncio.create_task(queue.run())
        await queue.submit([_message(0, 5, "m5"), _message(0, 6, "m6")])
        for _ in range(200):
            if sink.refused and queue.in_flight == 0:
                break
            await asyncio.sleep(0.01)
        # The records are read again from the committed offset (Faust, a gap fill or the sweep).
        await queue.submit([_message(0, i, f"m{i}") for i in range(7)])
        for _ in range(200):
            if queue.in_flight == 0:
                break
            await asyncio.sleep(0.01)
        committer.cancel()

    asyncio.run(scenario())
    assert sink.refused >= 1 and sink.next == {0: 7}
    committed = [key for _, _, keys in sink.commits for key in keys]
    assert committed == [f"m{i}".encode() for i in range(7)]
