"""The trend agents: count ``news.entities`` and ``news.stance`` into the tables, publish
what changed to ``news.trends``, and refresh the table metrics.

Counting is at least once: Faust commits these agents' offsets after the table writes, so
the events read since the last offset commit count again when the partition moves (a crash,
and also a stop or rebalance: the two-worker restart test has seen it; nothing is lost). The
inputs are read ``read_committed`` (:mod:`pipeline.trends.committed`), so aborted
transactions are never counted.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import faust
from pydantic import BaseModel, ValidationError

from pipeline.config import Settings
from pipeline.models import EntityEvent, StanceEvent
from pipeline.trends import aggregate
from pipeline.trends.metrics import KINDS, OUTCOMES, TrendsMetrics
from pipeline.trends.models import WINDOWS, EntityCount, TrendEvent, TrendWindow
from pipeline.trends.tables import STANCE_REPARTITION, TrendTables, entity_key, owned_partitions

log = logging.getLogger(__name__)
METRICS_INTERVAL_SECONDS = 5.0


@dataclass
class Changes:
    """Keys changed since the last publish (lost with the process: the next change of a key
    publishes it again)."""

    entities: set[tuple[TrendWindow, str]] = field(default_factory=set)
    stances: set[tuple[str, str]] = field(default_factory=set)  # (target, holder)


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], value: Any) -> M | None:
    try:
        return model.model_validate_json(value)
    except (ValidationError, ValueError, TypeError):
        return None


def _target_key(value: Any) -> bytes:
    """The repartition key of a ``news.stance`` value: its target; an unreadable value gets
    the empty key and is counted as invalid after the repartition."""
    try:
        return str(json.loads(value)["target"]).encode()
    except (ValueError, TypeError, KeyError):
        return b""


def register_agents(
    app: faust.App,
    settings: Settings,
    tables: TrendTables,
    metrics: TrendsMetrics,
    clock: Callable[[], float] = time.time,
) -> Changes:
    """Register the counting agents and the timers on ``app``."""
    topics, cfg = settings.topics, settings.trends
    changes = Changes()
    entities_in = app.topic(topics.entities, key_serializer="raw", value_serializer="raw")
    stance_in = app.topic(topics.stance, key_serializer="raw", value_serializer="raw")
    trends_out = app.topic(topics.trends, key_serializer="raw", value_serializer="raw")
    largest = max(size for size, _ in WINDOWS.values())
    # The labelled series, looked up once: labels() takes a lock and hashes on every call.
    lateness = {kind: metrics.lateness.labels(kind=kind) for kind in KINDS}
    outcome = {(kind, o): metrics.events.labels(kind=kind, outcome=o)
               for kind in KINDS for o in OUTCOMES}  # fmt: skip

    def observe(kind: str, event_time: float) -> float:
        now = clock()
        lateness[kind].observe(max(0.0, now - event_time))
        return now

    async def count_entities(stream: Any) -> None:
        async for event in stream.events():
            parsed = _parse(EntityEvent, event.value)
            if parsed is None:
                outcome["entity", "invalid"].inc()
                continue
            ts = event.message.timestamp
            now = observe("entity", ts)
            if aggregate.too_late(ts, now, largest):
                outcome["entity", "late"].inc()
                continue
            # Written once, to the bucket of its hour row; the windows are summed at query time.
            row = aggregate.row_start(ts)
            key = entity_key(parsed.name, row)
            increment = aggregate.entity_increment(parsed, ts)
            tables.entities[key] = aggregate.add_entity(tables.entities.data.get(key), increment)
            tables.hours.add(parsed.name, row, event.message.partition)
            for window, (size, _) in WINDOWS.items():
                if not aggregate.too_late(ts, now, size):
                    changes.entities.add((window, parsed.name))
            outcome["entity", "counted"].inc()

    async def count_stances(stream: Any) -> None:
        async for event in stream.group_by(_target_key, name=STANCE_REPARTITION).events():
            parsed = _parse(StanceEvent, event.value)
            if parsed is None:
                outcome["stance", "invalid"].inc()
                continue
            ts = event.message.timestamp
            observe("stance", ts)
            key = aggregate.row_key(parsed.target, parsed.holder)
            entry = aggregate.add_stance(tables.stance.data.get(key), parsed, ts)
            tables.stance[key] = entry
            tables.holders.add(parsed.target, parsed.holder, aggregate.seen(entry["latest"]))
            for dropped in tables.holders.over_cap(parsed.target, cfg.max_holders_per_target):
                gone = aggregate.row_key(parsed.target, dropped)
                if gone in tables.stance.data:
                    del tables.stance[gone]  # the changelog gets a tombstone
            changes.stances.add((parsed.target, parsed.holder))
            outcome["stance", "counted"].inc()

    async def publish_changes() -> None:
        now = clock()
        # Hours before the longest window's first one are read by no query (their rows expire).
        tables.hours.forget_before(min(aggregate.row_start(aggregate.window_start(w, now))
                                       for w in WINDOWS))  # fmt: skip
        await publish(changes, tables, trends_out, metrics, now,
                      owned_partitions(app, topics.entities))  # fmt: skip

    async def refresh_metrics() -> None:
        table_metrics(app, tables, metrics)

    app.agent(entities_in, name="trends_count_entities")(count_entities)
    app.agent(stance_in, name="trends_count_stances")(count_stances)
    app.timer(interval=cfg.publish_interval_seconds)(publish_changes)
    app.timer(interval=METRICS_INTERVAL_SECONDS)(refresh_metrics)
    return changes


async def publish(changes: Changes, tables: TrendTables, out: Any, metrics: TrendsMetrics,
                  at: float, owned: Container[int]) -> int:  # fmt: skip
    """Send the snapshot at ``at`` (seconds) of every key changed since the last call to the
    trends topic, of the partitions this worker ``owned`` (Faust assigns a worker the same
    partitions of co-partitioned topics); returns how many were sent."""
    # After a rebalance the store keeps the rows this worker wrote for partitions now
    # another's: their snapshot would be older than the new owner's and set the trend back.
    entities = {c for c in changes.entities if tables.partition_of_name(c[1]) in owned}
    stances = {c for c in changes.stances if tables.partition_of(c[0].encode()) in owned}
    changes.entities, changes.stances = set(), set()
    now = datetime.fromtimestamp(at, UTC)
    sent = 0
    for window, name in sorted(entities):
        start = aggregate.window_start(window, at)
        value = tables.window_totals(window, start, names=[name]).get(name)
        if value is None:
            continue  # its window moved on: nothing counted in the window a query reads
        count = EntityCount(
            window=window,
            window_start=datetime.fromtimestamp(start, UTC),
            window_end=datetime.fromtimestamp(start + WINDOWS[window][0], UTC),
            name=name,
            **value,
        )
        trend = TrendEvent(kind="entity", updated_at=now, entity=count)
        await out.send(key=name.encode(), value=trend.model_dump_json().encode())
        metrics.published.labels(kind="entity").inc()
        sent += 1
    for target, holder in sorted(stances):
        entry = tables.stance.data.get(aggregate.row_key(target, holder))
        if entry is None:
            continue  # dropped by the holder cap meanwhile
        row = aggregate.board_rows(target, {holder: entry})[0]
        trend = TrendEvent(kind="stance", updated_at=now, stance=row)
        await out.send(key=target.encode(), value=trend.model_dump_json().encode())
        metrics.published.labels(kind="stance").inc()
        sent += 1
    return sent


def table_metrics(app: faust.App, tables: TrendTables, metrics: TrendsMetrics) -> None:
    """Rows per table, and changelog records still to read per table and role."""
    recovery = app.tables.recovery  # type: ignore[attr-defined]  # TableManager, not its protocol
    remaining = {"active": recovery.active_remaining(), "standby": recovery.standby_remaining()}
    for table in tables.all():
        metrics.rows.labels(table=table.name).set(len(table.data))
        changelog = table.changelog_topic.get_topic_name()
        for role, by_tp in remaining.items():
            lag = sum(max(0, n) for tp, n in by_tp.items() if tp.topic == changelog)
            metrics.changelog_lag.labels(table=table.name, role=role).set(lag)
