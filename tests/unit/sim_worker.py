"""The worker under simulation: today's CommitQueue and TransactionalSink on the in-memory
Kafka (the sink's producer factory and reader replaced by the simulation's)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from aiokafka.structs import TopicPartition

from pipeline.config import Settings
from pipeline.worker.delivery.commit_queue import CommitQueue
from pipeline.worker.delivery.transactions import TransactionalSink
from pipeline.worker.process import Incoming, Processor
from tests.unit.sim_kafka import SimKafka


class SimWorker:
    def __init__(self, kafka: SimKafka, processor: Processor,
                 owned: Callable[[TopicPartition], bool], limit: int) -> None:  # fmt: skip
        self.sink = TransactionalSink(Settings(), owned, kafka)  # type: ignore[arg-type]
        self.sink._fence = kafka.fence  # type: ignore[method-assign,assignment]
        self.queue = CommitQueue(processor, self.sink, limit)

    async def submit(self, records: Sequence[Incoming]) -> None:
        await self.queue.submit(records)

    async def run(self) -> None:
        await self.queue.run()

    async def revoked(self, tps: Sequence[TopicPartition]) -> None:
        pass

    async def assigned(self, tps: Sequence[TopicPartition]) -> None:
        pass

    async def sweep(self, owned: Sequence[TopicPartition]) -> None:
        records = await self.sink.stranded(owned, 0.0, 16)
        if records:
            await self.queue.submit(records)

    async def drain(self, timeout: float) -> None:
        await self.queue.drain(timeout)

    async def close(self) -> None:
        await self.sink.close()

    @property
    def in_flight(self) -> int:
        return self.queue.in_flight


def build(kafka: SimKafka, processor: Processor, owned: Callable[[TopicPartition], bool],
          limit: int, on_fatal: Callable[[BaseException], None]) -> SimWorker:  # fmt: skip
    del on_fatal  # today's worker has no way to stop on a fatal error
    _ = asyncio
    return SimWorker(kafka, processor, owned, limit)
