"""Exactly-once delivery: one cursor per input partition, its invariants checked at every commit.

The agent hands over what Faust delivers (:meth:`Delivery.submit`); each admitted record is
enriched as its own task; :meth:`Delivery.run` commits each partition's finished prefix with its
next offset in one Kafka transaction, which begins as soon as the one before it ends and
carries every record that finished meanwhile (up to ``commit_max_records``).

A partition's cursor lives from fencing to forgetting. It holds the producer, the committed
offset and the window: the records handed out and not yet committed, in offset order.
Invariants (``docs/guarantees.md`` draws the life of a partition):

1. The window covers ``[committed, end)`` without a hole: each record covers from where the one
   before it ends (the first from the committed offset). Faust's repeated or stale records
   below ``end`` are ignored; one above ``end`` is admitted after those between, read from the log.
2. A transaction covers exactly ``[committed, new)``, each record with its result (events or a
   dead letter), and ``new > committed``: checked before every commit. Anything else is refused
   and the partition forgotten, so it is redone from the committed offset, never skipped.
3. A cursor is opened by fencing the partition's transactional id and only then reading the
   committed offset: nobody else can commit for the partition without fencing us first.
4. After a commit of unknown outcome (a retriable error, a timeout, the committer cancelled
   while it waited) the cursor is re-opened before anything more is committed: fence again and
   read the committed offset, the one before that commit or the one it tried (what committed
   leaves the window). Any other offset, a failed re-open, fenced by another producer, revoked
   or assigned afresh: the cursor is forgotten, its partition redone from the committed offset.
5. At most ``max_in_flight`` records are in windows, a slot each from admission until committed
   or dropped (the back-pressure on Faust's stream); of them at most ``max_running`` are being
   enriched (one waiting for its commit does not keep an NLP process idle).
6. A record's de-duplication claim is keyed by its (partition, offset), so a redo never counts
   as a duplicate of itself; it is confirmed when committed and released when dropped.

Errors the client marks retriable are retried; fatal ones (:func:`kafka_io.is_fatal`) and bugs
propagate: the supervised task dies and stops the worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from itertools import islice, takewhile
from typing import Any, TypeVar

from aiokafka.structs import TopicPartition

from pipeline.worker.delivery.kafka_io import FENCED, Kafka, Producer, is_fatal
from pipeline.worker.process import Incoming, Outgoing, Processor

log = logging.getLogger(__name__)

T = TypeVar("T")


def _now() -> float:
    return asyncio.get_running_loop().time()  # the simulation's loop runs on virtual time


@dataclass
class _Slot:
    message: Incoming
    start: int  # the first offset this record covers (invariant 1)
    task: asyncio.Task[list[Outgoing]]


@dataclass(eq=False)
class _Cursor:
    tp: TopicPartition
    producer: Producer
    committed: int
    active_at: float  # when a record was last admitted or committed (loop seconds)
    window: deque[_Slot] = field(default_factory=deque)
    closed: bool = False
    trying: int | None = None  # the offset a commit of unknown outcome tried: re-open first
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one commit or re-open at a time

    @property
    def end(self) -> int:
        return self.window[-1].message.offset + 1 if self.window else self.committed

    def refusal(self, slots: Sequence[_Slot]) -> str | None:
        """Why committing ``slots`` (at least one) would break invariant 2, or None: each must
        cover from where the one before ends and hold an offset at or past it."""
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
        owned: Callable[[TopicPartition], bool],
        max_in_flight: int,
        backoff: tuple[float, float] = (0.2, 5.0),
        *,
        max_running: int | None = None,
        commit_max_records: int = 1000,
    ) -> None:
        """``backoff``: first and longest pause in seconds after a failed commit;
        ``max_running``: enrichments at once (default ``max_in_flight``);
        ``commit_max_records``: most input records in one transaction."""
        self._processor = processor
        self._metrics = processor.metrics
        self._kafka = kafka
        self._owned = owned
        self._cursors: dict[TopicPartition, _Cursor] = {}
        self._forgets: Counter[TopicPartition] = Counter()  # forget() calls, per partition
        self._opening = asyncio.Lock()
        self._slots = asyncio.Semaphore(max_in_flight)
        self._running = asyncio.Semaphore(max_running or max_in_flight)
        self._max_records = commit_max_records
        self._finished = asyncio.Event()
        self._backoff = 0.0
        self._backoffs = backoff
        self._draining = False  # stopping: nothing more is admitted
        self._metrics.in_flight.set_function(lambda: self.in_flight)

    @property
    def in_flight(self) -> int:
        return sum(len(c.window) for c in tuple(self._cursors.values()))  # read by /metrics' thread

    # -- admission ------------------------------------------------------------------------------

    async def submit(self, messages: Sequence[Incoming]) -> None:
        """Admit ``messages`` (waits while every slot is taken)."""
        for message in sorted(messages, key=lambda m: (m.partition, m.offset)):
            tp = TopicPartition(message.topic, message.partition)
            cursor = await _retrying(self._cursor(tp), f"opening {tp}")
            if cursor is None or message.offset < cursor.end:
                continue  # not ours, or handed out already
            records = [message]
            if message.offset > cursor.end:  # Faust skipped some: read them from the log
                read = self._kafka.read(tp, cursor.end, message.offset + 1)
                records = await _retrying(read, "reading") or []
            await self._admit(cursor, records)

    async def _admit(self, cursor: _Cursor, records: Sequence[Incoming]) -> None:
        """Append ``records``: all the log holds from the window's end to the last (inv. 1)."""
        for record in records:
            # Cancelled only when the worker stops: the semaphores go with it.
            await self._slots.acquire()
            await self._running.acquire()
            # Forgotten, handed out already, or the worker is stopping.
            if cursor.closed or record.offset < cursor.end or self._draining:
                self._slots.release()
                self._running.release()
                continue
            task = asyncio.create_task(self._processor.process(record))
            task.add_done_callback(self._ended)
            cursor.window.append(_Slot(record, cursor.end, task))
            cursor.active_at = _now()

    async def _cursor(self, tp: TopicPartition) -> _Cursor | None:
        """The partition's cursor, opened when it is ours and has none (and kept if no revoke
        came while it fenced: the consumer lists a revoked partition until the rebalance ends)."""
        if self._draining:
            return None  # stopping: no partition is opened
        cursor = self._cursors.get(tp)
        if cursor is not None or not self._owned(tp):
            return cursor
        async with self._opening:
            if tp not in self._cursors and self._owned(tp):
                forgets = self._forgets[tp]
                self._cursors[tp] = _Cursor(tp, *await self._fence(tp), _now())
                if forgets != self._forgets[tp] or not self._owned(tp) or self._draining:
                    await self.forget([tp])
            return self._cursors.get(tp)

    async def _fence(self, tp: TopicPartition) -> tuple[Producer, int]:
        """Invariant 3: fence the partition's transactional id, then read its committed offset."""
        producer = await self._kafka.fence(tp)
        try:
            return producer, await self._kafka.committed(tp)
        except BaseException:
            await producer.close()
            raise

    def _ended(self, _: asyncio.Task[list[Outgoing]]) -> None:
        self._running.release()  # exactly once per task: done callbacks run on cancel too
        self._finished.set()

    # -- commits --------------------------------------------------------------------------------

    async def run(self) -> None:
        """Commit finished prefixes as enrichments end, until cancelled: the next transaction
        carries what finished while the one before it was committed."""
        while True:
            self._finished.clear()
            if not await self.commit_finished():
                await self._finished.wait()
            await asyncio.sleep(self._backoff)

    async def commit_finished(self) -> int:
        """Commit every partition's finished prefix; how many records were committed."""
        committed = 0
        for cursor in list(self._cursors.values()):
            async with cursor.lock:
                if not cursor.closed:
                    committed += await self._commit(cursor)
        return committed

    async def _commit(self, cursor: _Cursor) -> int:
        if cursor.trying is not None:  # an earlier commit failed or was cancelled while it waited
            await self._reopen(cursor, cursor.trying)
        # The window's finished prefix, at most commit_max_records.
        slots = list(islice(takewhile(lambda s: s.task.done(), cursor.window), self._max_records))
        if not slots:  # none finished, or the re-open forgot the cursor
            return 0
        if (refusal := cursor.refusal(slots)) is not None:
            log.error("%s: commit refused (%s); redoing from %d", cursor.tp, refusal,
                      cursor.committed)  # fmt: skip
            await self._forget(cursor)
            return 0
        out = [o for slot in slots for o in slot.task.result()]
        cursor.trying = new = slots[-1].message.offset + 1  # a failure or cancellation leaves it
        try:
            await cursor.producer.commit(cursor.tp, out, new)
        except Exception as exc:
            if cursor.closed:  # revoked meanwhile (also at shutdown): its next owner fences it
                return 0
            if is_fatal(exc):
                raise
            self._finished.set()  # try again after the backoff
            self._backoff = min(max(self._backoff * 2, self._backoffs[0]), self._backoffs[1])
            fenced = isinstance(exc, FENCED)
            self._metrics.transactions.labels(outcome="fenced" if fenced else "aborted").inc()
            log.warning("%s: transaction failed (%r); %s", cursor.tp, exc,
                        "forgetting it" if fenced else "fencing again")  # fmt: skip
            if fenced:
                await self._forget(cursor)
            return 0
        self._metrics.transactions.labels(outcome="committed").inc()
        self._backoff = 0.0
        self._confirm(cursor, new)
        return len(slots)

    async def _reopen(self, cursor: _Cursor, tried: int) -> None:
        """Invariant 4: fence again and read the committed offset; unless it is the one
        before the doubtful commit or the one that commit tried, forget the cursor."""
        opened = await _retrying(self._fence(cursor.tp), f"re-fencing {cursor.tp}")
        if opened is not None:
            old, (cursor.producer, committed) = cursor.producer, opened
            await old.close()
            if committed in (cursor.committed, tried):
                self._confirm(cursor, committed)
                return
            log.warning("%s: committed offset %d, neither %d nor %d; redoing", cursor.tp,
                        committed, cursor.committed, tried)  # fmt: skip
        await self._forget(cursor)

    def _confirm(self, cursor: _Cursor, upto: int) -> None:
        """``upto`` is the committed offset: the records below it leave the window."""
        cursor.committed, cursor.trying, cursor.active_at = upto, None, _now()
        while cursor.window and cursor.window[0].message.offset < upto:
            slot = cursor.window.popleft()
            for out in slot.task.result():
                self._processor.record_published(out, slot.message)
            self._leave(slot)

    def _leave(self, slot: _Slot) -> None:
        """``slot``'s record left its window (committed or dropped): free its claim and slot."""
        self._processor.release(slot.message)
        self._slots.release()

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
        await cursor.producer.close()

    async def forget(self, tps: Sequence[TopicPartition]) -> None:
        """Revoked, or assigned afresh (state left from an earlier ownership is stale): forget
        the partitions' state, after a commit in flight ends; the next record opens afresh."""
        for tp in tps:
            self._forgets[tp] += 1
            if (cursor := self._cursors.get(tp)) is not None:
                cursor.closed = True  # nothing more is admitted or committed
                async with cursor.lock:
                    await self._forget(cursor)

    async def sweep(
        self, owned: Sequence[TopicPartition], idle: float = 0.0, limit: int = 16
    ) -> None:
        """Forget cursors of partitions not ``owned`` (a revoke race); submit up to ``limit``
        records past the window of those idle ``idle`` s (Faust drops ones fetched pre-seek)."""
        await self.forget([tp for tp in self._cursors if tp not in owned])
        for tp in owned:
            cursor = self._cursors.get(tp)
            if cursor is not None and _now() - cursor.active_at < idle:
                continue
            start = cursor.end if cursor else await self._kafka.committed(tp)
            end = await self._kafka.end_offset(tp)
            if end > start:
                await self.submit(await self._kafka.read(tp, start, min(end, start + limit)))

    async def sweep_forever(
        self, owned: Callable[[], list[TopicPartition]], every: float = 5.0
    ) -> None:
        while True:
            await asyncio.sleep(every)
            await _retrying(self.sweep(owned(), idle=3 * every), "sweeping")

    async def drain(self, timeout: float) -> None:
        """On shutdown: let running enrichments end and commit them, for up to ``timeout``
        seconds; drop the rest (uncommitted: the next owner redoes them). Nothing is admitted
        from now on: a record handed over meanwhile is left to the next owner too."""
        self._draining = True
        tasks = [slot.task for c in self._cursors.values() for slot in c.window]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        while await self.commit_finished():  # a transaction takes at most commit_max_records
            pass
        await self.close()

    async def close(self) -> None:
        await self.forget(list(self._cursors))


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
    coro: Coroutine[Any, Any, None], on_fatal: Callable[[BaseException], object]
) -> asyncio.Task[None]:
    """Run ``coro`` as a task; its dying of anything but cancellation stops the worker."""
    task = asyncio.create_task(coro)
    task.add_done_callback(lambda t: t.cancelled() or (e := t.exception()) is None or on_fatal(e))
    return task
