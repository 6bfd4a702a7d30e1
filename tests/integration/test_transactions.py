"""The delivery path on the real broker: gaps Faust left are read, fencing of stale owners and
zombies, the sweep, and what a read_committed reader sees."""

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
from pipeline.worker.delivery.delivery import Delivery
from pipeline.worker.delivery.kafka_io import AioKafka
from pipeline.worker.process import Processor
from tests.integration.conftest import Env, producer, read_topic
from tests.unit.test_process import FakeEnricher

pytestmark = pytest.mark.integration


def _publish(settings: Settings, prefix: str, count: int, partition: int) -> None:
    p = producer()
    for i in range(count):
        article = {"id": f"{prefix}{i}", "title": f"T{i}", "body": f"Talks in Oslo, day {i}."}
        p.send(settings.topics.raw, key=f"{prefix}{i}".encode(),
               value=json.dumps(article).encode(), partition=partition)  # fmt: skip
    p.flush()
    p.close()


def _delivery(settings: Settings, kafka: AioKafka) -> Delivery:
    processor = Processor(settings, FakeEnricher(), WorkerMetrics(CollectorRegistry(), "fake"))
    return Delivery(processor, kafka, lambda _: True, max_in_flight=8)


async def _committed(kafka: AioKafka, tp: TopicPartition, offset: int) -> int:
    """The committed offset once it is ``offset`` or after 10 s (a transaction's offsets show
    in a plain offset fetch only once its markers are written)."""
    for _ in range(100):
        committed = await kafka.committed(tp)
        if committed == offset:
            break
        await asyncio.sleep(0.1)
    return committed


async def _scenario(settings: Settings, tp: TopicPartition) -> None:
    kafka = AioKafka(settings)
    await kafka.start()
    a, b = _delivery(settings, kafka), _delivery(settings, kafka)
    tasks = [asyncio.create_task(a.run()), asyncio.create_task(b.run())]
    try:
        raw = await kafka.read(tp, 0, 10)
        assert [m.offset for m in raw] == list(range(10))
        # Faust handed over 3, 5, 5, 1: the gaps from the committed offset 0 are read.
        await a.submit([raw[3], raw[5], raw[5], raw[1]])
        assert await _committed(kafka, tp, 6) == 6

        # A zombie of the same partition writes and never commits.
        zombie = AIOKafkaProducer(
            **aiokafka_config(settings),
            transactional_id=f"{settings.worker.app_id}-newsflow-{tp.topic}-{tp.partition}",
        )
        await zombie.start()
        await zombie.begin_transaction()
        await (await zombie.send(settings.topics.enriched, key=b"zombie", value=b"z"))

        # A new owner fences A and the zombie and starts at 6; what is committed is not redone.
        await b.submit([raw[2], raw[6], raw[7]])
        assert await _committed(kafka, tp, 8) == 8
        await zombie.stop()

        # The stale owner still believes 8 is next: its commit is fenced and it forgets all.
        await a.submit([raw[8]])
        for _ in range(100):
            if a.in_flight == 0:
                break
            await asyncio.sleep(0.1)
        assert a.in_flight == 0
        await b.submit([raw[8], raw[9]])
        assert await _committed(kafka, tp, 10) == 10
    finally:
        for task in tasks:
            task.cancel()
        await a.close()
        await b.close()
        await kafka.stop()


def test_gaps_are_read_and_stale_owners_and_zombies_are_fenced(
    make_env: Callable[..., Env],
) -> None:
    settings = make_env().settings
    ensure_topics(settings)
    _publish(settings, "r", 10, partition=0)
    asyncio.run(_scenario(settings, TopicPartition(settings.topics.raw, 0)))
    # Finalise the fenced clients now: CPython 3.11 trips over finalisers run while it
    # compiles a module ("AST constructor recursion depth mismatch").
    gc.collect()
    # A read_committed reader sees offsets 0..9 once each, the aborted zombie write never.
    out = read_topic(settings.topics.enriched, expected=11, timeout=10)
    assert sorted(key for key, _ in out) == sorted(f"r{i}".encode() for i in range(10))


async def _sweep(settings: Settings, tp: TopicPartition) -> int:
    kafka = AioKafka(settings)
    await kafka.start()
    delivery = _delivery(settings, kafka)
    committer = asyncio.create_task(delivery.run())
    try:
        for _ in range(3):
            await delivery.sweep([tp], idle=0.0, limit=3)
            for _ in range(100):
                if delivery.in_flight == 0:
                    break
                await asyncio.sleep(0.1)
        return await _committed(kafka, tp, 5)
    finally:
        committer.cancel()
        await delivery.close()
        await kafka.stop()


def test_input_faust_never_delivered_is_swept_up(make_env: Callable[..., Env]) -> None:
    """Records with nothing after them to reveal a gap are read directly, a batch at a time,
    and committed like any other."""
    settings = make_env().settings
    ensure_topics(settings)
    _publish(settings, "s", 5, partition=1)
    assert asyncio.run(_sweep(settings, TopicPartition(settings.topics.raw, 1))) == 5
    gc.collect()  # see above
    out = read_topic(settings.topics.enriched, expected=5, timeout=10)
    assert sorted(key for key, _ in out) == [f"s{i}".encode() for i in range(5)]
