"""The story index's feed: every worker's index kept in step through one compacted topic.

Each worker holds the whole story index in memory (:class:`StoryIndex`). Once an article's
events are committed, the worker remembers its record and hands it to :meth:`IndexFeed.share`,
which sends it to ``<app id>-story-index`` (key: the article id, value: the record as JSON).
A reader of its own, in no consumer group, reads every partition of that topic from the
beginning and remembers what any worker (this one included, and earlier runs) sent.

It is not a Faust table on purpose. A GlobalTable's changelog is read by the worker's Faust
consumer: each rebalance pauses the input partitions until the whole changelog is read
(twice: as active, then again as standby, from offset 0), every changelog record passes
through the same fetch loop as the articles, and each table write waits in Faust's producer
buffer, which blocks that fetch loop whenever it holds more than 100 records (an article wrote
about twenty). This reader shares nothing with the Faust consumer: it cannot pause, seek or
block the input partitions, and a rebalance does not restart it.

Invariants:

1. A record is sent only after its article's events are committed (:meth:`Stories.confirm`),
   so the index never holds an article a reader of ``news.enriched`` cannot see.
2. :meth:`StoryIndex.remember` is idempotent: a worker reading back its own record, or a
   record read twice, changes nothing but the order of the index's id lists.
3. Articles are decided only once the reader has read up to the end offsets it saw when it
   started (or ``catch_up_seconds`` have passed: then the worker goes on with what it has,
   logs it, and an article of a story it has not read yet starts a new story).
4. A record older than the window is not remembered; the topic deletes records by retention
   (the window and an hour), and every worker forgets expired articles itself.

What it does not promise: a record sent by another worker reaches this one in milliseconds
to a second, so two workers deciding two articles of one new story in that time start two
stories; a record not yet sent when the worker dies is lost (its article's story stays right,
later articles cannot join it by this record). At a clean stop every record still held is
sent, for up to ``STOP_SECONDS``: a record leaves the outbox only once the producer has it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import ConsumerStoppedError, IllegalStateError
from aiokafka.structs import TopicPartition
from mode import Service

from pipeline.config import Settings
from pipeline.kafka.clients import aiokafka_config
from pipeline.kafka.topics import TopicSpec, admin_client, ensure_topics
from pipeline.stories.index import StoryIndex

log = logging.getLogger(__name__)

CATCH_UP_SECONDS = 120.0  # past this, articles are decided with what has been read
STOP_SECONDS = 5.0  # at shutdown, records still to send get this long
BATCH = 100  # records remembered between two yields to the event loop (~10 ms)


def index_topic(settings: Settings) -> str:
    return f"{settings.worker.app_id}-story-index"


def index_topic_spec(settings: Settings) -> TopicSpec:
    """Compacted (a redone article's record replaces the first) and deleted by age."""
    retention_ms = int((settings.stories.window_seconds + 3600) * 1000)
    # Retention and compaction act on closed segments only: without an hourly roll a quiet
    # topic keeps one open segment (the broker's default rolls weekly), and every start would
    # read days of records beyond the window.
    config = {
        "cleanup.policy": "compact,delete",
        "retention.ms": str(retention_ms),
        "segment.ms": str(3_600_000),
    }
    t = settings.topics
    return TopicSpec(index_topic(settings), t.partitions, t.replication, config)


def _prepare(settings: Settings) -> list[int]:
    """Create the index topic if missing; its partitions."""
    spec = index_topic_spec(settings)
    ensure_topics(settings, [spec])
    admin = admin_client(settings)
    try:
        [described] = admin.describe_topics([spec.name])
        # kafka-python names the field after the protocol version it spoke
        return sorted(int(p.get("partition_index", p.get("partition"))) for p in
                      described["partitions"])  # fmt: skip
    finally:
        admin.close()


def encode(article_id: str, record: dict[str, Any]) -> tuple[bytes, bytes]:
    return article_id.encode(), json.dumps(record, separators=(",", ":")).encode()


def remember_encoded(index: StoryIndex, key: bytes | None, value: bytes | None, now: float) -> bool:
    """Remember one record as read from the topic; False for one that cannot be read."""
    if key is None or value is None:
        return False
    try:
        record = json.loads(value)
        article_id = key.decode()
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(record, dict) and index.remember(article_id, record, now)


class IndexFeed(Service):
    """Reads the index topic into ``index`` and sends this worker's records to it."""

    def __init__(
        self,
        settings: Settings,
        index: StoryIndex,
        catch_up_seconds: float = CATCH_UP_SECONDS,
        **kwargs: Any,
    ) -> None:
        self.settings = settings
        self.index = index
        self.topic = index_topic(settings)
        self.catch_up_seconds = catch_up_seconds
        self.caught_up = asyncio.Event()
        self.records_read = 0
        # Records to send, oldest first; a record stays here until the producer has it.
        self._outbox: deque[tuple[bytes, bytes]] = deque()
        self._queued = asyncio.Event()  # set while the outbox holds records
        self._sending = asyncio.Lock()  # one sender at a time: the task, or the drain at stop
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._targets: dict[TopicPartition, int] = {}
        self._started_at = time.monotonic()
        super().__init__(**kwargs)

    # -- the processor's side -------------------------------------------------------------------

    def share(self, article_id: str, record: dict[str, Any]) -> None:
        """Send a committed article's record to every worker (in the background)."""
        self._outbox.append(encode(article_id, record))
        self._queued.set()

    async def wait_caught_up(self) -> None:
        """Return once the index holds what the topic held at start (or the wait is over)."""
        if self.caught_up.is_set():
            return
        left = self.catch_up_seconds - (time.monotonic() - self._started_at)
        try:
            await asyncio.wait_for(self.caught_up.wait(), max(0.0, left))
        except TimeoutError:
            if not self.caught_up.is_set():
                log.warning(
                    "story index: not read to its end in %.0f s; deciding stories with %d "
                    "records read", self.catch_up_seconds, self.records_read,
                )  # fmt: skip
                self.caught_up.set()

    # -- the service ----------------------------------------------------------------------------

    async def on_start(self) -> None:
        self._started_at = time.monotonic()
        # kafka-python's admin client blocks: off the event loop.
        partitions = await asyncio.to_thread(_prepare, self.settings)
        config = aiokafka_config(self.settings)
        self._consumer = AIOKafkaConsumer(
            **config, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest"
        )
        await self._consumer.start()
        tps = [TopicPartition(self.topic, p) for p in partitions]
        self._consumer.assign(tps)
        await self._consumer.seek_to_beginning(*tps)
        self._targets = dict(await self._consumer.end_offsets(tps))
        self._producer = AIOKafkaProducer(**config, acks="all", enable_idempotence=True)
        await self._producer.start()
        log.info("story index: reading %s from the beginning up to %s", self.topic,
                 {tp.partition: end for tp, end in sorted(self._targets.items())})  # fmt: skip

    @Service.task
    async def _read(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        try:
            while not self.should_stop:
                await self._read_batch(consumer)
        except (ConsumerStoppedError, IllegalStateError):
            if not self.should_stop:
                raise
            # on_stop closed the consumer under a fetch: the worker is stopping, not failing

    async def _read_batch(self, consumer: AIOKafkaConsumer) -> None:
        batches = await consumer.getmany(timeout_ms=1000, max_records=BATCH)
        now = time.time()
        for records in batches.values():
            for r in records:
                self._remember(r.key, r.value, now)
                self.records_read += 1
        if not self.caught_up.is_set() and await self._at_targets(consumer):
            log.info("story index: read to its end, %d records, %d articles in the window",
                     self.records_read, self.index.articles)  # fmt: skip
            self.caught_up.set()
        await asyncio.sleep(0)  # a long catch-up lets the rest of the worker run

    def _remember(self, key: bytes | None, value: bytes | None, now: float) -> None:
        # The reader must never stop on data: a record it cannot use is logged and skipped
        # (a worker that stopped here would stop again at the same record on every restart).
        try:
            remember_encoded(self.index, key, value, now)
        except Exception:
            log.exception("story index: record %r skipped", (key or b"")[:100])

    async def _at_targets(self, consumer: AIOKafkaConsumer) -> bool:
        for tp, end in self._targets.items():
            if await consumer.position(tp) < end:
                return False
        return True

    @Service.task
    async def _send(self) -> None:
        while not self.should_stop:
            await self._queued.wait()
            async with self._sending:
                await self._send_queued(lambda: not self.should_stop)

    async def _send_queued(self, go_on: Callable[[], bool]) -> None:
        """Send the outbox's records in order while ``go_on()``. A record leaves the outbox
        only once the producer has taken it (or refused it: logged), so one whose send is
        cancelled halfway is still there for the next sender (a record sent twice is
        harmless: invariant 2)."""
        while self._outbox and go_on():
            await self._send_one(*self._outbox[0])
            self._outbox.popleft()
        if not self._outbox:
            self._queued.clear()

    async def _send_one(self, key: bytes, value: bytes) -> None:
        producer = self._producer
        assert producer is not None
        try:
            # Enqueued in the producer's batch; delivery is awaited in the background.
            sent = await producer.send(self.topic, value=value, key=key)
        except Exception as exc:  # the record is lost; the article's own story is not
            log.warning("story index: record %s not sent: %r", key[:100], exc)
            return
        sent.add_done_callback(_log_failure)

    async def _drain(self) -> None:
        async with self._sending:
            await self._send_queued(lambda: True)

    async def on_stop(self) -> None:
        # What the worker confirmed, up to its stop, is still sent, for a few seconds. The
        # sender task runs until the service's tasks are cancelled, after this: it may be
        # waiting on the producer (its buffer full) with a record; it finishes that record and
        # leaves the rest to this drain (which holds the lock, so no record goes twice).
        if self._producer is not None:
            with contextlib.suppress(TimeoutError):  # what is left is counted below
                await asyncio.wait_for(self._drain(), STOP_SECONDS)
        if self._outbox:
            log.warning("story index: %d records not sent at shutdown", len(self._outbox))
        if self._producer is not None:
            try:
                await asyncio.wait_for(self._producer.flush(), STOP_SECONDS)
            except TimeoutError:
                log.warning("story index: records not acknowledged at shutdown")
            await self._producer.stop()
        if self._consumer is not None:
            await self._consumer.stop()


def _log_failure(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("story index: a record was not acknowledged: %r", future.exception())
