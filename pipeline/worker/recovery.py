"""Faust's table recovery, with one race closed: a rebalance during recovery must restart it.

faust-streaming 0.15.3's ``Recovery._restart_recovery`` waits for the active changelogs to be
read inside ``try: ... except Exception``, which also swallows the ``RebalanceAgain`` its own
``_wait`` raises when a new rebalance starts meanwhile. It then goes on to seek the standby
changelog partitions of the *new* assignment, whose offsets were never built: a partition that
became standby in that rebalance still holds the ``None`` that ``Recovery._add`` gives it, and
aiokafka's ``seek`` raises ``ValueError('Offset must be a positive integer')``. The recovery
service crashes and the worker exits with 1 in the middle of a rolling restart.

:class:`Recovery` checks, before every seek and before declaring the recovery complete, what
``_wait`` would have checked: if a new rebalance has been signalled, it raises
``RebalanceAgain`` so the loop starts the new recovery with offsets built for the new
assignment (the loop catches it and continues). Without the second check, a new assignment
with no standby partitions went straight to ``on_recovery_completed``, which tells the tables
their partitions are recovered before any of the new changelogs is read. An offset still
unknown after that is read from the changelog's start, as Faust does for a partition with
nothing persisted (``_build_offsets`` gives it -1, which ``_seek_offsets`` maps to 0): a
standby replica that reads too much only rewrites the same keys; one that starts too late
would miss them.
"""

from __future__ import annotations

from collections import Counter

from faust.tables.manager import TableManager as FaustTableManager
from faust.tables.recovery import RebalanceAgain
from faust.tables.recovery import Recovery as FaustRecovery
from faust.types import TP
from faust.types.transports import ConsumerT

# What Faust's offsets use for "nothing read yet": _seek_offsets seeks it to offset 0.
_FROM_START = -1


class Recovery(FaustRecovery):
    """Faust's recovery, restarting instead of finishing the plan of a superseded assignment."""

    async def _seek_offsets(
        self, consumer: ConsumerT, tps: set[TP], offsets: Counter[TP], title: str
    ) -> None:
        self._superseded()  # the offsets were built for the assignment before it
        for tp in tps:
            if offsets.get(tp) is None:
                offsets[tp] = _FROM_START
        await super()._seek_offsets(consumer, tps, offsets, title)

    async def on_recovery_completed(self, generation_id: int = 0) -> None:
        # With no standby partitions the swallowed RebalanceAgain leads straight here: the
        # tables would be told the old assignment is recovered (the trends' reindex runs)
        # before any changelog of the new one is read.
        self._superseded()
        await super().on_recovery_completed(generation_id)

    def _superseded(self) -> None:
        """Raise ``RebalanceAgain`` if a rebalance was signalled since this recovery began:
        ``_restart_recovery`` catches it and starts the recovery of the new assignment."""
        if self.signal_recovery_start.is_set():
            raise RebalanceAgain()


class TableManager(FaustTableManager):
    """Faust's table manager with :class:`Recovery` (the app's ``TableManager`` setting)."""

    @property
    def recovery(self) -> Recovery:
        if self._recovery is None:
            self._recovery = Recovery(self.app, self, beacon=self.beacon, loop=self.loop)
        # Only this property creates it, so it is always ours.
        assert isinstance(self._recovery, Recovery)
        return self._recovery
