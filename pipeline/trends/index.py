"""In-memory state derived from the trend tables: which holders each stance target has, and
the entity counts per hour.

The stance table holds a row per (target, holder) (:func:`aggregate.row_key`), so a board is
read through :class:`HolderIndex` instead of a scan of every row on the event loop; the entity
table holds portions (:mod:`pipeline.trends.portions`), summed into :class:`EntityRows`. Both
are rebuilt from their table after every recovery (the rows a rebalance brought), then kept
up to date by the counting agent, the only writer of the tables.
"""

from __future__ import annotations

import json
from collections.abc import Container, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from pipeline.trends import aggregate
from pipeline.trends.aggregate import EntityValue, seen
from pipeline.trends.portions import Portion


class HolderIndex:
    def __init__(self) -> None:
        self._holders: dict[str, dict[str, datetime]] = {}  # target -> holder -> last seen

    def add(self, target: str, holder: str, last_seen: datetime) -> None:
        self._holders.setdefault(target, {})[holder] = last_seen

    def holders(self, target: str) -> list[str]:
        return sorted(self._holders.get(target, {}))

    def over_cap(self, target: str, cap: int) -> list[str]:
        """Past ``cap`` holders, the ones seen longest ago, forgotten here; the caller
        deletes their rows."""
        board = self._holders.get(target, {})
        if len(board) <= cap:
            return []
        dropped = sorted(board, key=lambda h: (board[h], h))[: len(board) - cap]
        for holder in dropped:
            del board[holder]
        return dropped

    def rebuild(self, rows: Iterable[tuple[bytes, Mapping[str, Any]]]) -> None:
        self._holders = {}
        for key, entry in rows:
            target, holder = json.loads(key)
            if entry.get("latest") is not None:
                self.add(str(target), str(holder), seen(entry["latest"]))

    def __len__(self) -> int:
        return sum(len(b) for b in self._holders.values())


# hour row start -> name -> (partition, row)
Hours = dict[float, dict[str, tuple[int, EntityValue]]]


def _add(hours: Hours, portion: Portion, row: float, partition: int) -> None:
    """Count ``portion`` (its articles and mentions) into ``hours`` in the hour from ``row``."""
    names = hours.get(row)
    if names is None:
        names = hours[row] = {}
    slot = aggregate.slot_of(portion.event_time)
    for name, label, mentions in portion.entities:
        old = names.get(name)
        value = aggregate.add_entity(old[1] if old else None, label, mentions, slot)
        names[name] = (partition, value)


class EntityRows:
    """The entity counts: a row per entity and hour (:func:`aggregate.add_entity`'s value),
    derived from the portions in the entity table. The counting agent adds each portion it
    writes there; after every recovery (the portions a rebalance or a restart brought) the
    rows are rebuilt from the table. Each name keeps its partition, so a top list reads the
    rows of the partitions this worker owns without hashing every name (murmur2 is pure
    Python, ~15 µs a name)."""

    def __init__(self) -> None:
        self._hours: Hours = {}
        self._generation = 0  # of the latest rebuild: an older one gives up

    def add(self, portion: Portion, row: float, partition: int) -> None:
        """Count ``portion`` (its articles and mentions) in the hour from ``row``."""
        _add(self._hours, portion, row, partition)

    def get(self, name: str, row: float) -> EntityValue | None:
        found = self._hours.get(row, {}).get(name)
        return found[1] if found else None

    def names(self, row: float, partitions: Container[int]) -> list[str]:
        """Names with a row in the hour from ``row``, on one of ``partitions``."""
        return [n for n, (p, _) in self._hours.get(row, {}).items() if p in partitions]

    def forget_before(self, row: float) -> None:
        """Hours before ``row`` are read by no query any more (their portions expire)."""
        for old in [r for r in self._hours if r < row]:
            del self._hours[old]

    def rebuild(self, items: Iterable[tuple[Any, bytes]]) -> None:
        """From the entity table's items (("partition:article id", (hour start, hour end)),
        portion), after a recovery."""
        for _ in self.rebuilding(items):
            pass

    def rebuilding(self, items: Iterable[tuple[Any, bytes]], every: int = 5_000) -> Iterator[int]:
        """:meth:`rebuild`, one step per ``every`` items, so that the event loop can run
        between steps: a day of portions is millions of rows (~10 µs each). The rows are
        built aside and swapped in at the end, so that queries and snapshots meanwhile read
        the previous rows, never half of them; a rebuild that a newer one (a recovery after
        another rebalance) overtook gives up."""
        self._generation += 1
        generation = self._generation
        hours: Hours = {}
        for n, ((key, (start, _end)), value) in enumerate(items, 1):
            if n % every == 0:
                yield n
                if generation != self._generation:
                    return
            try:
                portion = Portion(value)
                partition = int(str(key).split(":", 1)[0])
            except ValueError:
                continue  # not written by the counting agent
            _add(hours, portion, float(start), partition)
        self._hours = hours

    def __len__(self) -> int:
        return sum(len(n) for n in self._hours.values())
