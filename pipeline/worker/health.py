"""The worker's readiness (``/readyz`` on its metrics port, :mod:`pipeline.observe.health`).

Ready means both:

* ``group``: the worker has joined its consumer group and holds its assignment of the input
  topic (Faust's partitions-assigned signal; a rebalance makes it "rebalancing" until the
  next assignment). A member assigned no partition, because the group has more members
  than partitions, is ready: it takes over when another leaves.
* ``kafka``: the lag monitor's last broker round trip is recent (at most three refresh
  periods, and at least 30 s, old).
"""

from __future__ import annotations

from typing import Any

import faust

from pipeline.config import Settings
from pipeline.observe.health import Flag, Readiness, fresh_within
from pipeline.observe.lag import LagMonitor


def watch_worker(app: faust.App, settings: Settings, lag: LagMonitor, readiness: Readiness) -> None:
    """Add the worker's checks to ``readiness``, fed by ``app``'s rebalance signals."""
    group = Flag("joining the consumer group")

    async def assigned(sender: Any, /, *_: Any, signal: Any, **__: Any) -> None:
        group.set()

    async def revoked(sender: Any, /, *_: Any, signal: Any, **__: Any) -> None:
        group.unset("rebalancing")

    app.on_partitions_assigned.connect(assigned)
    app.on_partitions_revoked.connect(revoked)
    readiness.add("group", group)
    limit = max(30.0, 3 * settings.metrics.lag_interval_seconds)
    readiness.add("kafka", fresh_within(limit, lambda: lag.last_ok, "broker round trip"))
