"""The trend tables and how a key maps to its partition.

Co-partitioning: a table's changelog partition is the partition of the event that changed
it, so each key must always arrive on the same partition of a stream keyed by that key.

* ``trends-entities-1h`` / ``-24h`` (hopping windows, key: entity name) are fed from
  ``news.entities``, which the worker already keys by entity name;
* ``trends-stance`` (a row per (target, holder), key :func:`aggregate.row_key`) is fed from
  ``news.stance`` re-keyed by target through a Faust repartition topic
  (``…-trends-stance-by-target-repartition``): ``news.stance`` is keyed by holder, and every
  row of a target must live on one partition, the one its target's bytes hash to (a
  changelog record goes to the partition of the event that wrote it, whatever its key).
  :class:`~pipeline.trends.index.HolderIndex` lists a target's holders.

Each worker therefore owns a disjoint set of entities and targets, the partitions it is
assigned; standby replicas hold copies of the others' but never answer for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import faust
from aiokafka.partitioner import murmur2

from pipeline.config import Settings
from pipeline.trends.index import HolderIndex, NameIndex
from pipeline.trends.models import WINDOWS, TrendWindow

STANCE_TABLE = "trends-stance"
STANCE_REPARTITION = "trends-stance-by-target"


def entity_table_name(window: TrendWindow) -> str:
    return f"trends-entities-{window}"


@dataclass(frozen=True)
class TrendTables:
    entities: dict[TrendWindow, Any]  # window name -> Faust WindowWrapper
    stance: Any  # faust Table: aggregate.row_key(target, holder) -> one holder's row
    partitions: int
    holders: HolderIndex = field(default_factory=HolderIndex)
    names: dict[TrendWindow, NameIndex] = field(default_factory=dict)

    def all(self) -> list[Any]:
        """Every underlying Faust table (the windowed ones unwrapped)."""
        return [w.table for w in self.entities.values()] + [self.stance]

    def partition_of(self, key: bytes) -> int:
        """The partition Kafka's default partitioner (murmur2, as the worker's producers and
        Faust's use) gives ``key``: where its events, and so its table rows, live."""
        return int(murmur2(key) & 0x7FFFFFFF) % self.partitions


def create_tables(app: faust.App, settings: Settings) -> TrendTables:
    partitions = settings.topics.partitions
    entities: dict[TrendWindow, Any] = {}
    for window, (size, step) in WINDOWS.items():
        table = _entity_table(app, window, partitions)
        # Windows older than their size are read by no query: expire them (memory and the
        # changelog's retention stay bounded by the window).
        entities[window] = table.hopping(size, step, expires=size)
    stance = app.Table(
        STANCE_TABLE,
        default=dict,
        partitions=partitions,
        # Raw key bytes: the row key is JSON (target, holder); queries are routed by the
        # target (app.table_route hashes it), whose partition holds all its rows.
        key_type=bytes,  # Faust derives the changelog's key serializer from it: "raw"
        help="Stance counts per (holder, target) with the latest evidence, by target.",
    )
    names = {window: NameIndex(size) for window, (size, _) in WINDOWS.items()}
    tables = TrendTables(entities, stance, partitions, names=names)
    for window, wrapper in entities.items():
        _reindex_names(wrapper.table, names[window])

    @stance.on_recover
    async def reindex() -> None:
        # Recovery (after every rebalance) is when rows arrive that the agent did not write.
        tables.holders.rebuild(list(stance.data.items()))

    return tables


class _EntityTable(faust.Table[Any, Any]):
    """A windowed table whose expiry heap holds one entry per row, not one per write.

    Faust pushes a row's window end onto the table's expiry heap on every write
    (``on_key_set``), and the entry stays until the window expires: every entity event
    writes 36 rows, so its heap would grow by 36 entries per event, kept up to 48 h for the
    24 h table (docs/performance.md). A row already in the heap is not pushed again here. Rows
    read back from the changelog — recovery after a start or rebalance, standby copies —
    are pushed too: Faust applies them straight to the store, where they would stay until
    the process ends. Faust's cleanup (every ``NEWSFLOW_TRENDS_CLEANUP_INTERVAL_SECONDS``)
    then drops every row whose window is stale.
    """

    def _maybe_set_key_ttl(self, key: Any, partition: int) -> None:
        if key not in self._partition_timestamp_keys.get((partition, key[1][1]), ()):
            super()._maybe_set_key_ttl(key, partition)

    def apply_changelog_batch(self, batch: Iterable[Any]) -> None:
        # Registered once the rows are in the store: Faust's recovery buffers changelog events
        # (up to 1,000, and a standby's until its recovery ends), and a cleanup running
        # between an event and its batch would pop an entry whose row is not there yet —
        # the row, applied afterwards, would then never leave.
        events = list(batch)
        super().apply_changelog_batch(events)
        for event in events:
            if event.message.value is not None:  # a tombstone keeps nothing
                # As the store holds it: (name, (start, end)), from JSON lists.
                self._maybe_set_key_ttl(self._to_key(event.key), event.message.partition)


def _entity_table(app: faust.App, window: TrendWindow, partitions: int) -> Any:
    table = _EntityTable(
        app,
        name=entity_table_name(window),
        default=dict,
        beacon=app.tables.beacon,
        partitions=partitions,
        help=f"Mentions per entity in {window} hopping windows.",
    )
    return app.tables.add(table)


def _reindex_names(table: Any, index: NameIndex) -> None:
    async def reindex() -> None:
        index.rebuild(list(table.data.keys()))

    table.on_recover(reindex)
