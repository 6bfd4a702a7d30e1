"""The worker's end on SIGTERM, without a broker: a submit the drain cuts short is no failure."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiokafka.errors import ConsumerStoppedError
from aiokafka.structs import TopicPartition
from prometheus_client import CollectorRegistry

from pipeline.config import Settings
from pipeline.observe.metrics import WorkerMetrics
from pipeline.worker import agents
from pipeline.worker.delivery.delivery import Delivery
from pipeline.worker.process import Incoming, OutputLimits, Processor
from tests.unit.sim_world import SimEnricher

RAW = "news.raw"


class _Producer:
    def __init__(self, log: list[object]) -> None:
        self.log = log

    async def commit(self, tp: TopicPartition, out: object, next_offset: int) -> None:
        self.log.append(("commit", tp.partition, next_offset))

    async def close(self) -> None:
        pass


class _Kafka:
    """A reader whose gap reads wait until it is stopped, then fail as aiokafka's do."""

    def __init__(self) -> None:
        self.stopped = asyncio.Event()
        self.log: list[object] = []

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        self.log.append("stop")
        self.stopped.set()

    async def fence(self, tp: TopicPartition) -> _Producer:
        return _Producer(self.log)

    async def committed(self, tp: TopicPartition) -> int:
        if self.stopped.is_set():
            raise ConsumerStoppedError()
        return 0

    async def end_offset(self, tp: TopicPartition) -> int:
        return 0

    async def read(self, tp: TopicPartition, start: int, end: int) -> list[Incoming]:
        self.log.append(("read", start, end))
        await self.stopped.wait()
        raise ConsumerStoppedError()


def _record(offset: int) -> Incoming:
    value = json.dumps({"id": f"a{offset}", "title": "t", "body": "Rain in Oslo."}).encode()
    return Incoming(b"k", value, RAW, 0, offset, None)


async def _stop_during_a_gap_read(close_first: bool) -> tuple[list[object], list[object]]:
    async def limits(_: Settings) -> OutputLimits:
        return OutputLimits({}, 1_000_000)

    settings = Settings()
    enricher = SimEnricher()
    enricher.auto = True
    processor = Processor(settings, enricher, WorkerMetrics(CollectorRegistry(), "sim"))
    kafka = _Kafka()
    delivery = Delivery(processor, kafka, lambda tp: True, 8)  # type: ignore[arg-type]
    fatal: list[object] = []
    life = agents._Life(processor, delivery, kafka, 5.0, fatal.append)  # type: ignore[arg-type]
    original = agents.output_limits
    agents.output_limits = limits  # type: ignore[assignment]
    try:
        assert await life.start(settings, lambda: [TopicPartition(RAW, 0)])

        async def records() -> AsyncIterator[Incoming]:
            yield _record(0)
            yield _record(5)  # Faust skipped 1..4: the delivery reads the gap

        async def actor() -> None:
            try:
                await agents.submit_all(life, delivery, records())
            except Exception as exc:
                fatal.append(exc)

        task = asyncio.create_task(actor())
        await asyncio.sleep(0.05)
        if close_first:
            await life.close()  # SIGTERM: the stopping step drains and stops the reader
        else:
            await kafka.stop()  # the reader fails on its own: a real failure
        await asyncio.wait_for(task, 5)
    finally:
        agents.output_limits = original  # type: ignore[assignment]
    return kafka.log, fatal


def test_a_submit_the_drain_cuts_short_is_no_failure() -> None:
    log, fatal = asyncio.run(_stop_during_a_gap_read(close_first=True))
    assert fatal == []
    assert ("commit", 0, 1) in log and log[-1] == "stop"  # the finished article committed


def test_a_reader_that_fails_while_running_is_a_failure() -> None:
    _, fatal = asyncio.run(_stop_during_a_gap_read(close_first=False))
    assert [type(e) for e in fatal] == [ConsumerStoppedError]


def test_a_failed_drain_still_stops_the_reader() -> None:
    async def run() -> list[object]:
        kafka = _Kafka()

        class _Delivery:
            in_flight = 0

            async def drain(self, timeout: float) -> None:
                raise RuntimeError("drain failed")

        life = agents._Life(None, _Delivery(), kafka, 1.0, lambda e: None)  # type: ignore[arg-type]
        life._started = True
        with pytest.raises(RuntimeError):
            await life.close()
        return kafka.log

    assert asyncio.run(run()) == ["stop"]


class _Buffer:
    """Faust's producer buffer, each flush giving up after one slow message."""

    def __init__(self, size: int) -> None:
        self.size = size

    async def flush(self) -> None:
        await asyncio.sleep(0)
        self.size -= 1


class _FaustProducer:
    def __init__(self, size: int) -> None:
        self.buffer = _Buffer(size)
        self.flushed = False

    async def flush(self) -> None:
        self.flushed = self.buffer.size == 0


def test_the_drains_keys_are_sent_before_faust_stops() -> None:
    from types import SimpleNamespace

    from pipeline.worker.stopping import send_buffered

    producer = _FaustProducer(size=5)
    asyncio.run(send_buffered(SimpleNamespace(producer=producer), 5.0)())  # type: ignore[arg-type]
    assert producer.buffer.size == 0 and producer.flushed
