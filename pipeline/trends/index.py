"""Which holders each stance target has: the in-memory index over the stance table's rows.

The table holds a row per (target, holder) (:func:`aggregate.row_key`), so a board is read
through this index instead of a scan of every row on the event loop. The index is derived
state: rebuilt from the table after every recovery (the rows a rebalance brought), then kept
up to date by the counting agent, which is the only writer of the table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
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


class NameIndex:
    """The entities counted in one windowed table and when each was last counted, so that
    a top list reads the rows of the current window only instead of scanning every
    (entity, window) row on the event loop (24 windows per entity in a day's table)."""

    def __init__(self, size: float) -> None:
        self.size = size
        self._last: dict[str, float] = {}  # name -> latest event time (or window start)

    def add(self, name: str, event_time: float) -> None:
        if event_time > self._last.get(name, float("-inf")):
            self._last[name] = event_time

    def names_since(self, start: float) -> list[str]:
        """Names counted at or after ``start``: those with a row in a window from ``start``.
        Names whose last count is older than a window's size are forgotten on the way."""
        for name in [n for n, t in self._last.items() if t < start - self.size]:
            del self._last[name]
        return [n for n, t in self._last.items() if t >= start]

    def rebuild(self, keys: Iterable[Any]) -> None:
        """From the table's keys (name, (window start, window end)) after a recovery: a name
        counted in a window was counted at or after its start."""
        self._last = {}
        for name, (start, _) in keys:
            self.add(str(name), float(start))

    def __len__(self) -> int:
        return len(self._last)
