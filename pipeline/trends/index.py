"""Which holders each stance target has: the in-memory index over the stance table's rows.

The table holds a row per (target, holder) (:func:`aggregate.row_key`), so a board is read
through this index instead of a scan of every row on the event loop. The index is derived
state: rebuilt from the table after every recovery (the rows a rebalance brought), then kept
up to date by the counting agent, which is the only writer of the table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable, Mapping
from datetime import datetime
from typing import Any

from pipeline.trends.aggregate import seen


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


class HourIndex:
    """The entities with a row in each hour of the entity table, with their partitions, so
    that a top list reads the rows of the hours its window covers, of the partitions this
    worker owns, instead of scanning every (entity, hour) row on the event loop (up to 25
    hours per entity) or hashing every name (murmur2 is pure Python, ~15 µs a name)."""

    def __init__(self) -> None:
        self._names: dict[float, dict[str, int]] = {}  # hour row start -> name -> partition

    def add(self, name: str, row: float, partition: int) -> None:
        names = self._names.get(row)
        if names is None:
            names = self._names[row] = {}
        names[name] = partition

    def names(self, row: float, partitions: Container[int]) -> list[str]:
        """Names with a row in the hour from ``row``, on one of ``partitions``."""
        return [n for n, p in self._names.get(row, {}).items() if p in partitions]

    def forget_before(self, row: float) -> None:
        """Hours before ``row`` are read by no query any more (their rows expire)."""
        for old in [r for r in self._names if r < row]:
            del self._names[old]

    def rebuild(self, keys: Iterable[Any], partition_of: Callable[[str], int]) -> None:
        """From the table's keys (name, (hour start, hour end)) after a recovery."""
        self._names = {}
        partitions: dict[str, int] = {}
        for name, (start, _) in keys:
            name = str(name)
            if name not in partitions:
                partitions[name] = partition_of(name)
            self.add(name, float(start), partitions[name])

    def __len__(self) -> int:
        return sum(len(n) for n in self._names.values())
