"""The trend agents: cut each ``news.enriched`` article into one portion per trend-table
partition (:mod:`pipeline.trends.portions`), count the portions into the tables, publish
what changed to ``news.trends``, and refresh the table metrics.

Faust commits these agents' offsets after the table writes (and the portions sent, which it
flushes first), so the records read since the last offset commit are read again when the
partition moves (a crash, and also a stop or rebalance; nothing is lost). A portion read again
is already a row of the entity table and counts nothing, so entity counts stay exact; stance
counts are at least once (a tag read again counts again). ``news.enriched`` is read
``read_committed`` (:mod:`pipeline.trends.committed`), so aborted transactions are never
counted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import faust
from pydantic import ValidationError

from pipeline.config import Settings
from pipeline.trends import aggregate
from pipeline.trends.metrics import KINDS, OUTCOMES, TrendsMetrics
from pipeline.trends.models import WINDOWS, EntityCount, TrendEvent, TrendWindow
from pipeline.trends.portions import Portion, TrendInput, cut
from pipeline.trends.tables import (
    TrendTables,
    owned_partitions,
    partition_of,
    portion_key,
    portions_topic_name,
)
from pipeline.worker.delivery.kafka_io import send_batched

log = logging.getLogger(__name__)
METRICS_INTERVAL_SECONDS = 5.0


@dataclass
class Changes:
    """Keys changed since the last publish (lost with the process: the next change of a key
    publishes it again)."""

    entities: set[tuple[TrendWindow, str]] = field(default_factory=set)
    stances: set[tuple[str, str]] = field(default_factory=set)  # (target, holder)


def register_agents(
    app: faust.App,
    settings: Settings,
    tables: TrendTables,
    metrics: TrendsMetrics,
    clock: Callable[[], float] = time.time,
) -> Changes:
    """Register the agents and the timers on ``app``."""
    topics, cfg = settings.topics, settings.trends
    changes = Changes()
    enriched_in = app.topic(topics.enriched, key_serializer="raw", value_serializer="raw")
    portions = tables.entities.source  # the topic the entity table declares
    trends_out = ProducerOut(app, topics.trends)
    largest = max(size for size, _ in WINDOWS.values())
    # The labelled series, looked up once: labels() takes a lock and hashes on every call.
    lateness = {kind: metrics.lateness.labels(kind=kind) for kind in KINDS}
    outcome = {(kind, o): metrics.events.labels(kind=kind, outcome=o)
               for kind in KINDS for o in OUTCOMES}  # fmt: skip

    async def cut_articles(stream: Any) -> None:
        async for event in stream.events():
            try:
                article = TrendInput.model_validate_json(event.value)
            except (ValidationError, ValueError, TypeError):
                outcome["entity", "invalid"].inc()  # an article no trend can be read from
                continue
            ts = event.message.timestamp
            for partition, value in cut(article, ts, tables.partition_of_name).items():
                await portions.send(key=event.key, value=value, partition=partition)

    async def count_portions(stream: Any) -> None:
        async for event in stream.events():
            try:
                portion = Portion(event.value)
            except ValueError:
                outcome["entity", "invalid"].inc()
                continue
            now = clock()
            count_entities(portion, event.message.partition, now)
            count_stances(portion, now)

    def count_entities(portion: Portion, partition: int, now: float) -> None:
        if not portion.entities:
            return
        ts, n = portion.event_time, len(portion.entities)
        lateness["entity"].observe(max(0.0, now - ts))
        if aggregate.too_late(ts, now, largest):
            outcome["entity", "late"].inc(n)
            return
        # One table row (one changelog record) per article, partition and hour: the portion
        # itself; the counts per entity and hour are summed from the portions in memory.
        row = aggregate.row_start(ts)
        key = portion_key(portion.article_id, partition, row)
        if key in tables.entities.data:  # read again after a restart or a rebalance
            outcome["entity", "repeated"].inc(n)
            return
        tables.entities[key] = portion.entity_record()
        tables.rows.add(portion, row, partition)
        for window, (size, _) in WINDOWS.items():
            if not aggregate.too_late(ts, now, size):
                changes.entities.update((window, name) for name, _, _ in portion.entities)
        outcome["entity", "counted"].inc(n)

    def count_stances(portion: Portion, now: float) -> None:
        for stance in portion.stances:
            if stance is None:
                outcome["stance", "invalid"].inc()
                continue
            ts = portion.event_time
            lateness["stance"].observe(max(0.0, now - ts))
            key = aggregate.row_key(stance.target, stance.holder)
            entry = aggregate.add_stance(tables.stance.data.get(key), stance, ts)
            tables.stance[key] = entry
            tables.holders.add(stance.target, stance.holder, aggregate.seen(entry["latest"]))
            for dropped in tables.holders.over_cap(stance.target, cfg.max_holders_per_target):
                gone = aggregate.row_key(stance.target, dropped)
                if gone in tables.stance.data:
                    del tables.stance[gone]  # the changelog gets a tombstone
            changes.stances.add((stance.target, stance.holder))
            outcome["stance", "counted"].inc()

    async def publish_changes() -> None:
        now = clock()
        # Hours before the longest window's first one are read by no query (their rows expire).
        tables.rows.forget_before(min(aggregate.row_start(aggregate.window_start(w, now))
                                       for w in WINDOWS))  # fmt: skip
        await publish(changes, tables, trends_out, metrics, now,
                      owned_partitions(app, portions_topic_name(settings)))  # fmt: skip

    async def refresh_metrics() -> None:
        table_metrics(app, tables, metrics)

    app.agent(enriched_in, name="trends_cut_articles")(cut_articles)
    app.agent(portions, name="trends_count")(count_portions)
    app.timer(interval=cfg.publish_interval_seconds)(publish_changes)
    app.timer(interval=METRICS_INTERVAL_SECONDS)(refresh_metrics)
    return changes


class Out(Protocol):
    """Where snapshots go."""

    async def send_all(self, records: list[tuple[bytes, bytes]]) -> None:
        """Send ``records`` (key, value), in order."""


class ProducerOut:
    """Straight to ``topic`` through the app's producer (Faust's topic layer — futures, codecs,
    callbacks — costs more than a small record), to the partition Kafka's default partitioner
    gives the key, from a cache (the client's murmur2 is pure Python), in one record batch per
    partition (a publish sends ~2 snapshots per name an article brought). Faust flushes the
    producer before it commits offsets, as for its own sends."""

    def __init__(self, app: faust.App, topic: str) -> None:
        self.app, self.topic = app, topic
        self.partitions: int | None = None

    async def send_all(self, records: list[tuple[bytes, bytes]]) -> None:
        producer = self.app.producer
        client = producer._ensure_producer()  # type: ignore[attr-defined]
        if self.partitions is None:  # known once the client has the topic's metadata
            found = client.client.cluster.partitions_for_topic(self.topic)
            self.partitions = len(found) if found else None
        if self.partitions is None:
            for key, value in records:  # the producer's partitioner, once it knows the topic
                await producer.send(self.topic, key, value, None, None, None)
            return
        n = self.partitions
        batched = ((self.topic, partition_of(k, n), k, v) for k, v in records)
        await send_batched(client, batched, [])


async def publish(changes: Changes, tables: TrendTables, out: Out, metrics: TrendsMetrics,
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
    starts = {w: aggregate.window_start(w, at) for w in WINDOWS}
    published = {kind: metrics.published.labels(kind=kind) for kind in KINDS}
    records: list[tuple[bytes, bytes]] = []
    for window, name in sorted(entities):
        start = starts[window]
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
        records.append((name.encode(), trend.model_dump_json().encode()))
        published["entity"].inc()
    for target, holder in sorted(stances):
        entry = tables.stance.data.get(aggregate.row_key(target, holder))
        if entry is None:
            continue  # dropped by the holder cap meanwhile
        row = aggregate.board_rows(target, {holder: entry})[0]
        trend = TrendEvent(kind="stance", updated_at=now, stance=row)
        records.append((target.encode(), trend.model_dump_json().encode()))
        published["stance"].inc()
    await out.send_all(records)
    return len(records)


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
