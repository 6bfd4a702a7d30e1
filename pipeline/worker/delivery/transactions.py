"""Exactly-once output: each input partition's events and offset commit in one Kafka transaction.

One transactional aiokafka producer per input partition, with a stable transactional id
(``<app id>-newsflow-<topic>-<partition>``). Starting it fences every earlier owner's
producer and aborts its open transaction, so a crashed or stale worker's half-written output
is never visible to ``read_committed`` readers and its offsets are never committed.

Only after fencing is the partition's committed offset read: from then on nobody else can
commit for that partition without fencing us first, so the offset we hold (``next``) stays the
truth until a commit fails. Records are handed out contiguously from there (``admitted``):
those below are dropped, those Faust did not hand over are read by :class:`InputReader`, so a
commit can never jump over an unprocessed record. Faust's own producer and its exactly_once
mode are not used for these outputs (the latter duplicated output in our kill -9 test).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, ProducerFenced
from aiokafka.structs import TopicPartition

from pipeline.config import Settings
from pipeline.kafka.clients import aiokafka_config
from pipeline.worker.delivery.input_reader import InputReader
from pipeline.worker.process import Incoming, Outgoing

log = logging.getLogger(__name__)

Owned = Callable[[TopicPartition], bool]


class PartitionLost(Exception):
    """The input partition is not ours (any more): its owner does this work."""


class CommitFailed(Exception):
    """The transaction did not commit; the partition is fenced and read again on retry."""


def continues(pending: tuple[int, int], committed: int) -> bool:
    """Whether uncommitted records ``[first, end)`` can go on from the ``committed`` offset
    (it falls inside them), rather than being dropped and read again."""
    return pending[0] <= committed < pending[1]


@dataclass
class _Partition:
    producer: AIOKafkaProducer
    next: int  # first input offset not yet committed with its output
    admitted: int  # first input offset not yet handed out for processing (>= next)
    active_at: float = field(default_factory=time.monotonic)  # last start, admit or commit


class TransactionalSink:
    """Per input partition: the fenced producer, the committed and the admitted offsets.
    Its methods run one at a time (they share producers and the reader)."""

    def __init__(self, settings: Settings, owned: Owned, reader: InputReader) -> None:
        self._settings = settings
        self._group = settings.worker.app_id
        self._owned = owned
        self._reader = reader
        self._partitions: dict[TopicPartition, _Partition] = {}
        self._lock = asyncio.Lock()

    async def admit(self, tp: TopicPartition, messages: Sequence[Incoming]) -> list[Incoming]:
        """The records to process next for ``tp``: ``messages`` without those already handed
        out, with the ones Faust skipped filled in, contiguous from the admitted offset."""
        async with self._lock:
            partition = await self._partition(tp)
            partition.active_at = time.monotonic()
            admitted: list[Incoming] = []
            for message in sorted(messages, key=lambda m: m.offset):
                if message.offset < partition.admitted:
                    continue  # handed out already (Faust re-delivers after a seek), or a repeat
                if message.offset > partition.admitted:
                    admitted.extend(await self._fill(tp, partition.admitted, message.offset))
                admitted.append(message)
                partition.admitted = message.offset + 1
            return admitted

    async def _fill(self, tp: TopicPartition, start: int, end: int) -> list[Incoming]:
        missing = await self._reader.read(tp, start, end)
        log.info("%s: read %d records Faust skipped (%d..%d)", tp, len(missing), start, end - 1)
        return missing

    async def commit(
        self, tp: TopicPartition, out: Sequence[Outgoing], first_offset: int, next_offset: int
    ) -> None:
        """Publish ``out`` (the events of records ``first_offset`` up to ``next_offset``) and
        commit ``next_offset`` for ``tp`` atomically, or raise CommitFailed (:meth:`resume`
        says what is still to do). Records that do not start at the committed offset are
        refused: committing them would skip the ones before."""
        async with self._lock:
            partition = self._partitions.get(tp)
            if partition is None:
                raise CommitFailed(f"{tp} was reset")
            if first_offset != partition.next:
                raise CommitFailed(f"{tp}: records start at {first_offset}, "
                                   f"the committed offset is {partition.next}")  # fmt: skip
            try:
                await self._transaction(partition.producer, tp, out, next_offset)
            except KafkaError as exc:  # ProducerFenced included: someone else took it
                await self._forget(tp)
                raise CommitFailed(f"{tp}: {exc!r}") from exc
            partition.next = next_offset
            partition.active_at = time.monotonic()

    async def _transaction(
        self,
        producer: AIOKafkaProducer,
        tp: TopicPartition,
        out: Sequence[Outgoing],
        next_offset: int,
    ) -> None:
        sent: list[asyncio.Future[object]] = []
        try:
            async with producer.transaction():
                for message in out:
                    sent.append(await producer.send(message.topic, value=message.value,
                                                    key=message.key))  # fmt: skip
                await producer.send_offsets_to_transaction({tp: next_offset}, self._group)
        except KafkaError:
            for future in sent:  # their failure is this one; do not report it again
                future.add_done_callback(_consume_result)
            raise

    async def resume(self, tp: TopicPartition, pending: tuple[int, int]) -> int:
        """After a failed commit: fence again if needed and return the committed offset.
        ``pending`` is the caller's still uncommitted range ``[first, end)``: if the committed
        offset :func:`continues` it, the caller keeps ``[committed, end)`` and admission goes
        on from ``end``; otherwise the caller drops it all and admission restarts at the
        committed offset. Raises PartitionLost when ``tp`` is not ours any more."""
        async with self._lock:
            partition = await self._partition(tp)
            keeps = continues(pending, partition.next)
            partition.admitted = pending[1] if keeps else partition.next
            return partition.next

    async def stranded(
        self, owned: Sequence[TopicPartition], idle_seconds: float, limit: int
    ) -> list[Incoming]:
        """Up to ``limit`` records per owned partition beyond its admitted offset when nothing
        was admitted or committed there for ``idle_seconds``: records Faust dropped with
        nothing after them to reveal the gap."""
        found: list[Incoming] = []
        async with self._lock:
            for tp in owned:
                partition = await self._partition(tp)
                if time.monotonic() - partition.active_at < idle_seconds:
                    continue
                end = await self._reader.end_offset(tp)
                if end > partition.admitted:
                    start = partition.admitted
                    records = await self._reader.read(tp, start, min(end, start + limit))
                    log.info("%s: nothing from Faust for %.0fs; read %d records from %d",
                             tp, idle_seconds, len(records), start)  # fmt: skip
                    found.extend(records)
        return found

    async def _partition(self, tp: TopicPartition) -> _Partition:
        partition = self._partitions.get(tp)
        if partition is not None:
            return partition
        if not self._owned(tp):
            raise PartitionLost(tp)  # never fence the partition's real owner
        producer = await self._fence(tp)
        try:
            committed = await self._reader.committed(tp)
            partition = _Partition(producer, next=committed, admitted=committed)
        except BaseException:
            await _stop(producer)
            raise
        self._partitions[tp] = partition
        return partition

    async def _fence(self, tp: TopicPartition) -> AIOKafkaProducer:
        """Start the partition's transactional producer: every earlier one is fenced and its
        open transaction completed before this returns."""
        producer = AIOKafkaProducer(
            **aiokafka_config(self._settings),
            transactional_id=f"{self._group}-newsflow-{tp.topic}-{tp.partition}",
            enable_idempotence=True,
            acks="all",
            # A transaction started right after the previous one's commit is refused until its
            # markers are written (CONCURRENT_TRANSACTIONS, seen as NotEnoughReplicas by
            # this client): retry soon, not after the default 100 ms.
            retry_backoff_ms=20,
            # A dead worker's open transaction is aborted by its successor's fencing;
            # the timeout only bounds how long an idle zombie could hold readers back.
            transaction_timeout_ms=30_000,
        )
        try:
            await producer.start()
        except BaseException:
            await _stop(producer)
            raise
        return producer

    async def _forget(self, tp: TopicPartition) -> None:
        partition = self._partitions.pop(tp, None)
        if partition is not None:
            await _stop(partition.producer)

    async def close(self) -> None:
        async with self._lock:
            for tp in list(self._partitions):
                await self._forget(tp)


def quiet_fenced_futures(loop: asyncio.AbstractEventLoop) -> None:
    """A fenced producer leaves internal futures failed with ProducerFenced that aiokafka
    never reads; the loop would log each as an ERROR with a traceback. The fencing is
    expected and already logged once as a warning, so those are dropped."""
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), ProducerFenced):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def _consume_result(future: asyncio.Future[object]) -> None:
    if not future.cancelled():
        future.exception()


async def _stop(producer: AIOKafkaProducer) -> None:
    # A fenced producer may fail to stop cleanly; it is discarded either way.
    with contextlib.suppress(KafkaError):
        await producer.stop()
