"""Newsflow's own Prometheus metrics: one container built from an injected registry.

Base units (seconds), ``_total`` counters, bounded labels only (topic, reason, stage, label,
stance) — never article ids, URLs or entity names.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)

from pipeline import __version__
from pipeline.models import ErrorCode
from pipeline.observe.health import Readiness, serve_http

# `_created` samples double the exposition and no dashboard or alert of ours reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

# spaCy's small model takes ~5–50 ms for a short article and ~0.1–1 s for a long one.
ENRICH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# End-to-end adds queueing and Kafka round trips on top of enrichment.
E2E_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class WorkerMetrics:
    """Every metric the worker exports."""

    def __init__(
        self, registry: CollectorRegistry, model_name: str = "", topics: tuple[str, str] = ("", "")
    ) -> None:
        """``topics`` = (input, output) names whose counters are created at zero."""
        self.registry = registry
        self.consumed = Counter(
            "newsflow_articles_consumed",
            "Messages read from the input topic.",
            ["topic"],
            registry=registry,
        )
        self.enriched = Counter(
            "newsflow_articles_enriched",
            "Articles enriched and published.",
            ["topic"],
            registry=registry,
        )
        self.deadlettered = Counter(
            "newsflow_articles_deadlettered",
            "Messages sent to the dead-letter topic, by error code.",
            ["reason"],
            registry=registry,
        )
        self.enrich_duration = Histogram(
            "newsflow_enrichment_duration_seconds",
            "Time spent enriching one article, by stage (ner, stance, tone, signature, total).",
            ["stage"],
            buckets=ENRICH_BUCKETS,
            registry=registry,
        )
        self.end_to_end = Histogram(
            "newsflow_end_to_end_latency_seconds",
            "From the raw message's timestamp to its enriched event being produced.",
            buckets=E2E_BUCKETS,
            registry=registry,
        )
        self.deduplicated = Counter(
            "newsflow_articles_deduplicated",
            "Articles skipped because they were already enriched.",
            ["topic"],
            registry=registry,
        )
        # Here, not with the story metrics: copies are kept and their enrichment reused
        # whether or not story ids are on.
        self.reused = Counter(
            "newsflow_enrichments_reused",
            "Copies of an article's exact text whose enrichment was reused, not computed.",
            registry=registry,
        )
        self.lag_messages = Gauge(
            "newsflow_consumer_lag_messages",
            "Messages of the input topic not yet committed by the worker group.",
            ["topic", "partition"],
            registry=registry,
        )
        self.lag_seconds = Gauge(
            "newsflow_consumer_lag_seconds",
            "Age of the oldest message not yet committed by the worker group (0 when none).",
            ["topic", "partition"],
            registry=registry,
        )
        self.in_flight = Gauge(
            "newsflow_articles_in_flight",
            "Articles taken from Kafka and not yet published.",
            registry=registry,
        )
        self.entities = Counter(
            "newsflow_entities_extracted",
            "Canonical entities extracted, by label.",
            ["label"],
            registry=registry,
        )
        self.stances = Counter(
            "newsflow_stance_tags",
            "Stance tags extracted, by stance.",
            ["stance"],
            registry=registry,
        )
        self.transactions = Counter(
            "newsflow_transactions",
            "Output transactions by outcome: committed, aborted (retried after fencing again), "
            "fenced (another producer took the partition).",
            ["outcome"],
            registry=registry,
        )
        self.pool_restarts = Counter(
            "newsflow_nlp_pool_restarts",
            "NLP process pool restarts after a child died or an article hung.",
            registry=registry,
        )
        self.nlp_batch = Histogram(
            "newsflow_nlp_batch_articles",
            "Articles per request sent to an NLP process (those that waited while every "
            "process was busy go together, up to NEWSFLOW_ENRICH_BATCH_MAX_ARTICLES).",
            buckets=(1, 2, 3, 4, 6, 8, 12, 16),
            registry=registry,
        )
        build = Gauge(
            "newsflow_build_info",
            "Always 1; labels name the running version and NLP model.",
            ["version", "model"],
            registry=registry,
        )
        build.labels(version=__version__, model=model_name).set(1)
        # Known label values exist from the start, so rate() sees the first increments too.
        for code in ErrorCode:
            self.deadlettered.labels(reason=code.value)
        for outcome in ("committed", "aborted", "fenced"):
            self.transactions.labels(outcome=outcome)
        for stance in ("favor", "against", "neutral"):
            self.stances.labels(stance=stance)
        raw, enriched = topics
        if raw:
            self.consumed.labels(topic=raw)
            self.deduplicated.labels(topic=raw)
        if enriched:
            self.enriched.labels(topic=enriched)
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)


def serve(
    registry: CollectorRegistry, host: str, port: int, readiness: Readiness | None = None
) -> None:
    """Serve ``/metrics`` (Prometheus text format), ``/healthz`` and ``/readyz``
    (:mod:`pipeline.observe.health`) in a daemon thread."""
    serve_http(registry, host, port, readiness)
