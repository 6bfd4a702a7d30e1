"""The Faust app: :func:`create_app` builds it and registers the enrichment agent on it.

Faust stays inside the worker room. The app is built per call (no module globals, no
autodiscovery); values cross the boundary as bytes and become pydantic models in
:mod:`pipeline.worker.process`. Delivery (``NEWSFLOW_WORKER_PROCESSING_GUARANTEE``):
exactly_once (default) commits each input partition's finished records with their offsets in
one Kafka transaction (:mod:`pipeline.worker.delivery`); at_least_once sends through Faust,
which flushes its producer before committing offsets (:mod:`pipeline.worker.agents`).
"""

from __future__ import annotations

import time
from typing import Any

import faust

from pipeline.config import Settings
from pipeline.kafka.clients import faust_broker_config
from pipeline.stories.wiring import install_stories
from pipeline.trends.wiring import install_trends
from pipeline.worker.agents import Fatal, at_least_once_agent, transactional_agent
from pipeline.worker.dedup import Deduplicator
from pipeline.worker.process import Processor
from pipeline.worker.recovery import TableManager
from pipeline.worker.seen import SeenTable
from pipeline.worker.stopping import Stopping


def create_app(
    settings: Settings,
    processor: Processor,
    on_fatal: Fatal | None = None,
    stopping: Stopping | None = None,
) -> faust.App:
    """Build the Faust app and register the enrichment agent on it. ``on_fatal`` is called
    with the error when the worker must stop (a fatal Kafka error, a background task dying);
    ``stopping`` gets the delivery drain, to run before Faust stops its tables and producer."""
    w = settings.worker
    data_dir = (w.data_dir or settings.state_dir / "faust" / w.app_id).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        w.app_id,
        **faust_broker_config(settings),
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
        table_cleanup_interval=settings.trends.cleanup_interval_seconds,
        # Restarts a recovery a rebalance superseded instead of crashing (worker/recovery.py).
        TableManager=TableManager,
        **_commit_settings(w.processing_guarantee),
    )
    transactional = w.processing_guarantee == "exactly_once"
    # With transactions, offsets are committed only together with the output; Faust's own
    # commits (computed before our transaction commits, sent after it) could move them back.
    raw = app.topic(
        settings.topics.raw, key_serializer="raw", value_serializer="raw", acks=not transactional
    )
    if w.dedup_window > 0:
        # Written after the transaction commits, outside stream iteration (pipeline.worker.seen).
        seen = SeenTable.of(app, "newsflow-seen", settings.topics.partitions)
        app.tables.add(seen)
        drop_copies = settings.stories.content_duplicates == "drop"
        dedup = Deduplicator(seen, w.dedup_window, drop_copies=drop_copies)
        processor.dedup = dedup

        # One worker of the group forgets expired keys (the deletions reach every worker
        # through the changelog), so memory and changelog stay bounded by the window.
        async def forget_expired_keys() -> None:
            await dedup.prune(time.time())

        interval = min(3600.0, max(1.0, w.dedup_window / 10))
        app.timer(interval=interval, on_leader=True)(forget_expired_keys)

    if settings.stories.enabled:
        install_stories(app, settings, processor)

    if settings.trends.enabled:
        install_trends(app, settings, processor.metrics.registry)

    if transactional:
        agent = transactional_agent(settings, processor, app, on_fatal or _raise, stopping)
        # One actor; its commit queue keeps every NLP process busy and commits in order.
        app.agent(raw, name="enrich_articles", concurrency=1)(agent)
    else:
        agent = at_least_once_agent(settings, processor, app)
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


def _raise(exc: BaseException) -> None:
    raise exc
