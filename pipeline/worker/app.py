"""The Faust app: an agent that reads ``news.raw``, enriches, and writes downstream.

Faust stays inside this module. The app is built by :func:`create_app` (no module globals,
no autodiscovery); values cross the boundary as bytes and become pydantic models in
:mod:`pipeline.worker.process`. Delivery (``NEWSFLOW_WORKER_PROCESSING_GUARANTEE``): exactly_once
(default) commits each batch's events with its input offsets in one Kafka transaction;
at_least_once sends through Faust, which flushes its producer before committing offsets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

import faust
from aiokafka.structs import TopicPartition
from prometheus_client import CollectorRegistry

from pipeline.config import Settings
from pipeline.kafka.topics import ensure_topics
from pipeline.observe.lag import LagMonitor
from pipeline.observe.metrics import WorkerMetrics, serve
from pipeline.worker.dedup import Deduplicator
from pipeline.worker.delivery.commit_queue import TRANSIENT, CommitQueue
from pipeline.worker.delivery.input_reader import InputReader
from pipeline.worker.delivery.transactions import (
    PartitionLost,
    TransactionalSink,
    quiet_fenced_futures,
)
from pipeline.worker.nlp_pool import EnrichPool
from pipeline.worker.process import AsyncEnricher, Incoming, Processor

log = logging.getLogger(__name__)


def create_app(settings: Settings, processor: Processor) -> faust.App:
    """Build the Faust app and register the enrichment agent on it."""
    w = settings.worker
    data_dir = (w.data_dir or settings.state_dir / "faust" / w.app_id).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        w.app_id,
        **settings.faust_broker_config(),
        autodiscover=False,
        store="memory://",
        datadir=str(data_dir),
        web_enabled=w.web_enabled,
        web_port=w.web_port,
        web_bind="127.0.0.1",
        topic_partitions=settings.topics.partitions,
        topic_replication_factor=settings.topics.replication,
        # A new group starts at the beginning: no article fed before the first start is lost.
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        # Faust's own exactly_once duplicated output under kill -9; ours is in transactions.py.
        processing_guarantee="at_least_once",
        broker_session_timeout=w.session_timeout_seconds,
        broker_heartbeat_interval=min(3.0, w.session_timeout_seconds / 3),
        **_commit_settings(w.processing_guarantee),
    )
    transactional = w.processing_guarantee == "exactly_once"
    # With transactions, offsets are committed only together with the output; Faust's own
    # commits (computed before a batch's transaction, sent after it) could move them back.
    raw = app.topic(
        settings.topics.raw, key_serializer="raw", value_serializer="raw", acks=not transactional
    )
    if w.dedup_window > 0:
        seen = app.GlobalTable(
            "newsflow-seen",
            default=None,
            partitions=settings.topics.partitions,
            # Written after the transaction commits, outside stream iteration: the key picks
            # the changelog partition (every worker reads them all anyway).
            use_partitioner=True,
        )
        dedup = Deduplicator(seen, w.dedup_window)
        processor.dedup = dedup

        # One worker of the group forgets expired keys (the deletions reach every worker
        # through the changelog), so memory and changelog stay bounded by the window.
        async def forget_expired_keys() -> None:
            await dedup.prune(time.time())

        interval = min(3600.0, max(1.0, w.dedup_window / 10))
        app.timer(interval=interval, on_leader=True)(forget_expired_keys)

    if transactional:
        agent = _transactional_agent(settings, processor, app)
        # One actor; its commit queue keeps every NLP process busy and commits in order.
        app.agent(raw, name="enrich_articles", concurrency=1)(agent)
    else:
        agent = _at_least_once_agent(settings, processor, app)
        # One actor per NLP process; Faust commits only contiguous offsets.
        app.agent(raw, name="enrich_articles", concurrency=w.processes)(agent)
    return app


def _commit_settings(guarantee: str) -> dict[str, Any]:
    """exactly_once: the input topic has Faust acks off (see create_app), so Faust never
    commits its offsets; waiting for acks at shutdown would wait forever, and the "not
    committed lately" livelock warning would fire for nothing."""
    if guarantee != "exactly_once":
        return {"stream_wait_empty": False}
    return {
        "stream_wait_empty": False,
        "broker_commit_livelock_soft_timeout": 365 * 24 * 3600.0,
    }


def _incoming(event: Any) -> Incoming:
    return Incoming.of(event.message, event.message.timestamp)  # Faust's are in seconds


Agent = Callable[[Any], Coroutine[Any, Any, None]]


def _at_least_once_agent(settings: Settings, processor: Processor, app: faust.App) -> Agent:
    """Send through Faust's producer, which is flushed before offsets are committed."""
    topics = settings.topics
    outputs = {
        name: app.topic(name, key_serializer="raw", value_serializer="raw")
        for name in (topics.enriched, topics.deadletter, topics.entities, topics.stance)
    }

    async def enrich_articles(stream: Any) -> None:
        async for event in stream.events():
            incoming = _incoming(event)
            processor.metrics.in_flight.inc()
            try:
                outs = await processor.process(incoming)
                sent = [await outputs[o.topic].send(key=o.key, value=o.value) for o in outs]
                # Acknowledged before its de-duplication keys are written: a key must never
                # outlive an output lost in a crash, or the replay would be skipped.
                await asyncio.gather(*sent)
                for out in outs:
                    processor.record_published(out, incoming)
            finally:
                processor.metrics.in_flight.dec()

    return enrich_articles


def _transactional_agent(settings: Settings, processor: Processor, app: faust.App) -> Agent:
    """Enrich each admitted record as its own task and commit each input partition's finished
    records with their offset in one transaction (:mod:`pipeline.worker.delivery.commit_queue`)."""
    w = settings.worker

    def owned_input() -> list[TopicPartition]:
        return [TopicPartition(t.topic, t.partition) for t in app.consumer.assignment()
                if t.topic == settings.topics.raw]  # fmt: skip

    def owned(tp: TopicPartition) -> bool:
        return tp in owned_input()

    async def enrich_articles(stream: Any) -> None:
        quiet_fenced_futures(asyncio.get_running_loop())
        reader = InputReader(settings)
        await reader.start()
        sink = TransactionalSink(settings, owned, reader)
        queue = CommitQueue(processor, sink, w.in_flight_per_process * w.processes)
        helpers = [asyncio.create_task(queue.run()),
                   asyncio.create_task(_sweep_forever(owned_input, sink, queue))]  # fmt: skip
        try:
            async for event in stream.events():
                await queue.submit([_incoming(event)])
        finally:
            await _finish(_close(helpers, queue, sink, reader))

    return enrich_articles


async def _close(
    helpers: list[asyncio.Task[None]],
    queue: CommitQueue,
    sink: TransactionalSink,
    reader: InputReader,
) -> None:
    for task in helpers:
        task.cancel()
    await asyncio.gather(*helpers, return_exceptions=True)
    await queue.drain(timeout=10.0)  # commit what finishes in time; the rest is redone
    await sink.close()
    await reader.stop()


async def _finish(cleanup: Coroutine[Any, Any, None]) -> None:
    """Run ``cleanup`` to its end even though Faust cancels the stopping actor: otherwise
    finished work goes uncommitted and producers are left open."""
    task = asyncio.ensure_future(cleanup)
    while not task.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("closing the transactional agent failed: %r", task.exception())


async def _sweep_forever(
    owned: Callable[[], list[TopicPartition]],
    sink: TransactionalSink,
    queue: CommitQueue,
    every: float = 5.0,
    idle_seconds: float = 15.0,
    limit: int = 16,
) -> None:
    """Every few seconds, pick up input Faust dropped with nothing after it (else it would
    wait for the partition's next article or the next rebalance)."""
    while True:
        await asyncio.sleep(every)
        try:
            records = await sink.stranded(owned(), idle_seconds, limit)
        except (*TRANSIENT, PartitionLost) as exc:
            log.warning("sweep for stranded input failed (%r); next try in %.0fs", exc, every)
            continue
        if records:
            await queue.submit(records)


class _RetriedNotEnoughReplicas(logging.Filter):
    """Kafka 4's transaction verification answers this client's first write after a commit
    with NOT_ENOUGH_REPLICAS while the previous transaction's markers are being written;
    aiokafka retries and logs a warning each time. Those become debug records: a retry that
    keeps failing surfaces as a failed transaction, which is logged and retried."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and "NotEnoughReplicas" in record.getMessage():
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def run_worker(settings: Settings, enricher: AsyncEnricher | None = None) -> int:
    """Ensure topics, warm the NLP pool, serve metrics and run the Faust worker until stopped."""
    # kafka-python's admin client logs its whole config (SASL password included) at debug.
    logging.getLogger("kafka.admin.client").setLevel(max(logging.INFO, log.getEffectiveLevel()))
    logging.getLogger("aiokafka.producer.sender").addFilter(_RetriedNotEnoughReplicas())
    ensure_topics(settings)
    pool = None
    if enricher is None:
        pool = EnrichPool(settings.enrich, settings.worker.processes)
        pool.start()
        enricher = pool
    registry = CollectorRegistry()
    topics = (settings.topics.raw, settings.topics.enriched)
    metrics = WorkerMetrics(registry, model_name=enricher.model_name, topics=topics)
    lag = LagMonitor(settings, metrics, settings.metrics.lag_interval_seconds)
    if settings.metrics.enabled:
        serve(registry, settings.metrics.host, settings.metrics.port)
        lag.start()
    app = create_app(settings, Processor(settings, enricher, metrics))
    worker = faust.Worker(app, loglevel=settings.log_level, quiet=True)
    try:
        worker.execute_from_commandline()
    except SystemExit as exit_:
        return int(exit_.code or 0)
    finally:
        lag.stop()
        if pool is not None:
            pool.close()
    return 0
