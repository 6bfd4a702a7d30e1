"""The delivery path's view of Kafka, and the real one behind it.

:class:`Kafka` is the seam (tests put an in-memory broker behind it): ``fence`` is the producer
factory (starting a partition's transactional producer fences every earlier owner and ends its
open transaction), ``committed`` / ``read`` / ``end_offset`` read the input topic and the
group's offsets. :class:`AioKafka` implements it with aiokafka: one transactional producer per
input partition (id ``<app id>-newsflow-<topic>-<partition>``) and one ``read_committed``
consumer that never commits (Faust's exactly_once mode duplicated output in a kill -9 test).

:func:`output_limits` asks the broker how large a record each output topic takes, for both
processing guarantees (:class:`pipeline.worker.process.OutputLimits`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import (
    ConcurrentTransactions,
    InvalidProducerEpoch,
    KafkaError,
    KafkaTimeoutError,
    ProducerFenced,
)
from aiokafka.partitioner import murmur2
from aiokafka.producer.message_accumulator import BatchBuilder
from aiokafka.structs import TopicPartition

from pipeline.config import Settings
from pipeline.kafka.clients import aiokafka_config
from pipeline.worker.process import DEFAULT_MAX_RECORD_BYTES, Incoming, Outgoing, OutputLimits

log = logging.getLogger(__name__)

# The transactional producers' largest request in bytes (aiokafka's default, stated because
# output_limits counts on it).
MAX_REQUEST_BYTES = 1_048_576

# Another producer took the partition's transactional id: the partition is someone else's.
FENCED = (ProducerFenced, InvalidProducerEpoch)


def is_fatal(exc: BaseException) -> bool:
    """Whether ``exc`` stops the worker. Anything but a Kafka error is a bug. A Kafka error is
    redone when it is fencing, a timeout or a busy coordinator (the transaction protocol's own
    redo cases, though not marked retriable), or when it or one of its first 8 causes is
    marked ``retriable`` or is a lost connection (aiokafka's sender wraps one in a plain
    KafkaError; a new producer recovers once the broker is back). Any other (authorisation,
    configuration, unsupported versions) stops it."""
    chain = [exc]
    while (cause := chain[-1].__cause__) is not None and len(chain) < 9:  # a chain can loop
        chain.append(cause)
    redo = (*FENCED, KafkaTimeoutError, ConcurrentTransactions)
    retriable = (getattr(c, "retriable", False) or isinstance(c, ConnectionError) for c in chain)
    return not (isinstance(exc, KafkaError) and (isinstance(exc, redo) or any(retriable)))


class Producer(Protocol):
    async def commit(self, tp: TopicPartition, out: Sequence[Outgoing], next_offset: int) -> None:
        """Publish ``out`` and commit ``next_offset`` for ``tp`` in one transaction."""

    async def close(self) -> None:
        """Never raises: a fenced producer may fail to stop cleanly; it is discarded anyway."""


class Kafka(Protocol):
    async def fence(self, tp: TopicPartition) -> Producer: ...

    async def committed(self, tp: TopicPartition) -> int: ...

    async def read(self, tp: TopicPartition, start: int, end: int) -> list[Incoming]: ...

    async def end_offset(self, tp: TopicPartition) -> int: ...


class AioKafka:
    def __init__(self, settings: Settings, read_timeout: float = 20.0) -> None:
        self._settings = settings
        self._group = settings.worker.app_id
        self._timeout = read_timeout
        self._consumer: AIOKafkaConsumer  # made by start(), on the event loop
        # One read at a time: a read assigns the consumer its partition, and the agent's gap
        # reads and the sweep's would otherwise take the partition from each other between
        # two awaits (IllegalStateError: not assigned, which stops the worker).
        self._reading = asyncio.Lock()

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            **aiokafka_config(self._settings),
            group_id=self._group,  # only to read the group's offsets
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
        )
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()

    async def fence(self, tp: TopicPartition) -> Producer:
        producer = AIOKafkaProducer(
            **aiokafka_config(self._settings),
            transactional_id=f"{self._group}-newsflow-{tp.topic}-{tp.partition}",
            enable_idempotence=True,
            acks="all",
            # A transaction started right after the previous one's commit is refused until its
            # markers are written: retry soon, not after the default 100 ms.
            retry_backoff_ms=20,
            # A dead worker's open transaction is aborted by its successor's fencing; the
            # timeout only bounds how long an idle zombie could hold readers back.
            transaction_timeout_ms=30_000,
            max_request_size=MAX_REQUEST_BYTES,
        )
        try:
            await producer.start()
        except BaseException:
            await _stop(producer)
            raise
        return _TxProducer(producer, self._group)

    async def committed(self, tp: TopicPartition) -> int:
        """The group's committed offset, or the partition's first when none is."""
        offset = await self._consumer.committed(tp)
        if offset is not None and offset >= 0:
            return int(offset)
        return int((await self._consumer.beginning_offsets([tp]))[tp])

    async def end_offset(self, tp: TopicPartition) -> int:
        return int((await self._consumer.end_offsets([tp]))[tp])

    async def read(self, tp: TopicPartition, start: int, end: int) -> list[Incoming]:
        """Committed records with ``start <= offset < end`` (fewer where offsets hold
        transaction markers); KafkaTimeoutError when they do not come in time."""
        async with self._reading:
            consumer = self._consumer
            consumer.assign([tp])
            consumer.seek(tp, start)
            found: list[Incoming] = []
            deadline = time.monotonic() + self._timeout
            while await consumer.position(tp) < end:
                if time.monotonic() > deadline:
                    raise KafkaTimeoutError(
                        f"reading {tp.topic}[{tp.partition}] {start}..{end - 1}"
                    )
                batch = await consumer.getmany(tp, timeout_ms=500, max_records=max(1, end - start))
                found.extend(Incoming.of(r, r.timestamp / 1000.0)  # Kafka's are in milliseconds
                             for r in batch.get(tp, []) if r.offset < end)  # fmt: skip
            return found


async def output_limits(
    settings: Settings, max_request_size: int = MAX_REQUEST_BYTES
) -> OutputLimits:
    """The largest record each output topic takes: its ``max.message.bytes`` (else the
    broker's ``message.max.bytes``) as the broker reports it, capped by the producer's
    ``max_request_size`` (default: the transactional producers'). When the broker cannot tell
    (no permission to describe configs, a timeout): Kafka's own default, with a warning."""
    t = settings.topics
    names = [t.enriched, t.entities, t.stance, t.deadletter]
    admin = AIOKafkaAdminClient(**aiokafka_config(settings))
    try:
        async with asyncio.timeout(settings.kafka.connect_timeout_seconds):
            await admin.start()
            found = await _configs(admin, ConfigResourceType.TOPIC, names, "max.message.bytes")
            if missing := [n for n in names if n not in found]:
                broker = str((await admin.describe_cluster())["controller_id"])
                size = await _configs(
                    admin, ConfigResourceType.BROKER, [broker], "message.max.bytes"
                )
                found |= {n: size[broker] for n in missing if broker in size}
    except (KafkaError, TimeoutError, OSError, ValueError) as exc:
        log.warning("cannot read the output topics' maximum message size (%r); assuming %d "
                    "bytes", exc, DEFAULT_MAX_RECORD_BYTES)  # fmt: skip
        found = {}
    finally:
        with contextlib.suppress(KafkaError, OSError):
            await admin.close()
    default = min(DEFAULT_MAX_RECORD_BYTES, max_request_size)
    return OutputLimits({n: min(size, max_request_size) for n, size in found.items()}, default)


async def _configs(
    admin: AIOKafkaAdminClient, kind: ConfigResourceType, names: list[str], key: str
) -> dict[str, int]:
    """Resource name -> the value of config ``key``, for the resources answered without error."""
    answer = await admin.describe_configs([ConfigResource(kind, n, {key: None}) for n in names])
    return {resource: int(value) for response in answer
            for error, _, _, resource, entries, *_ in response.resources if error == 0
            for name, value, *_ in entries if name == key}  # fmt: skip


@lru_cache(maxsize=65_536)
def partition_of(key: bytes, partitions: int) -> int:
    """The partition aiokafka's default partitioner gives ``key`` among ``partitions`` (murmur2,
    as Kafka's Java client; pure Python, ~15 µs a key, and entity names recur). Keyed records
    only: a null key goes to a partition aiokafka picks at random, and every record Newsflow
    sends has a key (a keyless input's dead letter is keyed by its position)."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


async def send_batched(
    producer: AIOKafkaProducer,
    records: Iterable[tuple[str, int, bytes, bytes]],
    sent: list[asyncio.Future[object]],
) -> None:
    """Send ``records`` (topic, partition, key, value) in record batches, one per partition
    (another when one fills up), in order within each partition: what ``producer.send`` of each
    record would write, for one delivery future per batch (appended to ``sent``) instead of one
    per record, each of which costs the event loop (an article is ~40 records, and its trend
    snapshots as many)."""
    batches: dict[tuple[str, int], BatchBuilder] = {}
    for topic, partition, key, value in records:
        batch = batches.get((topic, partition))
        if batch is None:
            batch = batches[topic, partition] = producer.create_batch()
        if batch.append(key=key, value=value, timestamp=None) is None:  # full: send it
            sent.append(await producer.send_batch(batch, topic, partition=partition))
            batch = batches[topic, partition] = producer.create_batch()
            batch.append(key=key, value=value, timestamp=None)  # a first record always fits
    for (topic, partition), batch in batches.items():
        sent.append(await producer.send_batch(batch, topic, partition=partition))


@dataclass
class _TxProducer:
    producer: AIOKafkaProducer
    group: str

    async def commit(self, tp: TopicPartition, out: Sequence[Outgoing], next_offset: int) -> None:
        sent: list[asyncio.Future[object]] = []
        try:
            async with self.producer.transaction():
                await self._send(out, sent)
                await self.producer.send_offsets_to_transaction({tp: next_offset}, self.group)
        except KafkaError:
            for future in sent:  # their failure is this one: read it, so it is not logged again
                future.add_done_callback(lambda f: f.cancelled() or f.exception())
            raise

    async def _send(self, out: Sequence[Outgoing], sent: list[asyncio.Future[object]]) -> None:
        counts: dict[str, int] = {}
        records = []
        for o in out:
            if (n := counts.get(o.topic)) is None:
                n = counts[o.topic] = len(await self.producer.partitions_for(o.topic))
            records.append((o.topic, partition_of(o.key, n), o.key, o.value))
        await send_batched(self.producer, records, sent)

    async def close(self) -> None:
        await _stop(self.producer)


def quiet_fenced_futures(loop: asyncio.AbstractEventLoop) -> None:
    """A fenced producer leaves internal futures failed with ProducerFenced that aiokafka never
    reads; the loop would log each with a traceback. The fencing is expected and already
    logged once, so those are dropped."""
    previous = loop.get_exception_handler() or type(loop).default_exception_handler
    loop.set_exception_handler(lambda loop, context: None if isinstance(
        context.get("exception"), ProducerFenced) else previous(loop, context))  # fmt: skip


async def _stop(producer: AIOKafkaProducer) -> None:
    with contextlib.suppress(Exception):
        await producer.stop()
