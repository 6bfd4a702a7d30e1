"""A worker on the in-memory Kafka, driven step by step: Faust's fetcher (which re-delivers and
skips), enrichments that end when told, SIGTERM, crash and restart, rebalances.

Everything runs on one event loop owned by the world, on virtual time (:class:`SimLoop`): each
step runs it until nothing more can happen without the next step, and time moves only in the
steps that wait, so a test is a deterministic sequence of steps whatever the machine's load.
"""

from __future__ import annotations

import asyncio
import contextlib
import selectors
from collections.abc import Callable, Coroutine
from typing import Any

from aiokafka.structs import TopicPartition
from prometheus_client import CollectorRegistry

from pipeline.config import Settings
from pipeline.errors import RejectedMessage
from pipeline.models import Enriched, Enrichment, ErrorCode, RawArticle
from pipeline.observe.metrics import WorkerMetrics
from pipeline.worker.dedup import Deduplicator
from pipeline.worker.delivery.delivery import supervise
from pipeline.worker.process import Incoming, Processor
from tests.unit.sim_kafka import RAW, SimKafka
from tests.unit.sim_worker import SimWorker, build
from tests.unit.test_process import TONE

POISON = "POISON"  # the enrichment raises on it
HANG = "HANG"  # the enrichment never ends on it
DEADLINE = 0.05  # seconds, the per-article enrichment deadline in the simulation


class _Instant(selectors.DefaultSelector):
    """A selector that never blocks: where the loop would sleep until its next timer, the
    virtual clock jumps to it instead. A loop that never waits (a task spinning, which on a
    real clock burns a core) would never let the clock move: after ``SPIN`` turns without a
    wait it is reported as such rather than hanging the test."""

    SPIN = 200_000

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.turns = 0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if not ready and timeout is None:
            raise RuntimeError("the simulation waits for something that can never happen")
        if not ready and timeout:
            self.now += timeout
            self.turns = 0
        self.turns += 1
        if self.turns > self.SPIN:
            raise RuntimeError(f"a task spins: {self.SPIN} turns of the loop without a wait")
        return ready


class SimLoop(asyncio.SelectorEventLoop):
    """An event loop on virtual time: its clock (``time()``, which ``asyncio.sleep``,
    ``wait_for`` and the delivery's idleness read) moves only when every task waits for a
    timer, straight to the earliest one. Tasks are kept in creation order, so a crash cancels
    them in the same order every run (``asyncio.all_tasks`` is a set)."""

    def __init__(self) -> None:
        self._instant = _Instant()
        super().__init__(self._instant)
        self.created: list[asyncio.Task[Any]] = []
        self.set_task_factory(self._task)

    def time(self) -> float:
        return self._instant.now

    def run_until_complete(self, future: Any) -> Any:
        self._instant.turns = 0
        return super().run_until_complete(future)

    def _task(self, loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        task = asyncio.Task(coro, loop=loop, **kwargs)
        self.created = [t for t in self.created if not t.done()]
        self.created.append(task)
        return task

    def cancel_all(self) -> None:
        for task in self.created:
            task.cancel()


class SimEnricher:
    """Enrichments that end when :meth:`finish` says (or at once with ``auto``)."""

    model_name = "sim"
    model_version = "0"

    def __init__(self) -> None:
        self.auto = False
        self.waiting: list[asyncio.Future[None]] = []
        self.calls = 0

    async def enrich(self, article: RawArticle) -> Enriched:
        self.calls += 1
        if HANG in article.body:
            await asyncio.get_running_loop().create_future()  # never set
        if not self.auto:
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self.waiting.append(done)
            await done
        if POISON in article.body:
            raise RejectedMessage(ErrorCode.ENRICHMENT_FAILED, "poison")
        return Enriched(Enrichment(tone=TONE), {"total": 0.001})

    def finish(self, index: int | None = None) -> None:
        self.waiting = [f for f in self.waiting if not f.done()]
        if not self.waiting:
            return
        chosen = self.waiting if index is None else [self.waiting[index % len(self.waiting)]]
        for future in chosen:
            future.set_result(None)


class World:
    def __init__(
        self,
        partitions: int = 2,
        limit: int = 4,
        dedup: bool = True,
        deadline: float = DEADLINE,
        **commit: Any,
    ) -> None:
        """``commit``: the delivery's max_running and commit_max_records."""
        self.commit = commit
        self.deadline = deadline
        self.kafka = SimKafka(partitions)
        self.loop = SimLoop()
        self.limit = limit
        self.dedup = dedup
        self.table: dict[str, float] = {}  # the seen table's changelog survives restarts
        self.owned = set(range(partitions))
        self.enricher = SimEnricher()
        self.fatal: list[BaseException] = []
        self.worker: SimWorker
        self.position: dict[int, int] = {}
        self.max_in_flight = 0
        self._start()

    # -- the worker's life --------------------------------------------------------------------

    def _start(self) -> None:
        settings = Settings.model_validate({"worker": {"enrich_deadline_seconds": self.deadline}})
        processor = Processor(settings, self.enricher, WorkerMetrics(CollectorRegistry(), "sim"))
        if self.dedup:
            processor.dedup = Deduplicator(self.table, window_seconds=3600)
        self.processor = processor
        owned: Callable[[TopicPartition], bool] = lambda tp: tp.partition in self.owned  # noqa: E731
        self.worker = build(self.kafka, processor, owned, self.limit, **self.commit)
        self.tasks: list[asyncio.Task[Any]] = [self._supervised(self.worker.run())]
        self.position = {p: self.kafka.committed_offsets[p] for p in self.owned}

    def crash(self) -> None:
        """kill -9: every task of the worker ends where it is; nothing is cleaned up."""
        self.loop.cancel_all()
        self.settle()
        self.enricher.waiting.clear()
        self._start()

    def sigterm(self) -> None:
        for task in self.tasks:
            task.cancel()
        self.settle()
        self.run(self.worker.drain(timeout=DEADLINE))
        self.run(self.worker.close())
        self.crash()  # whatever is still running dies with the process

    def revoke(self, partition: int) -> None:
        self.owned.discard(partition)
        self.position.pop(partition, None)
        self.run(self.worker.forget([TopicPartition(RAW, partition)]))

    def assign(self, partition: int) -> None:
        self.owned.add(partition)
        # Faust starts from the group's committed offset.
        self.position[partition] = self.kafka.committed_offsets[partition]
        self.run(self.worker.forget([TopicPartition(RAW, partition)]))

    # -- Faust's fetcher -------------------------------------------------------------------------

    def deliver(self, partition: int, count: int, skip: int = 0, back: int = 0) -> None:
        """Hand ``count`` records from the fetch position to the agent, after skipping ``skip``
        (Faust drops records below its read offset) or going ``back`` (records fetched before
        a seek are handed out again)."""
        if partition not in self.position:
            return
        start = max(0, self.position[partition] - back) + skip
        records = self.kafka.records[partition][start : start + count]
        if not records:
            return
        self.position[partition] = max(self.position[partition], records[-1].offset + 1)
        self.submit(records)

    def submit(self, records: list[Incoming]) -> None:
        self.tasks.append(self._supervised(self.worker.submit(records)))
        self.settle()

    def _supervised(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        async def start() -> asyncio.Task[None]:
            return supervise(coro, self.fatal.append)

        return self.loop.run_until_complete(start())

    # -- the loop ---------------------------------------------------------------------------------

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        result = self.loop.run_until_complete(coro)
        self.settle()
        return result

    def settle(self, rounds: int = 30) -> None:
        for _ in range(rounds):
            self.loop.run_until_complete(asyncio.sleep(0))
        self.max_in_flight = max(self.max_in_flight, self.worker.in_flight)

    def wait(self, seconds: float) -> None:
        """``seconds`` of virtual time pass; every timer due meanwhile fires in order."""
        self.loop.run_until_complete(asyncio.sleep(seconds))
        self.settle()

    def finish(self, index: int | None = None) -> None:
        self.enricher.finish(index)
        self.settle()

    def quiesce(self, rounds: int = 60) -> None:
        """Own everything, let every enrichment end and Faust deliver all: the end state."""
        for p in range(self.kafka.partitions):
            if p not in self.owned:
                self.assign(p)
        self.enricher.auto = True
        for _ in range(rounds):
            self.finish()
            if self.fatal or not self.kafka.check(complete=True):
                break
            for p in self.owned:
                self.position[p] = self.kafka.committed_offsets[p]
                self.deliver(p, len(self.kafka.records[p]))
            self.run(self.worker.sweep(sorted(TopicPartition(RAW, p) for p in self.owned)))
            self.wait(0.005)

    def close(self) -> None:
        self.loop.cancel_all()
        with contextlib.suppress(Exception):
            self.settle()
        self.loop.close()

    def problems(self, complete: bool = False) -> list[str]:
        found = self.kafka.check(complete)
        if self.max_in_flight > self.limit:
            found.append(f"{self.max_in_flight} records in flight, limit {self.limit}")
        # At the end every slot is free or held by a record in a window (one whose commit's
        # reply is still awaited): a slot that leaked would stall the worker once all had.
        free = self.worker._slots._value  # asyncio.Semaphore's count
        if complete and free + self.worker.in_flight != self.limit:
            found.append(f"{self.limit - free - self.worker.in_flight} slots never given back")
        # A worker keeps no state for a partition it does not own, once the revoke returned.
        stale = [tp.partition for tp in self.worker._cursors if tp.partition not in self.owned]
        if stale:
            found.append(f"cursors kept for partitions not owned: {stale}")
        # A record's de-duplication claim lives while the record is in a window (invariant 6).
        windowed = {(s.message.topic, s.message.partition, s.message.offset)
                    for c in self.worker._cursors.values() for s in c.window}  # fmt: skip
        dedup = self.processor.dedup
        if complete and dedup is not None and (held := set(dedup._claims) - windowed):
            found.append(f"claims never released: {sorted(map(str, held))}")
        return found
