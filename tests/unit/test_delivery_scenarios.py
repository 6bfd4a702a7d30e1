"""The eight ways to lose, duplicate or stall that issue 13 lists, and those found since, each
as a fixed sequence of steps on the simulated broker (tests/unit/sim_world.py). Each must end
with every record committed with exactly one result visible to a read_committed reader."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiokafka.errors import TopicAuthorizationFailedError
from aiokafka.structs import TopicPartition

from tests.unit.sim_world import DEADLINE, HANG, POISON, RAW, World


@pytest.fixture
def world() -> Iterator[World]:
    w = World(partitions=2, limit=4)
    yield w
    w.close()


@pytest.fixture
def undeduplicated() -> Iterator[World]:
    """One partition, de-duplication off: a repeated result is not hidden."""
    w = World(partitions=1, limit=8, dedup=False)
    yield w
    w.close()


def _end(world: World) -> None:
    world.quiesce()
    assert not world.problems(complete=True)


def test_1_a_commit_failing_while_an_admission_waits_loses_nothing(world: World) -> None:
    for _ in range(8):
        world.kafka.publish(0)
    world.deliver(0, 4)
    world.kafka.faults += ["abort", "abort"]
    world.enricher.finish()  # the commit starts and fails ...
    world.deliver(0, 4)  # ... while these wait to be admitted
    world.settle()
    world.finish()
    assert not world.problems()
    _end(world)


def test_2_an_admission_before_recovery_duplicates_nothing(undeduplicated: World) -> None:
    world = undeduplicated
    for _ in range(6):
        world.kafka.publish(0)
    world.deliver(0, 3)
    world.kafka.faults.append("lost_reply")
    world.enricher.finish()
    world.deliver(0, 3, back=3)  # re-delivered and new records, before recovery ran
    world.finish()
    assert not world.problems()
    _end(world)


def test_3_a_redo_is_not_swallowed_as_a_duplicate_of_itself(world: World) -> None:
    for _ in range(4):
        world.kafka.publish(0)
    world.deliver(0, 4)
    world.finish(0)  # offset 0 done; 1..3 still running
    world.kafka.take_over(0, 0)  # fenced: the commit is refused
    world.settle()
    world.deliver(0, 4, back=4)  # redone while the first attempts still run
    world.finish()
    _end(world)


def test_4_a_poison_article_costs_only_itself(world: World) -> None:
    world.kafka.publish(0)
    world.kafka.publish(0, f"{POISON} article about Oslo.")
    world.kafka.publish(0)
    world.deliver(0, 3)
    world.finish()
    _end(world)


def test_5_a_dying_committer_stops_the_worker(world: World) -> None:
    world.kafka.publish(0)
    world.kafka.faults.append("bug")  # the commit raises something no one expected
    world.deliver(0, 1)
    world.finish()
    world.settle()
    assert world.fatal, "the committer died and the worker went on consuming"


def test_6_a_hanging_article_is_dead_lettered_and_frees_its_partition(world: World) -> None:
    world.kafka.publish(0, f"{HANG} article about Oslo.")
    world.kafka.publish(0)
    world.deliver(0, 2)
    world.finish()
    world.wait(DEADLINE * 2)
    _end(world)


def test_7_a_fatal_kafka_error_stops_the_worker(world: World) -> None:
    world.kafka.publish(0)
    world.kafka.faults.append("unauthorized")
    world.deliver(0, 1)
    world.finish()
    world.settle()
    assert world.fatal and isinstance(world.fatal[0], TopicAuthorizationFailedError)
    assert world.kafka.transactions["committed"] == 0


def test_8_a_partition_that_comes_back_starts_fresh(world: World) -> None:
    for _ in range(6):
        world.kafka.publish(0)
    world.deliver(0, 2)
    world.finish()
    world.revoke(0)
    world.kafka.take_over(0, 3)  # its new owner did 2..4
    world.assign(0)
    world.deliver(0, 1, back=3)  # Faust hands out records fetched before the seek
    world.deliver(0, 3)
    world.finish()
    _end(world)


def test_9_sigterm_during_a_commit_that_committed_duplicates_nothing(
    undeduplicated: World,
) -> None:
    """Found by the rolling-restart test on the real broker: SIGTERM cancels the committer
    while it waits for the reply of a transaction that did commit; the drain then committed
    the same records again from the offset it still believed committed."""
    world = undeduplicated
    world.kafka.publish(0)
    world.kafka.publish(0)
    world.deliver(0, 2)
    world.kafka.faults.append("late_reply")
    world.finish()  # the transaction commits; its reply is not back yet
    assert world.kafka.committed_offsets[0] == 2
    world.sigterm()  # the drain commits what it believes finished and not yet committed
    assert not world.problems()
    _end(world)


def test_10_a_partition_revoked_while_its_cursor_opens_is_not_kept(world: World) -> None:
    """The revoke finds no cursor to forget while the fence is still in flight; the cursor
    the fence then opens must not outlive it (its producer open, its record enriched for a
    partition someone else now owns)."""
    world.kafka.publish(0)
    world.kafka.slow_fences = 1
    world.deliver(0, 1)  # opening: the fence takes a while
    world.revoke(0)
    world.wait(0.05)  # the fence returns
    assert not world.problems()
    _end(world)


def test_10b_a_revoke_signalled_before_the_assignment_changes_is_not_lost(world: World) -> None:
    """The consumer lists a revoked partition until the rebalance ends (aiokafka keeps the old
    assignment until SyncGroup): the fence returns while the partition still counts as owned,
    after the revoke signal found no cursor to forget. The cursor must go all the same."""
    world.kafka.publish(0)
    world.kafka.slow_fences = 1
    world.deliver(0, 1)  # opening: the fence takes a while
    world.run(world.worker.forget([TopicPartition(RAW, 0)]))  # the revoke signal comes first
    world.wait(0.05)  # the fence returns during the rebalance ...
    world.owned.discard(0)  # ... and only then does the assignment change
    world.position.pop(0, None)
    assert not world.problems()
    _end(world)


def test_10c_a_sweep_forgets_cursors_of_partitions_no_longer_owned(world: World) -> None:
    """Whatever race leaves a cursor behind for a partition this worker lost, the periodic
    sweep forgets it (its producer closed, its records left to the new owner)."""
    world.kafka.publish(0)
    world.deliver(0, 1)
    world.owned.discard(0)  # lost without a revoke signal reaching the delivery
    world.position.pop(0, None)
    assert world.problems()  # the simulation sees the stale cursor ...
    world.run(world.worker.sweep([TopicPartition(RAW, p) for p in sorted(world.owned)]))
    assert not world.problems()  # ... and the sweep removes it
    _end(world)


def test_records_handed_over_while_the_worker_drains_are_left_to_the_next_owner(
    world: World,
) -> None:
    """SIGTERM: the drain runs while Faust's stream still hands records over (it stops the
    consumer only after the drain); those are not admitted, and the next owner does them."""
    for _ in range(4):
        world.kafka.publish(0)
    world.deliver(0, 2)
    for task in world.tasks:
        task.cancel()
    draining = world.loop.create_task(world.worker.drain(timeout=DEADLINE))
    world.settle()
    world.deliver(0, 2)
    assert world.worker.in_flight == 2 and world.enricher.calls == 2  # nothing more admitted
    world.finish()
    assert draining.done() and world.kafka.committed_offsets[0] == 2
    world.crash()  # the process ends; the next owner starts from offset 2
    _end(world)
