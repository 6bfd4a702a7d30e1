"""Table recovery across a rebalance that arrives while the active changelogs are read.

Drives Faust's own ``Recovery._restart_recovery`` loop (not a copy) over an in-memory consumer
that checks each seek as aiokafka does, and plays the interleaving that crashed a worker in a
rolling restart: a second rebalance makes a changelog partition standby while the first
recovery waits for its actives. The invariants: the recovery service never dies, every seek is
to a real offset, no assignment's tables are told they are recovered once a newer rebalance
has been signalled, and the recovery that finishes is the one built for the latest
assignment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

import faust
import pytest
from faust.tables.recovery import Recovery as FaustRecovery
from faust.types import TP
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.worker.recovery import Recovery, TableManager

HIGHWATER = 10  # every changelog partition holds records 0..9


class _Consumer:
    """The consumer calls recovery makes, in memory; seeks are checked like aiokafka's."""

    def __init__(self) -> None:
        self.seeks: list[dict[TP, Any]] = []

    async def highwaters(self, *tps: TP) -> dict[TP, int]:
        return dict.fromkeys(tps, HIGHWATER)

    async def earliest_offsets(self, *tps: TP) -> dict[TP, int]:
        return dict.fromkeys(tps, 0)

    async def seek_wait(self, offsets: dict[TP, Any]) -> None:
        self.seeks.append(dict(offsets))
        for offset in offsets.values():
            if not isinstance(offset, int) or offset < 0:
                raise ValueError("Offset must be a positive integer")

    def resume_partitions(self, tps: Iterable[TP]) -> None: ...
    def pause_partitions(self, tps: Iterable[TP]) -> None: ...
    def resume_flow(self) -> None: ...
    def assignment(self) -> set[TP]:
        return set()


class _Fetcher:
    async def maybe_start(self) -> None: ...


def _app(table_manager: type | None, partitions: int = 2) -> tuple[faust.App, list[TP]]:
    conf: dict[str, Any] = {"TableManager": table_manager} if table_manager else {}
    app = faust.App("recovery-sim", store="memory://", stream_recovery_delay=0.0, **conf)
    table = app.Table("counts", default=int, partitions=partitions)
    app.consumer = _Consumer()  # type: ignore[assignment]
    app._fetcher = _Fetcher()  # type: ignore[assignment]
    topic = table.changelog_topic.get_topic_name()
    return app, [TP(topic, p) for p in range(partitions)]


async def _until(condition: Callable[[], bool], task: asyncio.Task[None]) -> None:
    for _ in range(500):
        if condition() or task.done():
            return
        await asyncio.sleep(0.002)
    raise AssertionError("recovery did not get there")


async def _rebalance(app: faust.App, actives: set[TP], standbys: set[TP], generation: int) -> None:
    app.consumer_generation_id = generation
    app.assignor.assigned_actives = lambda: actives  # type: ignore[method-assign]
    app.assignor.assigned_standbys = lambda: standbys  # type: ignore[method-assign]
    await app.tables.recovery.on_rebalance(actives | standbys, set(), set(), generation)


def _record_completions(app: faust.App) -> list[tuple[int, bool]]:
    """(generation, was a newer rebalance pending) each time the table is told its
    partitions are recovered (``Table.on_recovery_completed``, which Faust calls from
    ``Recovery.on_recovery_completed``)."""
    done: list[tuple[int, bool]] = []
    recovery = app.tables.recovery
    table = next(iter(app.tables.values()))
    inner = table.on_recovery_completed

    async def completed(active_tps: set[TP], standby_tps: set[TP]) -> None:
        done.append((app.consumer_generation_id, recovery.signal_recovery_start.is_set()))
        await inner(active_tps, standby_tps)

    table.on_recovery_completed = completed  # type: ignore[method-assign]
    return done


def _start(recovery: Any) -> asyncio.Task[None]:
    # Service.task wraps the method; .fun is Faust's own coroutine function.
    return asyncio.ensure_future(type(recovery)._restart_recovery.fun(recovery))


async def _play(
    table_manager: type | None, second_standbys: bool = True
) -> tuple[_Consumer, asyncio.Task[None], TP, list[tuple[int, bool]]]:
    """Recover both partitions as actives; mid-way, partition 0 stays active and partition 1
    becomes a standby (or, without ``second_standbys``, is given up)."""
    app, (tp0, tp1) = _app(table_manager)
    recovery = app.tables.recovery
    consumer: _Consumer = app.consumer  # type: ignore[assignment]
    done = _record_completions(app)
    task = _start(recovery)

    await _rebalance(app, {tp0, tp1}, set(), generation=1)
    # Reading the active changelogs: the actives are seeked, the loop waits for their end.
    await _until(lambda: len(consumer.seeks) == 1 and recovery.in_recovery, task)
    await _rebalance(app, {tp0}, {tp1} if second_standbys else set(), generation=2)
    await asyncio.sleep(0.01)
    # The changelog reader reports the actives read (Faust's _slurp_changelogs sets this; in
    # this simulation it stays set, so the next recovery finds its actives read too).
    recovery.signal_recovery_end.set()
    await _until(recovery.completed.is_set, task)
    return consumer, task, tp1, done


def test_a_rebalance_during_recovery_restarts_it_with_the_new_standby_offsets() -> None:
    async def run() -> None:
        consumer, task, tp1, done = await _play(TableManager)
        assert not task.done(), task.exception()  # the recovery service is still running
        task.cancel()
        assert all(o >= 0 for seek in consumer.seeks for o in seek.values())
        # The standby partition of the second assignment was read from its start.
        standby_seeks = [seek for seek in consumer.seeks if set(seek) == {tp1}]
        assert standby_seeks == [{tp1: 0}]
        assert done == [(2, False)]  # only the second assignment was declared recovered

    asyncio.run(run())


@pytest.mark.parametrize("table_manager", [TableManager, None])
def test_a_superseded_recovery_without_standbys_is_never_declared_complete(
    table_manager: type | None,
) -> None:
    """With no standby partitions in the new assignment, Faust went from the swallowed
    rebalance straight to ``on_recovery_completed`` of the old one: the tables were told
    their partitions were recovered before the new changelogs were read."""

    async def run() -> list[tuple[int, bool]]:
        _, task, _, done = await _play(table_manager, second_standbys=False)
        await _until(lambda: (2, False) in done, task)
        assert not task.done(), task.exception()
        task.cancel()
        return done

    done = asyncio.run(run())
    if table_manager is None:
        assert done[0] == (2, True)  # Faust alone: the old plan's, after the new rebalance
    else:
        assert done == [(2, False)]


def test_the_app_uses_our_recovery() -> None:
    app, _ = _app(TableManager)
    assert isinstance(app.tables.recovery, Recovery)


def test_faust_alone_still_seeks_a_standby_offset_it_never_built() -> None:
    """The library's behaviour the override exists for: when this fails, Faust fixed it."""

    async def run() -> None:
        consumer, task, tp1, _ = await _play(None)
        with pytest.raises(ValueError, match="positive integer"):
            task.result()
        assert consumer.seeks[-1] == {tp1: None}
        assert type(_app(None)[0].tables.recovery) is FaustRecovery

    asyncio.run(run())


_ROLE = st.sampled_from(["active", "standby", "none"])
# One rebalance: each of 4 changelog partitions' role, how many loop turns the recovery gets
# before the next event, and whether the changelog reader then reports the actives read.
_STEP = st.tuples(st.lists(_ROLE, min_size=4, max_size=4), st.integers(0, 40), st.booleans())


@settings(max_examples=80, deadline=None)
@given(st.lists(_STEP, min_size=1, max_size=4))
def test_any_sequence_of_rebalances_recovers_the_last_assignment(
    plan: list[tuple[list[str], int, bool]],
) -> None:
    async def run() -> None:
        app, _ = _app(TableManager, partitions=4)
        topic = next(iter(app.tables.values())).changelog_topic.get_topic_name()
        recovery = app.tables.recovery
        consumer: _Consumer = app.consumer  # type: ignore[assignment]
        done = _record_completions(app)
        task = _start(recovery)
        for generation, (roles, turns, read) in enumerate(plan, start=1):
            split = {r: {TP(topic, p) for p, role in enumerate(roles) if role == r} for r in roles}
            seen = len(consumer.seeks)
            await _rebalance(app, split.get("active", set()), split.get("standby", set()),
                             generation)  # fmt: skip
            for _ in range(turns):
                await asyncio.sleep(0)
            if read:
                recovery.signal_recovery_end.set()
        recovery.signal_recovery_end.set()
        wanted = split.get("active", set()) | split.get("standby", set())

        def recovered() -> bool:
            return wanted <= {tp for seek in consumer.seeks[seen:] for tp in seek}

        last = len(plan)
        await _until(lambda: recovered() and (last, False) in done, task)
        assert not task.done(), task.exception()  # the recovery service never crashed
        task.cancel()
        assert all(o >= 0 for seek in consumer.seeks for o in seek.values())
        assert recovered()  # every partition of the last assignment was seeked after it
        assert (last, False) in done  # and the last assignment was declared recovered
        # no assignment was declared recovered once a newer one had been signalled
        assert not any(pending for _, pending in done)

    asyncio.run(run())
