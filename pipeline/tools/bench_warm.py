"""Untimed warm-up before ``newsflow bench`` measures: the broker's JVM, then each design.

A production broker and worker are long-running; measured from cold, a benchmark charges
them for what they do only once:

* **the broker** — a fresh JVM interprets, then JIT-compiles, its request paths (produce,
  the transaction requests, fetch, offset commits); until then a request costs it more
  CPU. :func:`warm_broker` drives those paths before the first design: one transactional
  producer committing article-shaped transactions (25 records over 9 partitions of three
  topics, an input offset each, as the worker commits an article) and one
  ``read_committed`` consumer reading them back with its group's offsets committed. It goes
  on, in slices of ``SLICE_SECONDS``, until the JVM's compiler threads took less than
  ``JIT_SETTLED`` of the broker's CPU in the last slice (or a time limit).
* **the workers' NLP processes** — they start with empty memo tables
  (``pipeline/enrich/fastpipes.py`` learns its answers per kind of word) and a vocabulary
  that grows with the words met. Each design gets a burst of warm-up articles before its
  timed one: other articles of the same corpus (:func:`warm_articles`), so the measured
  texts still hold words a long-running process has not met.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition

from pipeline.config import Settings
from pipeline.kafka.clients import aiokafka_config
from pipeline.kafka.topics import TopicSpec, ensure_topics
from pipeline.models import RawArticle
from pipeline.tools.bench_proc import jvm_threads, processes
from pipeline.tools.corpus import relabelled

# An article's transaction in the worker: ~25 events over up to 9 output partitions.
RECORDS_PER_TRANSACTION = 25
PARTITIONS_PER_TOPIC = 4
RECORD_BYTES = 400
SLICE_SECONDS = 5.0
JIT_SETTLED = 0.10  # share of the broker's CPU in its JIT compiler threads


@dataclass(frozen=True)
class BrokerWarmUp:
    """What :func:`warm_broker` sent: committed transactions and their records; the share
    of the broker's CPU its JIT compilers took in the last slice (None: broker not local)."""

    seconds: float
    transactions: int
    records: int
    jit_share: float | None = None


def warm_broker(
    settings: Settings,
    prefix: str,
    min_seconds: float,
    max_seconds: float,
    broker: int | None = None,
) -> BrokerWarmUp:
    """Commit article-shaped transactions while a consumer reads them back: at least
    ``min_seconds``, then until the local ``broker``'s JIT has settled (its compiler threads
    under ``JIT_SETTLED`` of its CPU over the last slice) or ``max_seconds`` have passed.

    Its topics are named ``<prefix>.warm-*``; the caller deletes them with its own. The
    clients' own log lines (joining the group, retries while new partitions settle) are
    kept off the bench's progress output.
    """
    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        return asyncio.run(_warm_broker(settings, prefix, min_seconds, max_seconds, broker))
    finally:
        quiet.setLevel(level)


class _Settling:
    """Whether the broker's JIT has settled, judged per slice from ``/proc``."""

    def __init__(self, broker: int | None) -> None:
        self.broker = broker
        self.share: float | None = None
        self._last = self._read()

    def _read(self) -> tuple[float, float]:
        if self.broker is None:
            return 0.0, 0.0
        table = processes()
        total = table[self.broker].own if self.broker in table else 0.0
        return total, jvm_threads(self.broker)["jit"]

    def settled(self) -> bool:
        """End a slice: True when its JIT share was under ``JIT_SETTLED``."""
        if self.broker is None:
            return True
        (total, jit), (total0, jit0) = self._read(), self._last
        self._last = (total, jit)
        self.share = (jit - jit0) / (total - total0) if total > total0 else 0.0
        return self.share < JIT_SETTLED


async def _warm_broker(
    settings: Settings, prefix: str, min_seconds: float, max_seconds: float, broker: int | None
) -> BrokerWarmUp:
    config = aiokafka_config(settings)
    names = [f"{prefix}.warm-{role}" for role in ("in", "a", "b", "c")]
    replication = settings.topics.replication
    specs = [TopicSpec(n, PARTITIONS_PER_TOPIC, replication, {}) for n in names]
    await asyncio.to_thread(ensure_topics, settings, specs)  # waits for their leaders
    # The 9 partitions an article's events touch: a0..a3, b0..b3, c0.
    targets = [(t, p) for t in names[1:3] for p in range(PARTITIONS_PER_TOPIC)] + [(names[3], 0)]
    group = f"{prefix}.warm"
    producer = AIOKafkaProducer(
        **config, transactional_id=group, enable_idempotence=True, acks="all"
    )
    consumer = AIOKafkaConsumer(
        *names[1:],
        **config,
        group_id=group,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await producer.start()
    await consumer.start()
    stop = asyncio.Event()
    reader = asyncio.create_task(_read(consumer, stop))
    value = b"x" * RECORD_BYTES
    transactions = 0
    started = time.monotonic()
    settling = _Settling(broker)
    step = min(SLICE_SECONDS, max_seconds)
    slice_end = started + step
    try:
        while True:
            now = time.monotonic()
            if now >= slice_end:
                slice_end = now + step
                done = settling.settled() and now - started >= min_seconds
                if done or now - started >= max_seconds:
                    break
            async with producer.transaction():
                for i in range(RECORDS_PER_TRANSACTION):
                    topic, partition = targets[i % len(targets)]
                    await producer.send(topic, value=value, key=b"k", partition=partition)
                offsets = {TopicPartition(names[0], 0): transactions}
                await producer.send_offsets_to_transaction(offsets, group)
            transactions += 1
    finally:
        stop.set()
        await reader
        await consumer.stop()
        await producer.stop()
    took = time.monotonic() - started
    records = transactions * RECORDS_PER_TRANSACTION
    return BrokerWarmUp(took, transactions, records, settling.share)


async def _read(consumer: AIOKafkaConsumer, stop: asyncio.Event) -> None:
    """Fetch what was committed and commit the group's offsets, until ``stop``."""
    while not stop.is_set():
        batches = await consumer.getmany(timeout_ms=200)
        if batches:
            await consumer.commit()


def warm_articles(
    warm_pool: list[RawArticle], measured: list[RawArticle], count: int, tag: str
) -> list[RawArticle]:
    """``count`` warm-up articles tagged ``tag``: from ``warm_pool`` (articles not measured)
    when it has any, else the measured ones re-tagged (a user's corpus with nothing else)."""
    return relabelled(warm_pool or measured, tag, count)
