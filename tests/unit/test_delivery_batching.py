"""Group commit: a partition's next transaction begins as soon as the one before it ends and
carries every record that finished meanwhile, up to ``commit_max_records``; nothing waits for
a timer. On the simulated broker and its virtual clock (sim_world.py)."""

from __future__ import annotations

from tests.unit.sim_world import World


def _delivered(records: int, max_running: int = 4, max_records: int = 10) -> World:
    """``records`` on partition 0 handed to a worker, de-duplication off."""
    w = World(partitions=1, limit=8, dedup=False, deadline=600.0, max_running=max_running,
              commit_max_records=max_records)  # fmt: skip
    for _ in range(records):
        w.kafka.publish(0)
    w.deliver(0, records)
    return w


def test_a_quiet_partition_commits_at_once() -> None:
    w = _delivered(3)
    try:
        w.finish(0)
        assert w.kafka.committed_offsets[0] == 1
        assert w.loop.time() == 0  # no timer was waited for
    finally:
        w.close()


def test_records_finishing_during_a_transaction_share_the_next() -> None:
    w = _delivered(4)
    try:
        w.kafka.faults.append("late_reply")  # the first transaction's reply takes a while
        w.finish(0)
        w.finish()  # the other three finish while it is awaited
        assert w.kafka.transactions["committed"] == 1
        w.wait(0.05)
        assert w.kafka.committed_offsets[0] == 4
        assert w.kafka.transactions["committed"] == 2
        assert not w.problems()
    finally:
        w.close()


def test_a_transaction_takes_at_most_commit_max_records() -> None:
    w = _delivered(5, max_running=5, max_records=2)
    try:
        w.finish()
        assert w.kafka.committed_offsets[0] == 5
        assert w.kafka.transactions["committed"] == 3  # 2 + 2 + 1
    finally:
        w.close()


def test_sigterm_while_a_reply_is_awaited_commits_what_finished_meanwhile() -> None:
    w = _delivered(3)
    try:
        w.kafka.faults.append("late_reply")
        w.finish(0)  # committed at the broker; the reply is not back
        w.finish(0)  # the next one finishes meanwhile; the third is still running
        w.sigterm()  # the drain re-opens the partition, then commits the finished one
        assert w.kafka.committed_offsets[0] == 2
        assert not w.problems()
    finally:
        w.close()


def test_a_record_waiting_for_its_commit_does_not_hold_back_the_next_enrichment() -> None:
    w = _delivered(4, max_running=2)
    try:
        w.finish(1)  # the second record finishes; the first, ahead of it, still runs
        assert w.kafka.committed_offsets[0] == 0
        assert w.enricher.calls == 3  # its slot went to the third record
    finally:
        w.close()
