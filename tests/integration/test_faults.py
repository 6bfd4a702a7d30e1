"""Fault injection: kill -9 mid-stream, a dead group member, a broker that stops for a while,
a producer whose broker is unreachable or goes away; then count ids in and out."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.config import BrokerSettings, Settings
from pipeline.kafka.broker import LocalBroker
from pipeline.kafka.topics import ensure_topics
from tests.conftest import free_port
from tests.integration.conftest import BOOTSTRAP, Env, Worker, producer, start_all

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CITIES = ["Oslo", "Lima", "Accra", "Hanoi", "Quito", "Riga", "Doha", "Perth", "Bern", "Dakar"]


def _stream(
    topic: str,
    count: int,
    seconds: float,
    poison_every: int = 0,
    hold_last: threading.Event | None = None,
) -> threading.Thread:
    """Produce ``count`` short articles evenly over ``seconds`` in a background thread; with
    ``poison_every``, every such record (from the first) is not JSON (it becomes a dead letter).
    With ``hold_last``, the last tenth waits until the event is set, so that faults a test
    injects land mid-stream however slowly a loaded machine restarts the workers."""

    def run() -> None:
        p = producer()
        for i in range(count):
            if hold_last is not None and i == count - count // 10:
                hold_last.wait(timeout=300)
            city = CITIES[i % len(CITIES)]
            article = {
                "id": f"k{i}",
                "title": f"Update {i}",
                "body": f"Officials in {city} said talks would resume on day {i}.",
            }
            value = json.dumps(article).encode()
            if poison_every and i % poison_every == 0:
                value = b"{not json " + value
            p.send(topic, key=f"k{i}".encode(), value=value)
            time.sleep(seconds / count)
        p.flush()
        p.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _children(worker: Worker) -> list[int]:
    """Pids of the worker's child processes (the NLP pool and its resource tracker)."""
    assert worker.process is not None
    found = subprocess.run(["pgrep", "-P", str(worker.process.pid)],
                           capture_output=True, text=True, check=False)  # fmt: skip
    return [int(pid) for pid in found.stdout.split()]


# The guarantee the group-member and broker faults run under (the default mode unless set).
GUARANTEE = os.environ.get("NEWSFLOW_TEST_GUARANTEE", "exactly_once")


def _dedup(on: bool) -> dict[str, str]:
    """Settings for de-duplication on (the default window of exactly_once) or off. Off, a
    record redone after a fault is enriched and published again, so a delivery bug that
    repeats output shows as a duplicate instead of being swallowed."""
    return {} if on else {"NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS": "0"}


@pytest.mark.parametrize(
    ("guarantee", "total", "seconds", "rounds"),
    [("exactly_once", 2000, 25, 3), ("at_least_once", 1000, 12, 2)],  # the option: shorter
)
def test_kill_9_mid_stream_loses_nothing(
    make_env: Callable[..., Env],
    tmp_path: Path,
    guarantee: str,
    total: int,
    seconds: float,
    rounds: int,
) -> None:
    """Every id arrives in both modes. Under exactly_once (the default) none arrives twice
    for a read_committed reader, with de-duplication off so that nothing hides a repeat
    (the default settings are faulted in the two-workers test); under at_least_once
    duplicates are only reported."""
    env = make_env(
        NEWSFLOW_WORKER_PROCESSING_GUARANTEE=guarantee,
        NEWSFLOW_WORKER_SESSION_TIMEOUT_SECONDS="6",
        NEWSFLOW_WORKER_PROCESSES="2",
        **_dedup(False),
    )
    ensure_topics(env.settings)
    feeder = _stream(env.settings.topics.raw, total, seconds=seconds)
    rng = random.Random()
    kills = 0
    killed_children: list[int] = []
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        for _ in range(rounds):
            time.sleep(rng.uniform(2.0, 6.0))
            killed_children.extend(_children(worker))
            worker.stop(signal.SIGKILL)
            kills += 1
            worker = Worker(env, tmp_path / "worker.log").start()
        feeder.join(timeout=120)
        records = _read_out(BOOTSTRAP, env.settings.topics.enriched, total, timeout=240,
                            stop=lambda: worker.stop())  # fmt: skip
        ids = Counter(r.id for r in records)
    finally:
        worker.stop()
    orphans = _outliving(killed_children, seconds=2.5)  # they notice a dead parent in a second
    missing = {f"k{i}" for i in range(total)} - set(ids)
    duplicates = {k: n for k, n in ids.items() if n > 1}
    print(
        f"\nkill -9 x{kills} ({guarantee}, dedup off): in={total} out={len(ids)} "
        f"missing={len(missing)} duplicated ids={len(duplicates)}"
    )
    assert not missing, f"{len(missing)} lost, e.g. {sorted(missing)[:5]}"
    assert killed_children and not orphans, f"NLP processes outlived their worker: {orphans}"
    if guarantee == "exactly_once":
        assert not duplicates, f"{len(duplicates)} duplicated: {list(duplicates.items())[:5]}"


# -- more faults: a group member dies, the broker goes away, the producer loses its broker ------


@dataclass(frozen=True)
class OutRecord:
    id: str
    partition: int
    timestamp: float  # seconds since the epoch (the record's CreateTime)


def _read_out(
    bootstrap: str,
    topic: str,
    expected: int,
    timeout: float,
    stop: Callable[[], object],
    ident: Callable[[dict[str, Any]], str] = lambda value: str(value["id"]),
) -> list[OutRecord]:
    """Every record of an output topic for a read_committed reader: read until ``expected``
    distinct ids arrived (or ``timeout``), then ``stop()`` every worker that writes to it
    and read on to each partition's end. With no writer left, every transaction on the topic
    ends (committed or aborted, the latter at the latest by its timeout), so nothing can come
    after that end: a late repeat cannot be missed. ``ident``: a record's id from its JSON
    value (the article id unless told)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed")
    records: list[OutRecord] = []
    seen: set[str] = set()

    def poll() -> None:
        for batch in consumer.poll(timeout_ms=500).values():
            for r in batch:
                article_id = ident(json.loads(r.value))
                records.append(OutRecord(article_id, r.partition, r.timestamp / 1000))
                seen.add(article_id)

    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        deadline = time.monotonic() + timeout
        while len(seen) < expected and time.monotonic() < deadline:
            poll()
        stop()
        ends = _high_watermarks(bootstrap, tps)  # every record written, committed or not
        deadline = time.monotonic() + 90  # longer than a transaction's timeout (30 s)
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            assert time.monotonic() < deadline, f"{topic}: transactions still open after 90 s"
            poll()
        return records
    finally:
        consumer.close()


def _high_watermarks(bootstrap: str, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
    """Each partition's end for a read_uncommitted reader (open transactions included)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        return {tp: int(end) for tp, end in consumer.end_offsets(tps).items()}
    finally:
        consumer.close()


def _outliving(pids: list[int], seconds: float) -> list[int]:
    """Those of ``pids`` still alive after up to ``seconds`` (returns as soon as none is)."""
    deadline = time.monotonic() + seconds
    alive = [pid for pid in pids if Path(f"/proc/{pid}").exists()]
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [pid for pid in alive if Path(f"/proc/{pid}").exists()]
    return alive


def _topic_ids(bootstrap: str, topic: str) -> list[str]:
    """Keys of everything on a topic now (up to each partition's end offset)."""
    return [key for key, _ in _topic_positions(bootstrap, topic)]


def _topic_positions(bootstrap: str, topic: str) -> list[tuple[str, str]]:
    """(key, "partition:offset") of everything on a topic now (up to each partition's end)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        found: list[tuple[str, str]] = []
        deadline = time.monotonic() + 60
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            assert time.monotonic() < deadline, "topic not read to its end in 60 s"
            for batch in consumer.poll(timeout_ms=500).values():
                found.extend((r.key.decode(), f"{r.partition}:{r.offset}") for r in batch)
        return found
    finally:
        consumer.close()


def _report(name: str, sent: int, records: list[OutRecord]) -> tuple[set[str], int]:
    """Print and return (missing ids, duplicated ids) of ``k0..k{sent-1}`` in the output."""
    counts = Counter(r.id for r in records)
    missing = {f"k{i}" for i in range(sent)} - set(counts)
    duplicated = sum(1 for n in counts.values() if n > 1)
    extra = sum(n - 1 for n in counts.values() if n > 1)
    print(
        f"\n{name}: in={sent} out={len(counts)} missing={len(missing)} "
        f"duplicated ids={duplicated} (extra copies={extra})"
    )
    if GUARANTEE == "exactly_once":  # the promise of that mode
        assert duplicated == 0, f"{name}: {duplicated} ids duplicated"
    return missing, duplicated


def _assigned(log: Path, topic: str) -> set[int]:
    """Partitions of ``topic`` in a worker's latest assignment, from Faust's log table."""
    latest = log.read_text(errors="replace").rsplit("Setting newly assigned partitions", 1)
    if len(latest) < 2:
        return set()
    row = re.search(rf"\|\s*{re.escape(topic)}\s*\|\s*\{{([^}}]*)\}}", latest[1])
    partitions: set[int] = set()
    for part in row.group(1).split(",") if row else []:
        low, _, high = part.strip().partition("-")
        if low:
            partitions.update(range(int(low), int(high or low) + 1))
    return partitions


def _first_after(records: list[OutRecord], since: float, partitions: set[int]) -> float | None:
    """Seconds from ``since`` to the first output record on ``partitions`` made after it."""
    later = [r.timestamp for r in records if r.partition in partitions and r.timestamp > since]
    return min(later) - since if later else None


def _two_members(
    make_env: Callable[..., Env], tmp_path: Path, dedup: bool = False
) -> tuple[Env, Env]:
    """Envs of two members of one group on 4 partitions (de-duplication off unless told);
    the second has its own metrics port and state (Faust data dir)."""
    first = make_env(
        NEWSFLOW_TOPICS_PARTITIONS="4",
        NEWSFLOW_WORKER_SESSION_TIMEOUT_SECONDS="6",
        NEWSFLOW_WORKER_PROCESSING_GUARANTEE=GUARANTEE,
        **_dedup(dedup),
    )
    second = Env({**first.vars, "NEWSFLOW_METRICS_PORT": str(free_port()),
                  "NEWSFLOW_STATE_DIR": str(tmp_path / "state-second")})  # fmt: skip
    ensure_topics(first.settings)
    return first, second


def _stop_all(*workers: Worker) -> None:
    for worker in workers:
        if worker.alive:
            worker.stop()


def test_two_workers_one_killed_the_other_takes_over(
    make_env: Callable[..., Env], tmp_path: Path
) -> None:
    """Same group, two members, the default settings (de-duplication on: a redo must not be
    swallowed as its own duplicate); kill -9 one mid-stream: the survivor takes all partitions
    (its log says so, and output keeps coming from the dead member's partitions); no id lost."""
    first, second = _two_members(make_env, tmp_path, dedup=True)
    raw = first.settings.topics.raw
    survivor, victim = start_all(Worker(first, tmp_path / "survivor.log"),
                                 Worker(second, tmp_path / "victim.log"))  # fmt: skip
    total = 1000
    try:
        deadline = time.monotonic() + 60
        while not (_assigned(victim.log, raw) and len(_assigned(survivor.log, raw)) < 4):
            assert time.monotonic() < deadline, "the two workers did not share the partitions"
            time.sleep(0.3)
        victim_partitions = _assigned(victim.log, raw)
        feeder = _stream(raw, total, seconds=15)
        time.sleep(5)
        victim.stop(signal.SIGKILL)
        killed_at = time.time()
        feeder.join(timeout=120)
        records = _read_out(BOOTSTRAP, first.settings.topics.enriched, total, timeout=180,
                            stop=lambda: _stop_all(survivor, victim))  # fmt: skip
    finally:
        _stop_all(survivor, victim)
    missing, _ = _report("two workers, one kill -9", total, records)
    takeover = _first_after(records, killed_at, victim_partitions)
    print(
        f"victim had partitions {sorted(victim_partitions)}; first output on them "
        f"{takeover if takeover is None else round(takeover, 1)} s after the kill"
    )
    assert not missing, f"{len(missing)} lost, e.g. {sorted(missing)[:5]}"
    assert _assigned(survivor.log, raw) == {0, 1, 2, 3}, "the survivor did not take over"
    assert takeover is not None, "nothing was processed on the dead member's partitions"


def test_members_joining_and_dying_repeatedly_lose_and_repeat_nothing(
    make_env: Callable[..., Env], tmp_path: Path
) -> None:
    """One steady worker; a second one joins and is killed (kill -9 or SIGTERM) again and
    again while articles stream: every join and death rebalances the steady worker in the
    middle of its batches. Each id arrives once under exactly_once, with de-duplication off
    (nothing hides a repeat)."""
    steady_env, flapper_env = _two_members(make_env, tmp_path)
    total = 1500
    steady = Worker(steady_env, tmp_path / "steady.log").start()
    flapper = Worker(flapper_env, tmp_path / "flapper.log")
    feeder = _stream(steady_env.settings.topics.raw, total, seconds=40)
    try:
        for cycle in range(4):
            flapper.start()
            time.sleep(random.uniform(1.0, 4.0))
            flapper.stop(signal.SIGKILL if cycle % 2 == 0 else signal.SIGTERM)
        feeder.join(timeout=120)
        records = _read_out(BOOTSTRAP, steady_env.settings.topics.enriched, total, timeout=180,
                            stop=lambda: _stop_all(steady, flapper))  # fmt: skip
    finally:
        _stop_all(steady, flapper)
    rebalances = steady.log.read_text(errors="replace").count("Setting newly assigned partitions")
    name = f"4 members joining and dying (dedup off), {rebalances} assignments"
    missing, _ = _report(name, total, records)
    assert not missing, f"{len(missing)} lost, e.g. {sorted(missing)[:5]}"
    assert rebalances >= 5, "the steady worker was not rebalanced as planned"


def test_rolling_restart_every_input_offset_has_one_result(
    make_env: Callable[..., Env], tmp_path: Path
) -> None:
    """A rolling restart: two members, de-duplication off; three times, one of them (each in
    turn) gets SIGTERM mid-stream and is started again. Every input offset has exactly one
    result for a read_committed reader: its enriched event or, for the poison records, its
    dead letter; and every SIGTERM ends the worker cleanly."""
    first, second = _two_members(make_env, tmp_path)
    topics = first.settings.topics
    members = start_all(Worker(first, tmp_path / "first.log"),
                        Worker(second, tmp_path / "second.log"))  # fmt: skip
    total, poison_every = 1800, 60
    restarted = threading.Event()
    feeder = _stream(topics.raw, total, seconds=50, poison_every=poison_every,
                     hold_last=restarted)  # fmt: skip
    exits: list[int] = []
    mid_stream: list[bool] = []
    try:
        for turn in range(3):
            time.sleep(random.uniform(2.0, 5.0))
            member = members[turn % 2]
            mid_stream.append(feeder.is_alive())
            exits.append(member.stop(signal.SIGTERM))
            member.start()
        restarted.set()
        feeder.join(timeout=120)
        poisoned = len(range(0, total, poison_every))  # k0, k60, ...
        stop = lambda: _stop_all(*members)  # noqa: E731
        enriched = _read_out(BOOTSTRAP, topics.enriched, total - poisoned, timeout=180, stop=stop)
        dead = _read_out(BOOTSTRAP, topics.deadletter, poisoned, timeout=60, stop=stop,
                         ident=_position)  # fmt: skip
    finally:
        _stop_all(*members)
    position = dict(_topic_positions(BOOTSTRAP, topics.raw))
    results = Counter(position[r.id] for r in enriched) + Counter(r.id for r in dead)
    without = set(position.values()) - set(results)
    repeated = {offset: n for offset, n in results.items() if n > 1}
    print(
        f"\nrolling restart x3 (dedup off): input offsets={len(position)} with a result="
        f"{len(results)} (enriched {len(enriched)}, dead letters {len(dead)}) "
        f"without={len(without)} repeated={len(repeated)}; exits {exits}"
    )
    assert len(position) == total
    assert all(mid_stream), f"a restart came after the stream ended: {mid_stream}"
    assert exits == [0, 0, 0], f"SIGTERM did not end a worker cleanly: {exits}"
    assert all(_assigned(m.log, topics.raw) for m in members), "a restarted member got nothing"
    assert not without, f"{len(without)} offsets without a result, e.g. {sorted(without)[:5]}"
    assert not repeated, f"{len(repeated)} offsets with more: {list(repeated.items())[:5]}"
    assert set(results) == set(position.values()), "a result for an offset never consumed"
    poison = {position[f"k{i}"] for i in range(0, total, poison_every)}
    assert {r.id for r in dead} == poison, "the dead letters are not the poison records"


def _position(dead_letter: dict[str, Any]) -> str:
    """The input "partition:offset" a dead letter stands for."""
    return f"{dead_letter['partition']}:{dead_letter['offset']}"


@dataclass(frozen=True)
class SpareBroker:
    """A throw-away broker for faults that stop it; ``cli`` env drives ``newsflow kafka``."""

    bootstrap: str
    cli: dict[str, str]
    broker: LocalBroker


@pytest.fixture(scope="module")
def spare_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpareBroker]:
    state = tmp_path_factory.mktemp("spare-broker")
    port, controller = free_port(), free_port()
    cli = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    cli.update(
        NEWSFLOW_STATE_DIR=str(state),
        NEWSFLOW_BROKER_PORT=str(port),
        NEWSFLOW_BROKER_CONTROLLER_PORT=str(controller),
    )
    settings = Settings(
        state_dir=state, broker=BrokerSettings(port=port, controller_port=controller)
    )
    broker = LocalBroker(settings)
    try:
        broker.start()
        yield SpareBroker(f"127.0.0.1:{port}", cli, broker)
    finally:
        broker.stop()


def _kafka_cli(spare: SpareBroker, action: str) -> float:
    """Run ``newsflow kafka <action>`` on the spare broker; return how long it took."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "kafka", action],
        env=spare.cli,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return time.monotonic() - started


def test_broker_down_10s_mid_stream_worker_and_producer_recover(
    spare_broker: SpareBroker, make_env: Callable[..., Env], tmp_path: Path
) -> None:
    """Stop the broker for ~10 s while a producer keeps sending and a worker runs: both carry
    on by themselves once it is back (no restart), and every id arrives."""
    spare = spare_broker
    spare.broker.start()
    env = make_env(
        NEWSFLOW_KAFKA_BOOTSTRAP=spare.bootstrap, NEWSFLOW_WORKER_PROCESSING_GUARANTEE=GUARANTEE
    )
    ensure_topics(env.settings)
    worker = Worker(env, tmp_path / "worker.log").start()
    total, seconds = 600, 30.0
    acked: list[str] = []
    failed: list[str] = []

    def feed() -> None:
        # Long enough timeouts to ride out the outage; idempotence keeps retries single.
        p = KafkaProducer(
            bootstrap_servers=spare.bootstrap,
            acks="all",
            enable_idempotence=True,
            delivery_timeout_ms=120_000,
            request_timeout_ms=10_000,
            max_block_ms=120_000,
            reconnect_backoff_max_ms=1_000,
        )
        futures = []
        for i in range(total):
            article = {"id": f"k{i}", "title": f"Update {i}", "body": f"Talks in Oslo, day {i}."}
            value = json.dumps(article).encode()
            futures.append(
                (f"k{i}", p.send(env.settings.topics.raw, key=f"k{i}".encode(), value=value))
            )
            time.sleep(seconds / total)
        for article_id, future in futures:
            try:
                future.get(timeout=120)
                acked.append(article_id)
            except Exception:
                failed.append(article_id)
        p.close()

    feeder = threading.Thread(target=feed, daemon=True)
    try:
        feeder.start()
        time.sleep(8)
        stop_took = _kafka_cli(spare, "stop")
        time.sleep(10)
        down_for = 10 + stop_took
        start_took = _kafka_cli(spare, "start")
        back_at = time.time()
        feeder.join(timeout=180)
        assert not feeder.is_alive(), "the producer did not finish"

        def stop() -> None:
            assert worker.alive, f"the worker died: {worker.log.read_text()[-3000:]}"
            worker.stop()

        records = _read_out(spare.bootstrap, env.settings.topics.enriched, total, 180, stop)
    finally:
        if worker.alive:
            worker.stop()
        spare.broker.start()  # leave it running for the next test
    missing, _ = _report("broker down ~10 s", total, records)
    recovered = _first_after(records, back_at, {r.partition for r in records})
    print(
        f"broker stop took {stop_took:.1f}s, down ~{down_for:.0f}s, start took {start_took:.1f}s; "
        f"producer acked {len(acked)}/{total} (failed {len(failed)}); first output "
        f"{recovered if recovered is None else round(recovered, 1)} s after the broker was back"
    )
    assert not failed, f"the producer gave up on {len(failed)} records, e.g. {failed[:5]}"
    assert not missing, f"{len(missing)} lost, e.g. {sorted(missing)[:5]}"


def test_produce_to_unreachable_broker_fails_fast_and_sends_nothing(
    make_env: Callable[..., Env], tmp_path: Path
) -> None:
    env = make_env(
        NEWSFLOW_KAFKA_BOOTSTRAP=f"127.0.0.1:{free_port()}",  # nothing listens there
        NEWSFLOW_KAFKA_CONNECT_TIMEOUT_SECONDS="3",
    )
    articles = tmp_path / "a.jsonl"
    articles.write_text("".join(_line(i) for i in range(10)))
    started = time.monotonic()
    result = env.run("produce", "--json", str(articles), timeout=60)
    took = time.monotonic() - started
    print(f"\nunreachable broker: exit {result.returncode} after {took:.1f}s: {result.stderr}")
    assert result.returncode != 0 and took < 20
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "no Kafka broker answers" in result.stderr
    assert '"sent"' not in result.stdout and not result.stdout.strip()


def test_producer_reports_only_acknowledged_when_broker_disappears(
    spare_broker: SpareBroker, make_env: Callable[..., Env], tmp_path: Path
) -> None:
    """Stop the broker as soon as the first records land: the CLI's "sent" counts only what
    was acknowledged, and every acknowledged id is on the topic after a restart."""
    spare = spare_broker
    spare.broker.start()
    env = make_env(
        NEWSFLOW_KAFKA_BOOTSTRAP=spare.bootstrap,
        NEWSFLOW_KAFKA_DELIVERY_TIMEOUT_SECONDS="5",
        # Publisher caps the request timeout at delivery - 1 ms, but kafka-python wants
        # delivery > linger (5 ms) + request: without this the CLI dies with a traceback.
        NEWSFLOW_KAFKA_REQUEST_TIMEOUT_SECONDS="3",
    )
    ensure_topics(env.settings)
    raw = env.settings.topics.raw
    total = 40_000  # ~12 MB: sending takes seconds, and stays within the producer's buffer
    articles = tmp_path / "many.jsonl"
    articles.write_text("".join(_line(i) for i in range(total)))
    produce = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "produce", "--json", str(articles)],
        env={**os.environ, **env.vars},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        watcher = KafkaConsumer(bootstrap_servers=spare.bootstrap)
        try:
            tps = [TopicPartition(raw, p) for p in sorted(watcher.partitions_for_topic(raw))]
            deadline = time.monotonic() + 60
            while sum(watcher.end_offsets(tps).values()) == 0:
                assert time.monotonic() < deadline and produce.poll() is None, "nothing landed"
                time.sleep(0.05)
        finally:
            watcher.close()
        spare.broker.stop()  # what `newsflow kafka stop` does (SIGTERM)
        stopped_at = time.monotonic()
        try:
            out, err = produce.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(
                "produce still waits 60 s after its broker went away (delivery timeout 5 s)"
            )
        exited_after = time.monotonic() - stopped_at
    finally:
        if produce.poll() is None:
            produce.kill()
        spare.broker.start()
    sent = json.loads(out)["sent"]
    not_acked = {
        line.split()[1].rstrip(":") for line in err.splitlines() if "not acknowledged" in line
    }
    on_topic = _topic_ids(spare.bootstrap, raw)
    acked = {f"a{i}" for i in range(total)} - not_acked
    print(
        f"\nbroker gone mid-produce: reported sent={sent}, not acknowledged={len(not_acked)}, "
        f"on the topic={len(on_topic)} ({len(set(on_topic))} distinct); "
        f"CLI exited {exited_after:.1f}s after the stop, code {produce.returncode}"
    )
    assert 0 < sent < total, "the broker should have gone away mid-produce"
    assert produce.returncode != 0
    assert sent + len(not_acked) == total
    assert acked <= set(on_topic), f"{len(acked - set(on_topic))} acknowledged ids not on topic"
    assert sent <= len(set(on_topic))


def _line(i: int) -> str:
    body = f"Officials in Oslo said talks on item {i} would resume. " * 4
    return json.dumps({"id": f"a{i}", "title": f"Item {i}", "body": body}) + "\n"
