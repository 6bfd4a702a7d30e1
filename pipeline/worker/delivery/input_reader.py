"""A plain reader of the input topic beside Faust's consumer, for the transactional mode.

Faust's fetcher is not a reliable source of a contiguous offset sequence: after a rebalance it
seeks to the committed offsets while records fetched before the seek are still being handed
out, and it silently drops records below its read offset. The transactional agent therefore
asks this reader for the truth: the group's committed offset of a partition (its starting
point after fencing) and any records Faust did not deliver (the gaps). It never commits.
"""

from __future__ import annotations

import time

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord, TopicPartition

from pipeline.config import Settings
from pipeline.kafka.clients import aiokafka_config
from pipeline.worker.process import Incoming


class GapNotFilled(Exception):
    """The missing records could not be read in time; they are not admitted, so the next
    record of the partition or the sweep asks for them again."""


class InputReader:
    def __init__(self, settings: Settings, timeout_seconds: float = 20.0) -> None:
        self._settings = settings
        self._timeout = timeout_seconds
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            **aiokafka_config(self._settings),
            group_id=self._settings.worker.app_id,  # only to read the group's offsets
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
        )
        await self._consumer.start()

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    def _client(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError("InputReader used before start()")
        return self._consumer

    async def committed(self, tp: TopicPartition) -> int:
        """The group's committed offset of ``tp``, or its first offset when none is (the
        worker's auto_offset_reset is earliest)."""
        consumer = self._client()
        offset = await consumer.committed(tp)
        if offset is not None and offset >= 0:
            return int(offset)
        beginning = await consumer.beginning_offsets([tp])
        return int(beginning[tp])

    async def end_offset(self, tp: TopicPartition) -> int:
        """The offset after the last committed record of ``tp`` (its last stable offset)."""
        ends = await self._client().end_offsets([tp])
        return int(ends[tp])

    async def read(self, tp: TopicPartition, start: int, end: int) -> list[Incoming]:
        """Committed records of ``tp`` with ``start <= offset < end``; fewer than
        ``end - start`` where offsets hold transaction markers or aborted records."""
        consumer = self._client()
        consumer.assign([tp])
        consumer.seek(tp, start)
        found: list[Incoming] = []
        deadline = time.monotonic() + self._timeout
        while await consumer.position(tp) < end:
            if time.monotonic() > deadline:
                raise GapNotFilled(f"{tp.topic}[{tp.partition}] {start}..{end - 1}")
            batch = await consumer.getmany(tp, timeout_ms=500, max_records=max(1, end - start))
            found.extend(_incoming(r) for r in batch.get(tp, []) if r.offset < end)
        return found


def _incoming(record: ConsumerRecord) -> Incoming:
    return Incoming.of(record, record.timestamp / 1000.0)  # Kafka's are in milliseconds
