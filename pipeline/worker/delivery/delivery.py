"""Exactly-once delivery: one cursor per input partition, its invariants checked at every commit.

The agent hands over what Faust delivers (:meth:`Delivery.submit`); each admitted record is
enriched as its own task (no batch waits for its slowest article); :meth:`Delivery.run` commits
each partition's finished prefix together with its next offset in one Kafka transaction, at
most one transaction per partition per ``commit_interval`` (a busy partition's transaction
carries every record that finished meanwhile, up to ``commit_max_records``; a quiet one's
commits at once). A finished prefix waits at most the interval before its transaction begins.

A partition's cursor lives from fencing to forgetting. It holds the producer, the committed
offset and the window: the records handed out and not yet committed, in offset order.
Invariants (``docs/guarantees.md`` draws the life of a partition):

1. The window covers ``[committed, end)`` without a hole: its first record covers from the
   committed offset, each next one from just after the previous (offsets between hold no
   record, a read of the log showed it). Faust's repeated or stale records below ``end`` are
   ignored; a record above ``end`` is admitted only after the ones between are read.
2. A transaction covers exactly ``[committed, new)``, each record with its result (events or a
   dead letter), and commits ``new > committed``: checked before every commit. Anything else is
   refused and the partition forgotten, so it is redone from the committed offset, never skipped.
3. A cursor is opened by fencing the partition's transactional id and only then reading the
   committed offset: nobody else can commit for the partition without fencing us first.
4. A commit whose outcome is unknown (a retriable error, a timeout, or the committer cancelled
   while it waited, as at SIGTERM) re-opens the cursor before anything more is committed: fence
   again, read the committed offset again, keep the window's records from there. Fenced by
   another producer, revoked or assigned afresh: the cursor is forgotten (its work dropped; the
   partition's owner redoes it from the committed offset).
5. At most ``max_in_flight`` records are in windows: a slot per record from admission until it
   is committed or dropped (the back-pressure on Faust's stream; memory stays bounded); of
   them at most ``max_running`` are being enriched (a finished record waiting for its commit
   does not keep an NLP process idle).
6. A record's de-duplication claim is keyed by its (partition, offset), so a redo never counts
   as a duplicate of itself; it is confirmed when committed and released when dropped.

Errors the client marks retriable are retried; fatal ones (:func:`kafka_io.is_fatal`) and bugs
propagate: the supervised task dies and stops the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiokafka.structs import TopicPartition

from pipeline.worker.delivery.kafka_io import FENCED, Kafka, Producer, is_fatal
from pipeline.worker.process import Incoming, Outgoing, Processor

log = logging.getLogger(__name__)

Owned = Callable[[TopicPartition], bool]
T = TypeVar("T")


@dataclass
class _Slot:
    message: Incoming
    start: int  # the first offset this record covers (invariant 1)
    task: asyncio.Task[list[Outgoing]]


class _Cursor:
    def __init__(self, tp: TopicPartition, producer: Producer, committed: int, now: float) -> None:
        self.tp = tp
        self.producer = producer
        self.committed = committed
        self.window: deque[_Slot] = deque()
        self.closed = False
        self.lock = asyncio.Lock()  # one commit or re-open at a time
        self.in_doubt = False  # a commit's outcome is unknown: re-open before the next one
        self.active_at = now
        self.committing_at = -math.inf  # when the last transaction began (clock seconds)

    @property
    def end(self) -> int:
        return self.window[-1].message.offset + 1 if self.window else self.committed

    def finished(self, limit: int) -> list[_Slot]:
        """The window's finished prefix, at most ``limit`` records."""
        slots: list[_Slot] = []
        for slot in self.window:
            if len(slots) == limit or not slot.task.done():
                break
            slots.append(slot)
        return slots

    def refusal(self, slots: Sequence[_Slot]) -> str | None:
        """Why committing ``slots`` (at least one) would break invariant 2, or None. Each
        covers from where the one before ends and holds an offset at or past it, so the new
        offset is past the committed one."""
        expected = self.committed
        for slot in slots:
            if slot.start != expected or slot.message.offset < expected:
                return f"record {slot.message.offset} covers from {slot.start}, not {expected}"
            expected = slot.message.offset + 1
        return None


class Delivery:
    def __init__(
        self,
        processor: Processor,
        kafka: Kafka,
        owned: Owned,
        max_in_flight: int,
        backoff: tuple[float, float] = (0.2, 5.0),
        *,
        max_running: int | None = None,
        commit_interval: float = 0.0,
        commit_max_records: int = 1000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``backoff``: first and longest pause in seconds after a failed commit;
        ``max_running``: enrichments at once (default ``max_in_flight``);
        ``commit_interval``: shortest time in seconds between two transactions of a partition;
        ``commit_max_records``: most input records in one transaction (one that has as many
        finished commits without waiting for the interval);
        ``clock``: seconds on the event loop's clock (asyncio's is ``time.monotonic``), read
        for the interval and idleness; the simulation passes its virtual one."""
        self._processor = processor
        self._metrics = processor.metrics
        self._kafka = kafka
        self._owned = owned
        self._cursors: dict[TopicPartition, _Cursor] = {}
        self._opening = asyncio.Lock()
        self._slots = asyncio.Semaphore(max_in_flight)
        self._running = asyncio.Semaphore(max_running or max_in_flight)
        self._interval = commit_interval
        self._max_records = commit_max_records
        self._finished = asyncio.Event()
        self._backoff = 0.0
        self._backoffs = backoff
        self._clock = clock

    @property
    def in_flight(self) -> int:
        return sum(len(c.window) for c in self._cursors.values())

    # -- admission ------------------------------------------------------------------------------

    async def submit(self, messages: Sequence[Incoming]) -> None:
        """Admit ``messages`` (waits while every slot is taken)."""
        for message in sorted(messages, key=lambda m: (m.partition, m.offset)):
            tp = TopicPartition(message.topic, message.partition)
            cursor = await _retrying(self._cursor(tp), f"opening {tp}")
            if cursor is None or message.offset < cursor.end:
                continue  # not ours, or handed out already
            covered, records = message.offset, [message]
            if message.offset > cursor.end:  # Faust skipped some: read them
                covered = cursor.end
                found = await _retrying(self._kafka.read(tp, covered, message.offset), "reading")
                if found is None:
                    continue
                records = [*found, message]
            await self._admit(cursor, records, covered)

    async def _admit(self, cursor: _Cursor, records: Sequence[Incoming], covered: int) -> None:
        """Append ``records`` (read together from offset ``covered`` on) where they continue
        the window."""
        for record in records:
            await self._slots.acquire()
            try:
                await self._running.acquire()
            except BaseException:  # cancelled while waiting: give the slot back
                self._slots.release()
                raise
            if cursor.closed or record.offset < cursor.end:  # forgotten, or handed out already
                self._slots.release()
                self._running.release()
                if cursor.closed:
                    return
            else:
                task = asyncio.create_task(self._processor.process(record))
                task.add_done_callback(self._ended)
                # The read showed no record in [covered, offset); were the window to end
                # short of covered, the hole would be refused at commit (invariant 2).
                cursor.window.append(_Slot(record, max(covered, cursor.end), task))
                cursor.active_at = self._clock()
                self._metrics.in_flight.inc()
            covered = record.offset + 1

    async def _cursor(self, tp: TopicPartition) -> _Cursor | None:
        """The partition's cursor, opened when it is ours and has none."""
        cursor = self._cursors.get(tp)
        if cursor is not None or not self._owned(tp):
            return cursor
        async with self._opening:
            if tp not in self._cursors and self._owned(tp):
                producer, committed = await self._fence(tp)
                self._cursors[tp] = _Cursor(tp, producer, committed, self._clock())
            return self._cursors.get(tp)

    async def _fence(self, tp: TopicPartition) -> tuple[Producer, int]:
        """Invariant 3: fence the partition's transactional id, then read its committed offset."""
        producer = await self._kafka.fence(tp)
        try:
            return producer, await self._kafka.committed(tp)
        except BaseException:
            with contextlib.suppress(Exception):
                await producer.close()
            raise

    def _ended(self, _: asyncio.Task[list[Outgoing]]) -> None:
        self._running.release()  # exactly once per task: done callbacks run on cancel too
        self._finished.set()

    # -- commits --------------------------------------------------------------------------------

    async def run(self) -> None:
        """Commit finished prefixes as enrichments end and intervals pass, until cancelled."""
        while True:
            self._finished.clear()
            await self.commit_finished(due_only=True)
            if self._backoff:
                await asyncio.sleep(self._backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._finished.wait(), self._next_due())

    def _due(self, cursor: _Cursor) -> float | None:
        """When ``cursor`` may commit (clock seconds): at once with a full transaction, an
        interval after its last one began with fewer records or a commit in doubt, None
        with nothing to do."""
        ready = len(cursor.finished(self._max_records))
        if ready == self._max_records:
            return -math.inf
        return cursor.committing_at + self._interval if ready or cursor.in_doubt else None

    def _next_due(self) -> float | None:
        """Seconds until the next cursor may commit, or None (wait for an enrichment)."""
        dues = [d for c in self._cursors.values() if (d := self._due(c)) is not None]
        return max(0.0, min(dues) - self._clock()) if dues else None

    async def commit_finished(self, due_only: bool = False) -> int:
        """Commit every partition's finished prefix (``due_only``: those whose interval has
        passed; shutdown commits all); how many records were committed."""
        committed = 0
        for cursor in list(self._cursors.values()):
            due = self._due(cursor)
            if due_only and (due is None or due > self._clock()):
                continue
            async with cursor.lock:
                if not cursor.closed:
                    committed += await self._commit(cursor)
        return committed

    async def _commit(self, cursor: _Cursor) -> int:
        if cursor.in_doubt:  # an earlier commit failed or was cancelled while it waited
            await self._reopen(cursor)
            if cursor.closed:
                return 0
        slots = cursor.finished(self._max_records)
        if not slots:
            return 0
        cursor.committing_at = self._clock()
        refusal = cursor.refusal(slots)
        if refusal is not None:
            log.error("%s: commit refused (%s); redoing from %d", cursor.tp, refusal,
                      cursor.committed)  # fmt: skip
            await self._forget(cursor)
            return 0
        out = [o for slot in slots for o in slot.task.result()]
        new = slots[-1].message.offset + 1
        cursor.in_doubt = True  # until the reply comes; a failure or a cancellation leaves it
        try:
            await cursor.producer.commit(cursor.tp, out, new)
        except Exception as exc:
            if cursor.closed:
                return 0  # revoked meanwhile; whatever happened, the next owner fences it
            if is_fatal(exc):
                raise
            await self._failed(cursor, exc)
            return 0
        cursor.in_doubt = False
        self._metrics.transactions.labels(outcome="committed").inc()
        self._backoff = 0.0
        cursor.committed, cursor.active_at = new, self._clock()
        self._confirm(cursor, new)
        return len(slots)

    async def _failed(self, cursor: _Cursor, exc: Exception) -> None:
        """Back off; fenced by another producer, forget the cursor, else it stays in doubt
        and the next commit re-opens it first."""
        self._finished.set()  # try again after the backoff
        first, longest = self._backoffs
        self._backoff = min(max(self._backoff * 2, first), longest)
        if isinstance(exc, FENCED):
            self._metrics.transactions.labels(outcome="fenced").inc()
            log.warning("%s: fenced by another producer; forgetting it", cursor.tp)
            await self._forget(cursor)
        else:
            self._metrics.transactions.labels(outcome="aborted").inc()
            log.warning("%s: transaction failed (%r); fencing again", cursor.tp, exc)

    async def _reopen(self, cursor: _Cursor) -> None:
        """Invariant 4: fence again and go on from the committed offset (what the doubtful
        commit did commit leaves the window); forget the cursor when that fails."""
        opened = await _retrying(self._fence(cursor.tp), f"re-fencing {cursor.tp}")
        if opened is None:
            await self._forget(cursor)
            return
        old, (cursor.producer, committed) = cursor.producer, opened
        with contextlib.suppress(Exception):
            await old.close()
        if not cursor.committed <= committed <= cursor.end:
            log.warning("%s: committed offset %d outside [%d, %d]; redoing", cursor.tp,
                        committed, cursor.committed, cursor.end)  # fmt: skip
            await self._forget(cursor)
            return
        self._confirm(cursor, committed)
        if cursor.window:  # another owner may have committed into the gap before it
            cursor.window[0].start = max(cursor.window[0].start, committed)
        cursor.committed, cursor.in_doubt = committed, False

    def _confirm(self, cursor: _Cursor, upto: int) -> None:
        """The records below ``upto`` are committed: they leave the window."""
        while cursor.window and cursor.window[0].message.offset < upto:
            slot = cursor.window.popleft()
            for out in slot.task.result():
                self._processor.record_published(out, slot.message)
            self._leave(slot)

    def _leave(self, slot: _Slot) -> None:
        """``slot``'s record left its window (committed or dropped): free its claim and slot."""
        self._processor.release(slot.message)
        self._slots.release()
        self._metrics.in_flight.dec()

    # -- rebalances and stopping --------------------------------------------------------------

    async def _forget(self, cursor: _Cursor) -> None:
        """Drop the cursor's window (claims released, tasks cancelled) and close its producer."""
        cursor.closed = True
        if self._cursors.get(cursor.tp) is cursor:
            del self._cursors[cursor.tp]
        while cursor.window:
            slot = cursor.window.popleft()
            slot.task.cancel()
            self._leave(slot)
        with contextlib.suppress(Exception):
            await cursor.producer.close()

    async def revoked(self, tps: Sequence[TopicPartition]) -> None:
        """Forget the partitions' state; a commit in flight ends first."""
        for tp in tps:
            cursor = self._cursors.get(tp)
            if cursor is not None:
                cursor.closed = True  # nothing more is admitted or committed
                async with cursor.lock:
                    await self._forget(cursor)

    async def assigned(self, tps: Sequence[TopicPartition]) -> None:
        """State left from an earlier ownership is stale: the next record opens afresh."""
        await self.revoked(tps)

    async def sweep(
        self, owned: Sequence[TopicPartition], idle: float = 0.0, limit: int = 16
    ) -> None:
        """Admit records beyond the window of partitions idle for ``idle`` seconds: Faust
        drops records it fetched before a seek, and with nothing after them nobody would ask."""
        for tp in owned:
            cursor = self._cursors.get(tp)
            if cursor is not None and self._clock() - cursor.active_at < idle:
                continue
            end = await self._kafka.end_offset(tp)
            start = cursor.end if cursor else await self._kafka.committed(tp)
            if end > start and (cursor := await self._cursor(tp)) is not None:
                start = cursor.end
                records = await self._kafka.read(tp, start, min(end, start + limit))
                await self._admit(cursor, records, start)

    async def sweep_forever(
        self, owned: Callable[[], list[TopicPartition]], every: float = 5.0
    ) -> None:
        while True:
            await asyncio.sleep(every)
            await _retrying(self.sweep(owned(), idle=3 * every), "sweeping")

    async def drain(self, timeout: float) -> None:
        """On shutdown: let running enrichments end and commit them, for up to ``timeout``
        seconds; drop the rest (uncommitted: the next owner redoes them)."""
        tasks = [slot.task for c in self._cursors.values() for slot in c.window]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        while await self.commit_finished():  # a transaction takes at most commit_max_records
            pass
        await self.close()

    async def close(self) -> None:
        for cursor in list(self._cursors.values()):
            await self._forget(cursor)


async def _retrying(work: Coroutine[Any, Any, T], doing: str) -> T | None:
    """``work``'s result, or None after a retriable error (logged; tried again later)."""
    try:
        return await work
    except Exception as exc:
        if is_fatal(exc):
            raise
        log.warning("%s failed (%r); trying again later", doing, exc)
        return None


def supervise(
    coro: Coroutine[Any, Any, None], on_fatal: Callable[[BaseException], None]
) -> asyncio.Task[None]:
    """Run ``coro`` as a task; its dying of anything but cancellation stops the worker."""
    task = asyncio.create_task(coro)

    def done(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            on_fatal(task.exception())  # type: ignore[arg-type]

    task.add_done_callback(done)
    return task
