"""``install_trends``: the one call that puts the trends on the worker's Faust app."""

from __future__ import annotations

import faust
from prometheus_client import CollectorRegistry
from yarl import URL

from pipeline.config import Settings
from pipeline.trends.agents import Changes, register_agents
from pipeline.trends.committed import read_committed
from pipeline.trends.metrics import TrendsMetrics
from pipeline.trends.tables import TrendTables, create_tables, portions_topic_name
from pipeline.trends.views import register_views


def install_trends(
    app: faust.App, settings: Settings, registry: CollectorRegistry
) -> tuple[TrendTables, Changes]:
    """Tables, agents, timers and (when the web server is on) views of the trends."""
    read_committed(app)
    if settings.worker.web_enabled:
        # Faust's web server binds 127.0.0.1 (see create_app): that is where other workers
        # reach this one for routed and merged queries; the default would be the host name.
        app.conf.canonical_url = URL(f"http://127.0.0.1:{settings.worker.web_port}")
    tables = create_tables(app, settings)
    metrics = TrendsMetrics(registry, tuple(t.name for t in tables.all()))
    changes = register_agents(app, settings, tables, metrics)
    if settings.worker.web_enabled:
        register_views(app, tables, portions_topic_name(settings))
    return tables, changes
