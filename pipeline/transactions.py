"""Exactly-once output: a batch's events and its input offsets commit in one Kafka transaction.

One transactional aiokafka producer per input partition, with a stable transactional id
(``<app id>-newsflow-<topic>-<partition>``): a worker that takes over a partition fences the
previous owner's producer and aborts its open transaction, so a crashed worker's half-written
output is never visible to ``read_committed`` readers and its offsets are never committed.
Faust's own producer and its exactly_once mode are not used for these outputs (the latter
duplicated output in our kill -9 test).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, ProducerFenced
from aiokafka.structs import TopicPartition

from pipeline.config import Settings
from pipeline.process import Outgoing

log = logging.getLogger(__name__)

Owned = Callable[[TopicPartition], bool]


class PartitionLost(Exception):
    """The input partition moved to another worker: its new owner redoes this batch."""


class TransactionalSink:
    def __init__(self, settings: Settings, owned: Owned) -> None:
        self._settings = settings
        self._group = settings.worker.app_id
        self._owned = owned
        self._producers: dict[TopicPartition, AIOKafkaProducer] = {}

    async def commit(self, tp: TopicPartition, out: Sequence[Outgoing], next_offset: int) -> None:
        """Publish ``out`` and commit ``next_offset`` for ``tp`` atomically; retry transient
        failures until done, raise PartitionLost when ``tp`` is no longer ours."""
        delay = 0.5
        while True:
            if not self._owned(tp):
                raise PartitionLost(tp)
            try:
                await self._commit_once(tp, out, next_offset)
                return
            except ProducerFenced:
                await self._drop(tp)  # a newer owner exists, or we restarted: re-check ownership
            except KafkaError as exc:
                log.warning("transaction for %s failed (%s); retrying in %.1fs", tp, exc, delay)
                await self._drop(tp)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _commit_once(
        self, tp: TopicPartition, out: Sequence[Outgoing], next_offset: int
    ) -> None:
        producer = await self._producer(tp)
        async with producer.transaction():
            for message in out:
                await producer.send(message.topic, value=message.value, key=message.key)
            await producer.send_offsets_to_transaction({tp: next_offset}, self._group)

    async def _producer(self, tp: TopicPartition) -> AIOKafkaProducer:
        producer = self._producers.get(tp)
        if producer is None:
            transactional_id = f"{self._group}-newsflow-{tp.topic}-{tp.partition}"
            producer = AIOKafkaProducer(
                **self._settings.aiokafka_config(),
                transactional_id=transactional_id,
                enable_idempotence=True,
                acks="all",
                # A dead worker's open transaction is aborted by its successor's fencing;
                # the timeout only bounds how long an idle zombie could hold readers back.
                transaction_timeout_ms=30_000,
            )
            await producer.start()
            self._producers[tp] = producer
        return producer

    async def _drop(self, tp: TopicPartition) -> None:
        producer = self._producers.pop(tp, None)
        if producer is not None:
            # A fenced producer may fail to stop cleanly; it is discarded either way.
            with contextlib.suppress(KafkaError):
                await producer.stop()

    async def close(self) -> None:
        for tp in list(self._producers):
            await self._drop(tp)
