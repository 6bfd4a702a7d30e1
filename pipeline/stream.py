"""The Faust app: an agent that reads ``news.raw``, enriches, and writes downstream.

Faust stays inside this module. The app is built by :func:`create_app` (no module globals,
no autodiscovery); values cross the boundary as bytes and become pydantic models in
:mod:`pipeline.process`. Delivery: at-least-once — Faust flushes the producer before it
commits the consumed offsets.
"""

from __future__ import annotations

import logging
from typing import Any

import faust
from prometheus_client import CollectorRegistry

from pipeline.config import Settings
from pipeline.lag import LagMonitor
from pipeline.metrics import WorkerMetrics, serve
from pipeline.nlp_pool import EnrichPool
from pipeline.process import AsyncEnricher, Incoming, Processor
from pipeline.topics import ensure_topics

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
        processing_guarantee=w.processing_guarantee,
        broker_session_timeout=w.session_timeout_seconds,
        broker_heartbeat_interval=min(3.0, w.session_timeout_seconds / 3),
        stream_wait_empty=False,
    )
    topics = settings.topics
    raw = app.topic(topics.raw, key_serializer="raw", value_serializer="raw")
    outputs = {
        name: app.topic(name, key_serializer="raw", value_serializer="raw")
        for name in (topics.enriched, topics.deadletter, topics.entities, topics.stance)
    }

    async def enrich_articles(stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            incoming = Incoming(
                key=message.key,
                value=message.value,
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                timestamp=message.timestamp,
            )
            processor.metrics.in_flight.inc()
            try:
                for out in await processor.process(incoming):
                    await outputs[out.topic].send(key=out.key, value=out.value)
                    processor.record_published(out, incoming)
            finally:
                processor.metrics.in_flight.dec()

    # One actor per NLP process keeps every process busy; Faust commits only contiguous offsets.
    app.agent(raw, name="enrich_articles", concurrency=w.processes)(enrich_articles)
    return app


def run_worker(settings: Settings, enricher: AsyncEnricher | None = None) -> int:
    """Ensure topics, warm the NLP pool, serve metrics and run the Faust worker until stopped."""
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
