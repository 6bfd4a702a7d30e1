"""An in-memory Kafka for the delivery path: input partitions, the group's committed offsets,
one transactional id per input partition with fencing, transactions that commit atomically or
abort, scripted commit faults, and "another worker" that takes a partition over.

It stands behind the seams the worker uses (:class:`pipeline.worker.delivery.kafka_io.Kafka`:
``fence`` is the producer factory, ``committed`` / ``read`` / ``end_offset`` the reader) and
records what a ``read_committed`` reader would see, so tests can check the promise itself:
each input offset below the committed offset has exactly one result, none above it.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka.errors import (
    KafkaTimeoutError,
    ProducerFenced,
    RequestTimedOutError,
    TopicAuthorizationFailedError,
)
from aiokafka.structs import TopicPartition

from pipeline.worker.process import Incoming, Outgoing

RAW = "news.raw"
ENRICHED = "news.enriched"
DEADLETTER = "news.deadletter"
LATE = 0.01  # seconds a late commit reply takes


def article_id(partition: int, offset: int) -> str:
    return f"p{partition}o{offset}"


@dataclass
class SimKafka:
    partitions: int
    records: dict[int, list[Incoming]] = field(default_factory=dict)
    committed_offsets: dict[int, int] = field(default_factory=dict)
    epochs: dict[int, int] = field(default_factory=dict)
    # Results a read_committed reader sees: (input partition, input offset, who).
    visible: list[tuple[int, int, str]] = field(default_factory=list)
    # What the next commits do: "abort" (fails, nothing visible), "lost_reply" (commits, then
    # the client times out waiting for the answer), "late_reply" (commits; the answer comes
    # after LATE seconds, so a SIGTERM can cancel the wait), "unauthorized" (a fatal error),
    # "bug" (an exception no one expects).
    faults: list[str] = field(default_factory=list)
    # Partition -> records another worker commits just before our next fence of it takes
    # effect (a zombie's transaction landing while our producer starts).
    before_fence: dict[int, int] = field(default_factory=dict)
    failing_fences: int = 0  # how many of the next fences fail with a retriable error
    slow_fences: int = 0  # how many of the next fences take LATE seconds (a revoke comes in)
    violations: list[str] = field(default_factory=list)
    transactions: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        for p in range(self.partitions):
            self.records.setdefault(p, [])
            self.committed_offsets.setdefault(p, 0)
            self.epochs.setdefault(p, 0)

    # -- the producer of news.raw -------------------------------------------------------------

    def publish(self, partition: int, body: str = "") -> Incoming:
        offset = len(self.records[partition])
        aid = article_id(partition, offset)
        text = body or f"Officials in Oslo spoke about item {aid}."
        value = json.dumps({"id": aid, "title": aid, "body": text}).encode()
        record = Incoming(aid.encode(), value, RAW, partition, offset, timestamp=None)
        self.records[partition].append(record)
        return record

    # -- the seams ------------------------------------------------------------------------------

    async def fence(self, tp: TopicPartition) -> SimProducer:
        await asyncio.sleep(LATE if self.slow_fences else 0)  # a round trip: others run meanwhile
        self.slow_fences = max(0, self.slow_fences - 1)
        if self.failing_fences:
            self.failing_fences -= 1
            raise RequestTimedOutError()
        if count := self.before_fence.pop(tp.partition, 0):
            self.take_over(tp.partition, count)
        self.epochs[tp.partition] += 1
        return SimProducer(self, tp.partition, self.epochs[tp.partition])

    async def committed(self, tp: TopicPartition) -> int:
        await asyncio.sleep(0)
        return self.committed_offsets[tp.partition]

    async def end_offset(self, tp: TopicPartition) -> int:
        await asyncio.sleep(0)
        return len(self.records[tp.partition])

    async def read(self, tp: TopicPartition, start: int, end: int) -> list[Incoming]:
        await asyncio.sleep(0)
        return list(self.records[tp.partition][start:end])

    # -- faults -------------------------------------------------------------------------------

    def take_over(self, partition: int, count: int) -> None:
        """Another worker fences ``partition`` and commits the next ``count`` records' results."""
        self.epochs[partition] += 1
        start = self.committed_offsets[partition]
        end = min(start + count, len(self.records[partition]))
        self.visible.extend((partition, o, "other") for o in range(start, end))
        self.committed_offsets[partition] = end

    def _commit(self, partition: int, epoch: int, out: Sequence[Outgoing], offset: int) -> None:
        """One transaction, atomically: its results become visible with the offset."""
        if epoch != self.epochs[partition]:
            self.transactions["fenced"] += 1
            raise ProducerFenced()
        if offset < self.committed_offsets[partition]:
            self.violations.append(f"p{partition}: committed offset went back "
                                   f"{self.committed_offsets[partition]} -> {offset}")  # fmt: skip
        self.visible.extend(_result_of(o) for o in out if o.topic in (ENRICHED, DEADLETTER))
        self.committed_offsets[partition] = offset
        self.transactions["committed"] += 1

    # -- the promise --------------------------------------------------------------------------

    def check(self, complete: bool = False) -> list[str]:
        """Broken promises: offsets below the committed one without exactly one result,
        results at or above it; with ``complete``, records never committed."""
        problems = list(self.violations)
        counts = Counter((p, o) for p, o, _ in self.visible)
        for p in range(self.partitions):
            committed = self.committed_offsets[p]
            for o in range(max(committed, len(self.records[p]))):
                n = counts[(p, o)]
                if o < committed and n != 1:
                    problems.append(f"p{p}@{o}: {n} results" if n else f"p{p}@{o}: lost")
                if o >= committed and n:
                    problems.append(f"p{p}@{o}: result visible above the committed offset")
            if complete and committed != len(self.records[p]):
                problems.append(f"p{p}: committed {committed} of {len(self.records[p])}")
        return problems


def _result_of(out: Outgoing) -> tuple[int, int, str]:
    data = json.loads(out.value)
    if out.topic == DEADLETTER:
        return data["partition"], data["offset"], "us"
    partition, offset = data["id"][1:].split("o")
    return int(partition), int(offset), "us"


class SimProducer:
    """A transactional producer whose epoch was current when it was started."""

    def __init__(self, kafka: SimKafka, partition: int, epoch: int) -> None:
        self._kafka = kafka
        self._partition = partition
        self._epoch = epoch
        self._pending: list[Outgoing] = []

    async def commit(self, tp: TopicPartition, out: Sequence[Outgoing], next_offset: int) -> None:
        await asyncio.sleep(0)  # the sends are in flight: fences and revokes come in here
        fault = self._kafka.faults.pop(0) if self._kafka.faults else None
        if fault == "abort":
            self._kafka.transactions["aborted"] += 1
            raise RequestTimedOutError()
        if fault == "unauthorized":
            raise TopicAuthorizationFailedError()
        if fault == "bug":
            raise ZeroDivisionError("a bug in the commit path")
        self._kafka._commit(self._partition, self._epoch, out, next_offset)
        await asyncio.sleep(LATE if fault == "late_reply" else 0)
        if fault == "lost_reply":
            raise KafkaTimeoutError()

    async def close(self) -> None:
        await asyncio.sleep(0)

    # aiokafka's shape, for code that drives AIOKafkaProducer directly.

    def transaction(self) -> _Transaction:
        return _Transaction(self)

    async def send(self, topic: str, value: bytes, key: bytes) -> asyncio.Future[None]:
        self._pending.append(Outgoing(topic, key, value))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    async def send_offsets_to_transaction(self, offsets: dict[TopicPartition, int], _: str) -> None:
        (self._next,) = offsets.values()

    async def stop(self) -> None:
        await self.close()


class _Transaction:
    def __init__(self, producer: SimProducer) -> None:
        self._producer = producer

    async def __aenter__(self) -> None:
        self._producer._pending = []

    async def __aexit__(self, kind: object, *_: object) -> None:
        if kind is None:
            tp = TopicPartition(RAW, self._producer._partition)
            await self._producer.commit(tp, self._producer._pending, self._producer._next)
