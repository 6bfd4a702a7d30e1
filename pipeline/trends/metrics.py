"""Metrics of the trend tables, in the worker's registry (the project's style: base units,
``_total`` counters, bounded labels only — table names and kinds, never entity names)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Events reach the tables seconds after enrichment; a backlog or a replay makes them hours old.
LATENESS_BUCKETS = (0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21_600.0, 86_400.0)
KINDS = ("entity", "stance")
OUTCOMES = ("counted", "late", "repeated", "invalid")


class TrendsMetrics:
    """Every metric of :mod:`pipeline.trends`."""

    def __init__(self, registry: CollectorRegistry, tables: tuple[str, ...] = ()) -> None:
        """``tables`` are the table names whose series exist from the start."""
        self.rows = Gauge(
            "newsflow_trends_table_rows",
            "Rows held by this worker per trend table (the entity table has one per entity and "
            "hour).",
            ["table"],
            registry=registry,
        )
        self.changelog_lag = Gauge(
            "newsflow_trends_changelog_lag_messages",
            "Changelog records this worker has still to read into a trend table: active "
            "partitions while recovering after a start or rebalance, standby replicas always.",
            ["table", "role"],
            registry=registry,
        )
        self.lateness = Histogram(
            "newsflow_trends_event_lateness_seconds",
            "From an event's timestamp (when the worker published it) to its counting.",
            ["kind"],
            buckets=LATENESS_BUCKETS,
            registry=registry,
        )
        self.events = Counter(
            "newsflow_trends_events",
            "Entities and stance tags read by the trend agents by outcome: counted, late "
            "(older than every window a query reads, so not counted), repeated (an article's "
            "entities already counted in that hour, read again after a restart or rebalance), "
            "invalid (not readable).",
            ["kind", "outcome"],
            registry=registry,
        )
        self.published = Counter(
            "newsflow_trends_published",
            "Trend snapshots published to the trends topic.",
            ["kind"],
            registry=registry,
        )
        for kind in KINDS:
            self.lateness.labels(kind=kind)
            self.published.labels(kind=kind)
            for outcome in OUTCOMES:
                self.events.labels(kind=kind, outcome=outcome)
        for table in tables:
            self.rows.labels(table=table)
            for role in ("active", "standby"):
                self.changelog_lag.labels(table=table, role=role)
