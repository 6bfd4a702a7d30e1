"""The transactional sink on the real broker: contiguous batches from the committed offset,
fencing of stale owners and zombies, and what a read_committed reader sees."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Callable

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.structs import TopicPartition
from prometheus_client import CollectorRegistry

from pipeline.config import Settings
from pipeline.kafka.clients import aiokafka_config
from pipeline.kafka.topics import ensure_topics
from pipeline.observe.metrics import WorkerMetrics
from pipeline.worker.delivery.commit_queue import CommitQueue
from pipeline.worker.delivery.input_reader import InputReader
from pipeline.worker.delivery.transactions import CommitFailed, PartitionLost, TransactionalSink
from pipeline.worker.process import Incoming, Outgoing, Processor
from tests.integration.conftest import Env, producer, read_topic
from tests.unit.test_process import FakeEnricher

pytestmark = pytest.mark.integration


def _events(settings: Settings, messages: list[Incoming], tag: bytes) -> list[Outgoing]:
    return [Outgoing(settings.topics.enriched, m.key or b"", tag) for m in messages]


def _offsets(messages: list[Incoming]) -> list[int]:
    return [m.offset for m in messages]


async def _committed_soon(reader: InputReader, tp: TopicPartition, offset: int) -> int:
    """The committed offset once it is ``offset`` or after 10 s: a transaction's offsets
    become visible to a plain offset fetch only once its markers are written."""
    for _ in range(100):
        committed = await reader.committed(tp)
        if committed == offset:
            break
        await asyncio.sleep(0.1)
    return committed


async def _scenario(settings: Settings, tp: TopicPartition) -> None:
    reader = InputReader(settings)
    await reader.start()
    a = TransactionalSink(settings, lambda _: True, reader)
    b = TransactionalSink(settings, lambda _: True, reader)
    try:
        raw = await reader.read(tp, 0, 10)
        assert _offsets(raw) == list(range(10)) and raw[4].key == b"r4"

        # Faust handed over 3, 5, 5, 1: the sink fills the gaps from the committed offset 0.
        batch = await a.admit(tp, [raw[3], raw[5], raw[5], raw[1]])
        assert _offsets(batch) == [0, 1, 2, 3, 4, 5]
        assert [m.value for m in batch] == [r.value for r in raw[:6]]
        await a.commit(tp, _events(settings, batch, b"a"), 0, 6)
        assert await _committed_soon(reader, tp, 6) == 6

        # A zombie of the same partition writes and never commits.
        zombie = AIOKafkaProducer(
            **aiokafka_config(settings),
            transactional_id=f"{settings.worker.app_id}-newsflow-{tp.topic}-{tp.partition}",
        )
        await zombie.start()
        await zombie.begin_transaction()
        await (await zombie.send(settings.topics.enriched, key=b"zombie", value=b"z"))

        # A new owner fences A and the zombie, starts at 6, and drops what is committed.
        batch = await b.admit(tp, [raw[2], raw[6], raw[7]])
        assert _offsets(batch) == [6, 7]
        await b.commit(tp, _events(settings, batch, b"b"), 6, 8)
        await zombie.stop()

        # The stale owner's commit fails; its retry re-reads the offset and has nothing to do.
        stale = await a.admit(tp, [raw[6]])
        assert _offsets(stale) == [6]  # still believes 6: it learns only by failing
        with pytest.raises(CommitFailed):
            await a.commit(tp, _events(settings, stale, b"a"), 6, 7)
        assert await a.admit(tp, [raw[6]]) == []
        await a.close()  # A owns the producer now; B must re-fence to go on
        assert await b.admit(tp, [raw[8]]) != []  # B is fenced by A's retry ...
        with pytest.raises(CommitFailed):
            await b.commit(tp, [], 8, 9)
        assert _offsets(await b.admit(tp, [raw[9]])) == [8, 9]  # ... and recovers from 8
        with pytest.raises(CommitFailed, match="records start at 9"):
            await b.commit(tp, [], 9, 10)  # would skip offset 8
        await b.commit(tp, _events(settings, [raw[8], raw[9]], b"b"), 8, 10)

        # A worker that does not own the partition never fences its owner.
        c = TransactionalSink(settings, lambda _: False, reader)
        with pytest.raises(PartitionLost):
            await c.admit(tp, [raw[9]])
        assert await _committed_soon(reader, tp, 10) == 10
    finally:
        await a.close()
        await b.close()
        await reader.stop()


def test_sink_commits_contiguously_and_fences_stale_owners(
    make_env: Callable[..., Env],
) -> None:
    env = make_env()
    settings = env.settings
    ensure_topics(settings)
    p = producer()
    for i in range(10):
        p.send(settings.topics.raw, key=f"r{i}".encode(), value=f"v{i}".encode(), partition=0)
    p.flush()
    p.close()
    asyncio.run(_scenario(settings, TopicPartition(settings.topics.raw, 0)))
    # Finalise the fenced clients now: CPython 3.11 trips over finalisers run while it
    # compiles a module ("AST constructor recursion depth mismatch").
    gc.collect()
    # A read_committed reader sees offsets 0..9 once each, the aborted zombie write never.
    out = read_topic(settings.topics.enriched, expected=11, timeout=10)
    assert sorted(key for key, _ in out) == sorted(f"r{i}".encode() for i in range(10))
    assert dict(out)[b"r6"] == b"b" and dict(out)[b"r0"] == b"a"


async def _sweep(settings: Settings, tp: TopicPartition) -> list[int]:
    """Sizes of three sweeps of ``tp`` (3 records at most each), processed by a commit queue."""
    reader = InputReader(settings)
    await reader.start()
    sink = TransactionalSink(settings, lambda _: True, reader)
    processor = Processor(settings, FakeEnricher(), WorkerMetrics(CollectorRegistry(), "fake"))
    queue = CommitQueue(processor, sink, max_in_flight=4)
    committer = asyncio.create_task(queue.run())
    try:
        assert await sink.stranded([tp], idle_seconds=60, limit=3) == []  # not idle yet
        sizes = []
        for _ in range(3):
            records = await sink.stranded([tp], idle_seconds=0, limit=3)
            sizes.append(len(records))
            await queue.submit(records)
        for _ in range(100):
            if queue.in_flight == 0:
                break
            await asyncio.sleep(0.1)
        assert await _committed_soon(reader, tp, 5) == 5
        return sizes
    finally:
        committer.cancel()
        await sink.close()
        await reader.stop()


def test_input_faust_never_delivered_is_swept_up(make_env: Callable[..., Env]) -> None:
    """Records with nothing after them to reveal a gap are read directly once the partition
    has been idle long enough, a batch at a time, and committed like any other."""
    settings = make_env().settings
    ensure_topics(settings)
    p = producer()
    for i in range(5):
        article = {"id": f"s{i}", "title": f"Swept {i}", "body": f"Talks resumed in Oslo, day {i}."}
        p.send(settings.topics.raw, key=f"s{i}".encode(), value=json.dumps(article).encode(),
               partition=1)  # fmt: skip
    p.flush()
    p.close()
    assert asyncio.run(_sweep(settings, TopicPartition(settings.topics.raw, 1))) == [3, 2, 0]
    gc.collect()  # see above
    out = read_topic(settings.topics.enriched, expected=5, timeout=10)
    assert sorted(key for key, _ in out) == [f"s{i}".encode() for i in range(5)]
