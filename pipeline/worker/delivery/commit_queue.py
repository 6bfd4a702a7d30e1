"""Records in flight per input partition, committed in offset order as their enrichment ends.

Faust-free. The agent in :mod:`pipeline.worker.agents` submits what Faust delivers; the sink
(:class:`~pipeline.worker.delivery.transactions.TransactionalSink`) admits the records still to
do, each is enriched as its own task (the NLP pool stays busy: no batch waits for its slowest
article), and :meth:`CommitQueue.run` commits every partition's finished prefix with its next
offset in one transaction. A failed commit re-fences the partition and keeps only what is still
uncommitted; the enrichment already done is reused.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

from pipeline.worker.delivery.input_reader import GapNotFilled
from pipeline.worker.delivery.transactions import CommitFailed, PartitionLost, continues
from pipeline.worker.process import Incoming, Outgoing, Processor

log = logging.getLogger(__name__)

# Errors after which the sink is asked again later (the broker is away, or a read timed out).
TRANSIENT = (KafkaError, GapNotFilled)


class Sink(Protocol):
    """What the queue needs from the sink
    (:class:`~pipeline.worker.delivery.transactions.TransactionalSink`)."""

    async def admit(self, tp: TopicPartition, messages: Sequence[Incoming]) -> list[Incoming]: ...

    async def commit(
        self, tp: TopicPartition, out: Sequence[Outgoing], first_offset: int, next_offset: int
    ) -> None: ...

    async def resume(self, tp: TopicPartition, pending: tuple[int, int]) -> int: ...


@dataclass
class _Pending:
    message: Incoming
    task: asyncio.Task[list[Outgoing]]


class CommitQueue:
    def __init__(self, processor: Processor, sink: Sink, max_in_flight: int) -> None:
        self._processor = processor
        self._sink = sink
        self._queues: dict[TopicPartition, deque[_Pending]] = {}
        self._slots = asyncio.Semaphore(max_in_flight)
        self._finished = asyncio.Event()
        self._backoff = 0.0
        # Bumped whenever a partition's records are dropped: admitted records not started
        # yet belong to the old run and must not follow the new one (that would leave a gap).
        self._epochs: dict[TopicPartition, int] = {}

    async def submit(self, messages: Sequence[Incoming]) -> None:
        """Start enriching what the sink admits of ``messages``; waits while all slots are
        taken (that is the back-pressure on Faust's stream)."""
        by_partition: dict[TopicPartition, list[Incoming]] = {}
        for message in messages:
            by_partition.setdefault(_tp(message), []).append(message)
        for tp, group in by_partition.items():
            epoch = self._epochs.get(tp, 0)
            try:
                admitted = await self._sink.admit(tp, group)
            except PartitionLost:
                log.info("%s belongs to another worker now; it processes these", tp)
                continue
            except TRANSIENT as exc:
                # Not admitted, so the next record or the sweep reveals them again.
                log.warning("cannot admit records of %s yet (%r)", tp, exc)
                continue
            for message in admitted:
                await self._slots.acquire()
                if self._epochs.get(tp, 0) != epoch:
                    self._slots.release()
                    break
                self._start(tp, message)

    def _start(self, tp: TopicPartition, message: Incoming) -> None:
        """Enrich ``message`` (a slot is already taken for it)."""
        self._processor.metrics.in_flight.inc()
        task = asyncio.create_task(self._process(message))
        task.add_done_callback(self._on_finished)
        self._queues.setdefault(tp, deque()).append(_Pending(message, task))

    async def _process(self, message: Incoming) -> list[Outgoing]:
        try:
            return await self._processor.process(message)
        except Exception as exc:  # a bug or a broken pool must not stall the partition
            log.exception("processing %s[%d]@%d failed", message.topic, message.partition,
                          message.offset)  # fmt: skip
            return self._processor.fail(message, exc)

    def _on_finished(self, _: asyncio.Task[list[Outgoing]]) -> None:
        self._slots.release()
        self._processor.metrics.in_flight.dec()
        self._finished.set()

    @property
    def in_flight(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    async def run(self) -> None:
        """Commit finished prefixes as enrichments end, until cancelled."""
        while True:
            await self._finished.wait()
            self._finished.clear()
            await self.commit_finished()
            if self._backoff:
                await asyncio.sleep(self._backoff)

    async def commit_finished(self) -> None:
        """Commit, per partition, the records whose enrichment ended, up to the first that
        has not (offsets commit in order)."""
        for tp in list(self._queues):
            queue = self._queues[tp]
            done: list[_Pending] = []
            while queue and queue[0].task.done():
                done.append(queue.popleft())
            if done and not await self._commit(tp, done):
                queue.extendleft(reversed(done))
                await self._resume(tp)
            if not queue:
                del self._queues[tp]

    async def _commit(self, tp: TopicPartition, done: list[_Pending]) -> bool:
        events = [out for pending in done for out in pending.task.result()]
        try:
            await self._sink.commit(tp, events, done[0].message.offset, done[-1].message.offset + 1)
        except CommitFailed as exc:
            log.warning("transaction for %s failed (%s); retrying", tp, exc)
            self._finished.set()
            self._backoff = min(max(self._backoff * 2, 0.2), 5.0)
            return False
        self._backoff = 0.0
        for pending in done:
            for out in pending.task.result():
                self._processor.record_published(out, pending.message)
        return True

    async def _resume(self, tp: TopicPartition) -> None:
        """Re-fence ``tp`` and keep only the records still to commit: none when another
        worker owns it now, or when they do not continue its committed offset."""
        queue = self._queues[tp]  # holds at least the records whose commit failed
        pending = (queue[0].message.offset, queue[-1].message.offset + 1)
        try:
            committed = await self._sink.resume(tp, pending)
        except PartitionLost:
            log.info("%s belongs to another worker now; dropping %d records", tp, len(queue))
            committed = -1
        except TRANSIENT as exc:
            log.warning("cannot re-fence %s yet (%r)", tp, exc)
            return
        # Admission goes on after the kept records: any admitted but not started yet are
        # dropped here and admitted again later.
        self._epochs[tp] = self._epochs.get(tp, 0) + 1
        keep = continues(pending, committed)
        while queue and (not keep or queue[0].message.offset < committed):
            self._abandon(queue.popleft())

    def _abandon(self, pending: _Pending) -> None:
        """Not published by this worker: free the article's de-duplication claim once done."""

        def release(task: asyncio.Task[list[Outgoing]]) -> None:
            if task.cancelled() or task.exception() is not None:
                return
            for out in task.result():
                if out.enriched is not None:
                    self._processor.abandon(out.enriched)

        pending.task.add_done_callback(release)

    async def drain(self, timeout: float) -> None:
        """On shutdown: let running enrichments end and commit them, for up to ``timeout``
        seconds; cancel the rest (uncommitted, so the next owner redoes them)."""
        tasks = [p.task for queue in self._queues.values() for p in queue]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        await self.commit_finished()
        for queue in self._queues.values():
            for pending in queue:
                pending.task.cancel()
        self._queues.clear()


def _tp(message: Incoming) -> TopicPartition:
    return TopicPartition(message.topic, message.partition)
