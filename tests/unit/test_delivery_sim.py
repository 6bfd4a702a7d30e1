"""Deterministic simulation of the exactly-once delivery path (see tests/unit/sim_world.py).

Hypothesis explores interleavings of publishing, Faust's deliveries (in order, repeated,
skipping), enrichments ending in any order, a commit that fails, a commit whose reply is lost
or late (a SIGTERM may come while it is awaited) after it committed, another worker fencing and
committing (also just before our fence takes effect), a fence that fails or is slow (a revoke
comes in while it runs), revoke and assign,
SIGTERM, kill -9 and restart, a poison article and a hanging one, and time passing (the
world's clock is virtual: it moves only in the steps that wait, so each run of a sequence of
steps is the same). After every step: each input offset below the committed offset has
exactly one result visible to a read_committed reader and none above it, committed offsets
never go back, records in flight stay within the limit, no cursor is kept for a partition not
owned. At the end, with every enrichment allowed to finish: every record is committed with its
one result, every slot is free and every de-duplication claim released.
"""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.unit.sim_world import DEADLINE, HANG, POISON, SimLoop, World

PARTITIONS = 2
partitions = st.integers(0, PARTITIONS - 1)


class Delivery(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world = World(partitions=PARTITIONS, limit=4)

    @rule(p=partitions, n=st.integers(1, 4))
    def publish(self, p: int, n: int) -> None:
        for _ in range(n):
            self.world.kafka.publish(p)

    @rule(p=partitions, kind=st.sampled_from([POISON, HANG]))
    def publish_bad(self, p: int, kind: str) -> None:
        self.world.kafka.publish(p, f"{kind} article about Oslo.")

    @rule(p=partitions, n=st.integers(1, 4), skip=st.integers(0, 2), back=st.integers(0, 3))
    def deliver(self, p: int, n: int, skip: int, back: int) -> None:
        self.world.deliver(p, n, skip=skip, back=back)

    @rule(index=st.integers(0, 7))
    def finish_one(self, index: int) -> None:
        self.world.finish(index)

    @rule()
    def finish_all(self) -> None:
        self.world.finish()

    @rule(fault=st.sampled_from(["abort", "lost_reply", "late_reply"]))
    def next_commit_fails(self, fault: str) -> None:
        self.world.kafka.faults.append(fault)

    @rule(p=partitions, n=st.integers(0, 3))
    def another_worker_takes_over(self, p: int, n: int) -> None:
        self.world.kafka.take_over(p, n)

    @rule(p=partitions, n=st.integers(1, 3))
    def another_worker_commits_before_our_next_fence(self, p: int, n: int) -> None:
        self.world.kafka.before_fence[p] = n

    @rule()
    def next_fence_fails(self) -> None:
        self.world.kafka.failing_fences += 1

    @rule()
    def next_fence_is_slow(self) -> None:
        self.world.kafka.slow_fences += 1

    @precondition(lambda self: len(self.world.owned) > 0)
    @rule(p=partitions)
    def revoke(self, p: int) -> None:
        self.world.revoke(p)

    @rule(p=partitions)
    def assign(self, p: int) -> None:
        if p not in self.world.owned:
            self.world.assign(p)

    @rule(ms=st.integers(1, 12))
    def time_passes(self, ms: int) -> None:
        """Around the batched interval (5 ms), a failed commit's backoff (0.5-2 ms) and a late
        reply (10 ms): virtual time, so where a step lands in an interval is decided here,
        not by the machine's load."""
        self.world.wait(ms / 1000)

    @rule()
    def deadline_passes(self) -> None:
        self.world.wait(DEADLINE * 1.5)

    @rule()
    def sigterm_and_restart(self) -> None:
        self.world.sigterm()

    @rule()
    def crash_and_restart(self) -> None:
        self.world.crash()

    @invariant()
    def promise_holds(self) -> None:
        assert not self.world.problems()

    def teardown(self) -> None:
        try:
            self.world.quiesce()
            assert not self.world.fatal
            assert not self.world.problems(complete=True)
        finally:
            self.world.close()


def _explored(examples: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        # The explain phase traces every line while it replays a failure: minutes, here.
        phases=[p for p in Phase if p is not Phase.explain],
    )


Delivery.TestCase.settings = _explored(120)
test_delivery_simulation = Delivery.TestCase


class BatchedDelivery(Delivery):
    """The same, with the worker's batching: a partition commits at most every 5 ms (the
    deadline rule lets that pass), at most 3 records a transaction, and finished records
    wait for their commit beside the 2 being enriched."""

    def __init__(self) -> None:
        RuleBasedStateMachine.__init__(self)
        self.world = World(
            partitions=PARTITIONS,
            limit=5,
            max_running=2,
            commit_max_records=3,
        )


BatchedDelivery.TestCase.settings = _explored(80)
test_batched_delivery_simulation = BatchedDelivery.TestCase


def _history() -> tuple[object, ...]:
    """What the broker saw for one fixed sequence of steps that interleaves enrichments, timers
    (interval, backoff, late reply, deadline), a crash and a SIGTERM."""
    w = World(partitions=2, limit=5, max_running=2, commit_max_records=3)
    try:
        for p in range(PARTITIONS):
            for _ in range(6):
                w.kafka.publish(p)
        w.kafka.publish(1, f"{HANG} article about Oslo.")
        w.deliver(0, 4)
        w.deliver(1, 7)
        w.finish(1)
        w.wait(0.003)
        w.kafka.faults += ["late_reply", "abort"]
        w.finish()
        w.wait(0.004)
        w.deliver(0, 4, back=2)
        w.finish(0)
        w.crash()
        w.deliver(0, 6)
        w.deliver(1, 7)
        w.finish()
        w.wait(0.002)
        w.sigterm()
        w.quiesce()
        return (list(w.kafka.visible), dict(w.kafka.transactions), dict(w.kafka.epochs),
                w.enricher.calls, w.loop.time())  # fmt: skip
    finally:
        w.close()


def test_the_same_steps_give_the_same_history() -> None:
    first = _history()
    assert first == _history()
    assert first[-1] > 0  # time did pass, on the virtual clock


def test_the_virtual_clock_jumps_to_the_next_timer_and_a_spinning_task_fails() -> None:
    loop = SimLoop()
    try:
        loop.run_until_complete(asyncio.sleep(3600))
        assert loop.time() == 3600  # at once, whatever the wall clock did

        async def spin() -> None:
            while True:
                await asyncio.sleep(0)

        spinning = loop.create_task(spin())
        with pytest.raises(RuntimeError, match="spins"):
            loop.run_until_complete(asyncio.sleep(1))
        spinning.cancel()
        loop.run_until_complete(asyncio.gather(spinning, return_exceptions=True))
    finally:
        loop.close()
