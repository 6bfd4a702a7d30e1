"""``newsflow worker``: ensure topics, warm the NLP pool, serve metrics, run Faust until stopped."""

from __future__ import annotations

import logging
import os
import signal

from mode.utils.logging import ExtensionFormatter
from prometheus_client import CollectorRegistry

from pipeline.config import Settings
from pipeline.errors import WorkerFailed
from pipeline.kafka.topics import ensure_topics
from pipeline.observe import logs
from pipeline.observe.health import Readiness
from pipeline.observe.lag import LagMonitor
from pipeline.observe.metrics import WorkerMetrics, serve
from pipeline.worker.app import create_app
from pipeline.worker.health import watch_worker
from pipeline.worker.logs import quiet_client_logs
from pipeline.worker.nlp_pool import EnrichPool
from pipeline.worker.process import AsyncEnricher, Processor
from pipeline.worker.stopping import Stopping, Worker, send_buffered

log = logging.getLogger(__name__)


def run_worker(settings: Settings, enricher: AsyncEnricher | None = None) -> int:
    """Ensure topics, warm the NLP pool, serve metrics and run the Faust worker until stopped."""
    quiet_client_logs(log.getEffectiveLevel())
    ensure_topics(settings)
    pool = None
    if enricher is None:
        pool = EnrichPool(
            settings.enrich,
            settings.worker.processes,
            settings.worker.enrich_deadline_seconds,
            signatures=settings.stories.enabled,  # story MinHashes off the event loop
        )
        pool.start()
        enricher = pool
    registry = CollectorRegistry()
    topics = (settings.topics.raw, settings.topics.enriched)
    metrics = WorkerMetrics(registry, model_name=enricher.model_name, topics=topics)
    if pool is not None:
        pool.on_restart = metrics.pool_restarts.inc
        pool.on_batch = metrics.nlp_batch.observe
    lag = LagMonitor(settings, metrics, settings.metrics.lag_interval_seconds)
    readiness = Readiness()
    if settings.metrics.enabled:
        serve(registry, settings.metrics.host, settings.metrics.port, readiness)
        lag.start()
    fatal: list[BaseException] = []

    def stop(exc: BaseException) -> None:
        """Stop as on SIGTERM (finished work is committed), then exit non-zero."""
        if not fatal:
            log.error("stopping: %r", exc)
            fatal.append(exc)
            os.kill(os.getpid(), signal.SIGTERM)

    stopping = Stopping(on_error=stop)  # run on SIGTERM before Faust stops tables and producer
    app = create_app(settings, Processor(settings, enricher, metrics), stop, stopping)
    stopping.add(send_buffered(app, settings.worker.shutdown_seconds))  # after the drain
    watch_worker(app, settings, lag, readiness)
    # Logging is set up by the CLI (NEWSFLOW_LOG_FORMAT); Faust must not replace it.
    worker = Worker(app, stopping, loglevel=settings.log_level, quiet=True, override_logging=False)
    worker.spinner = None  # a terminal spinner would break log lines; "Ready" is logged instead
    logs.format_args_with(ExtensionFormatter().format_arg)  # Faust's tables of partitions
    code = 0
    try:
        worker.execute_from_commandline()
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    finally:
        lag.stop()
        if pool is not None:
            pool.close()
    if fatal:
        raise WorkerFailed(f"worker stopped: {type(fatal[0]).__name__}: {fatal[0]}")
    return code
