"""The trend tables, the repartition topic that feeds them, and how a key maps to its
partition.

Co-partitioning: a table's changelog partition is the partition of the event that changed
it, so each key must always arrive on the same partition of the stream that writes it. Both
tables are written from the portions topic (``<app id>-trends-portions-repartition``,
:mod:`pipeline.trends.portions`), whose partition ``p`` carries the entities whose names, and
the stance tags whose targets, hash to ``p`` (Kafka's default partitioner, as a record keyed
by that name or target would land):

* ``trends-entities``: a row per entity and hour, key ``(name, (hour start, hour end))``,
  see :mod:`pipeline.trends.aggregate`;
* ``trends-stance``: a row per (target, holder), key :func:`aggregate.row_key`; every row
  of a target lives on one partition, the one its target's bytes hash to, so a board is read
  from one worker (:class:`~pipeline.trends.index.HolderIndex` lists a target's holders).

Each worker therefore owns a disjoint set of entities and targets, the partitions it is
assigned; standby replicas hold copies of the others' but never answer for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from typing import Any

import faust
from faust.types.windows import WindowRange_from_start

from pipeline.config import Settings
from pipeline.trends import aggregate
from pipeline.trends.aggregate import ROW_SECONDS, EntityValue
from pipeline.trends.index import EntityRows, HolderIndex
from pipeline.trends.models import WINDOWS, TrendWindow
from pipeline.worker.delivery.kafka_io import partition_of  # cached: names recur

__all__ = ["partition_of"]  # re-exported: the trend modules read a key's partition from here

ENTITY_TABLE = "trends-entities"
STANCE_TABLE = "trends-stance"
PORTIONS = "trends-portions"

# A row is read by the 24 h query until its hour starts more than 24 h ago (the query's window
# starts at most one hour later): expiring rows whose hour ended a day ago (Faust's staleness)
# keeps each name's last 25 hours, and the changelog's retention (the same day) outlives the
# rows it holds: a row's records are written during its hour or later.
ENTITY_EXPIRES_SECONDS = max(size for size, _ in WINDOWS.values())


def portion_key(article_id: str, partition: int, row: float) -> tuple[str, tuple[float, float]]:
    """The entity table's key of an article's portion on ``partition`` counted in the hour
    from ``row``, as Faust keys a tumbling window's rows (the end is the start plus the size
    less 0.1 s). The partition is in it: Faust's store is one mapping for all partitions."""
    return (f"{partition}:{article_id}", WindowRange_from_start(row, ROW_SECONDS))


@dataclass(frozen=True)
class TrendTables:
    entities: Any  # faust Table in tumbling hour windows: portion_key(article, hour) -> portion
    stance: Any  # faust Table: aggregate.row_key(target, holder) -> one holder's row
    partitions: int
    holders: HolderIndex = field(default_factory=HolderIndex)
    rows: EntityRows = field(default_factory=EntityRows)  # the counts, from the portions

    def all(self) -> list[Any]:
        return [self.entities, self.stance]

    def partition_of(self, key: bytes) -> int:
        """The partition Kafka's default partitioner (murmur2, as the worker's producers and
        Faust's use) gives ``key``: where its events, and so its table rows, live."""
        return partition_of(key, self.partitions)

    def partition_of_name(self, name: str) -> int:
        return self.partition_of(name.encode())

    def window_totals(
        self, window: TrendWindow, start: float, names: Iterable[str] = (),
        owned: Container[int] = (),
    ) -> dict[str, EntityValue]:  # fmt: skip
        """The counts of ``window`` from ``start`` (seconds), summed from the 5-minute buckets
        of its hour rows: of ``names``, or of every name with a row in the partitions this
        worker ``owned``."""
        counts = self.rows
        rows = [(name, row, counts.get(name, row))
                for row in aggregate.rows_of(window, start)
                for name in (names or counts.names(row, owned))]  # fmt: skip
        return aggregate.window_totals(rows, start, start + WINDOWS[window][0])


def owned_partitions(app: faust.App, topic: str) -> set[int]:
    """The partitions of ``topic`` assigned to this worker (Faust assigns a worker the same
    partitions of co-partitioned topics, so these are its rows of every trend table)."""
    return {tp.partition for tp in app.consumer.assignment() if tp.topic == topic}


def portions_topic_name(settings: Settings) -> str:
    return f"{settings.worker.app_id}-{PORTIONS}-repartition"


def portions_topic(app: faust.App, settings: Settings) -> Any:
    """The internal topic of the articles' portions, one partition per table partition
    (Faust creates it, as it does its group_by repartition topics)."""
    return app.topic(
        portions_topic_name(settings),
        partitions=settings.topics.partitions,
        internal=True,
        key_serializer="raw",
        value_serializer="raw",
    )


def create_tables(app: faust.App, settings: Settings) -> TrendTables:
    partitions = settings.topics.partitions
    entities = _entity_table(app, partitions)
    entities.source = portions_topic(app, settings)
    # Tumbling hour windows: Faust's expiry (the cleanup timer) and the changelog's retention
    # follow them; rows are written by key (portion_key), not through the window wrapper.
    entities.tumbling(ROW_SECONDS, expires=ENTITY_EXPIRES_SECONDS)
    stance = app.Table(
        STANCE_TABLE,
        default=dict,
        partitions=partitions,
        # Raw key bytes: the row key is JSON (target, holder); queries are routed by the
        # target (app.table_route hashes it), whose partition holds all its rows.
        key_type=bytes,  # Faust derives the changelog's key serializer from it: "raw"
        help="Stance counts per (holder, target) with the latest evidence, by target.",
    )
    tables = TrendTables(entities, stance, partitions)

    # Recovery (after every rebalance) is when rows arrive that the agents did not write:
    # the indexes are rebuilt from the tables then.
    async def reindex_hours() -> None:
        # In steps, yielding to the loop between them: heartbeats and the other partitions'
        # work go on while a day of rows is read (queries answer 503 until recovery ends).
        for _ in tables.rows.rebuilding(list(entities.data.items())):
            await asyncio.sleep(0)

    entities.on_recover(reindex_hours)

    @stance.on_recover
    async def reindex() -> None:
        tables.holders.rebuild(list(stance.data.items()))

    return tables


class _EntityTable(faust.Table[Any, Any]):
    """A windowed table whose rows read back from the changelog expire too.

    Faust pushes a row's window end onto the table's expiry heap on every write
    (``on_key_set``); a row already in the heap is not pushed again here. Rows read back from
    the changelog — recovery after a start or rebalance, standby copies — are pushed too:
    Faust applies them straight to the store, where they would stay until the process ends.
    Faust's cleanup (every ``NEWSFLOW_TRENDS_CLEANUP_INTERVAL_SECONDS``) then drops every row
    whose window is stale.
    """

    #: The topic that feeds it (the portions): declared when the table starts, with its
    #: changelog, so that it exists when the consumer first subscribes — declared later (as
    #: an agent's internal topic is), it is assigned only at the next metadata refresh.
    source: Any = None

    async def on_start(self) -> None:
        await super().on_start()
        if self.source is not None:
            await self.source.maybe_declare()

    def _maybe_set_key_ttl(self, key: Any, partition: int) -> None:
        if key not in self._partition_timestamp_keys.get((partition, key[1][1]), ()):
            super()._maybe_set_key_ttl(key, partition)

    async def _del_old_keys(self) -> None:
        await super()._del_old_keys()
        # Faust's memory store remembers the partition of every row read back from a changelog
        # and forgets it only when a rebalance ends (for partitions no longer owned): with a
        # standby copy and no rebalance, one entry per expired row would stay for good.
        store = self.data
        remembered = getattr(store, "_key_partition", None)
        if remembered:
            for key in [k for k in remembered if k not in store.data]:
                del remembered[key]

    def apply_changelog_batch(self, batch: Iterable[Any]) -> None:
        # Registered once the rows are in the store: Faust's recovery buffers changelog events
        # (up to 1,000, and a standby's until its recovery ends), and a cleanup running
        # between an event and its batch would pop an entry whose row is not there yet —
        # the row, applied afterwards, would then never leave.
        events = list(batch)
        super().apply_changelog_batch(events)
        for event in events:
            if event.message.value is not None:  # a tombstone keeps nothing
                # As the store holds it: (article id, (start, end)), from JSON lists.
                self._maybe_set_key_ttl(self._to_key(event.key), event.message.partition)


def _entity_table(app: faust.App, partitions: int) -> Any:
    table = _EntityTable(
        app,
        name=ENTITY_TABLE,
        default=None,
        beacon=app.tables.beacon,
        partitions=partitions,
        value_type=bytes,  # a portion's JSON, kept as it is written: Faust's codec is skipped
        help="Each article's entities on this partition, by the hour they were counted in.",
    )
    return app.tables.add(table)
