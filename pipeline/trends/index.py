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
