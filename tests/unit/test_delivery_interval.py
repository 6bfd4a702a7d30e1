"""Commits on an interval (NEWSFLOW_WORKER_COMMIT_INTERVAL_MS): a partition has at most one
transaction per interval, a finished prefix waits at most the interval before its
transaction begins, a full transaction does not wait, shutdown commits what finished, and
a record waiting for its commit does not hold back the next enrichment. On the simulated
broker and its virtual clock (sim_world.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.sim_world import World

INTERVAL = 0.2  # seconds


def _delivered(records: int, interval: float, max_records: int) -> World:
    """``records`` on partition 0 handed to a worker enriching one at a time."""
    w = World(partitions=1, limit=6, dedup=False, deadline=600.0, max_running=1,
              commit_interval=interval, commit_max_records=max_records)  # fmt: skip
    for _ in range(records):
        w.kafka.publish(0)
    w.deliver(0, records)
    return w


@pytest.fixture
def world() -> Iterator[World]:
    w = _delivered(4, INTERVAL, 10)
    yield w
    w.close()


def _committed(world: World) -> int:
    return world.kafka.committed_offsets[0]


def test_a_quiet_partition_commits_at_once(world: World) -> None:
    world.finish()
    assert _committed(world) == 1


def test_a_record_finishing_within_the_interval_waits_for_it_and_no_longer(world: World) -> None:
    world.finish()  # the first transaction begins now
    started = world.loop.time()
    world.wait(INTERVAL / 2)
    world.finish()
    assert _committed(world) == 1  # within the interval: waits
    while _committed(world) < 2 and world.loop.time() - started < 5 * INTERVAL:
        world.wait(0.001)
    # On virtual time: committed at the interval's end, not a moment earlier or later (a
    # millisecond, the step of the loop above).
    assert _committed(world) == 2
    assert INTERVAL <= world.loop.time() - started <= INTERVAL + 0.001


def test_records_finishing_within_one_interval_share_a_transaction(world: World) -> None:
    world.finish()
    before = world.kafka.transactions["committed"]
    world.finish()
    world.finish()
    world.wait(INTERVAL * 1.5)
    assert _committed(world) == 3
    assert world.kafka.transactions["committed"] == before + 1


def test_a_full_transaction_does_not_wait_for_the_interval() -> None:
    w = _delivered(3, 60.0, 2)
    try:
        w.finish()
        assert _committed(w) == 1
        w.finish()
        assert _committed(w) == 1  # one finished record: waits for the minute
        w.finish()
        assert _committed(w) == 3  # two: as many as a transaction takes, committed now
    finally:
        w.close()


def test_sigterm_commits_what_finished_without_waiting_for_the_interval() -> None:
    w = _delivered(3, 60.0, 10)
    try:
        w.finish()
        w.finish()
        assert _committed(w) == 1
        w.sigterm()
        assert _committed(w) == 2  # the finished one committed, the running one left
        assert not w.problems()
    finally:
        w.close()


def test_a_record_waiting_for_its_commit_does_not_hold_back_the_next_enrichment(
    world: World,
) -> None:
    world.finish()
    world.finish()  # waits for the interval in the window ...
    assert _committed(world) == 1
    assert world.enricher.calls == 3  # ... while the third is being enriched
    assert len(world.enricher.waiting) - sum(f.done() for f in world.enricher.waiting) == 1
