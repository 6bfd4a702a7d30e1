"""Fault injection on the real broker: kill -9 mid-stream, then count ids in and out."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from pipeline.topics import ensure_topics
from tests.integration.conftest import BOOTSTRAP, Env, Worker, producer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CITIES = ["Oslo", "Lima", "Accra", "Hanoi", "Quito", "Riga", "Doha", "Perth", "Bern", "Dakar"]


def _stream(topic: str, count: int, seconds: float) -> threading.Thread:
    """Produce ``count`` short articles evenly over ``seconds`` in a background thread."""

    def run() -> None:
        p = producer()
        for i in range(count):
            city = CITIES[i % len(CITIES)]
            article = {
                "id": f"k{i}",
                "title": f"Update {i}",
                "body": f"Officials in {city} said talks would resume on day {i}.",
            }
            p.send(topic, key=f"k{i}".encode(), value=json.dumps(article).encode())
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


def _ids_out(topic: str, expected: int, timeout: float) -> Counter[str]:
    """Article ids on the output topic as a read_committed consumer sees them."""
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, isolation_level="read_committed")
    ids: Counter[str] = Counter()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        deadline = time.monotonic() + timeout
        idle_since = time.monotonic()
        while time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=500)
            for records in batch.values():
                ids.update(json.loads(r.value)["id"] for r in records)
                idle_since = time.monotonic()
            # Done when all arrived and a few quiet seconds show no late duplicates.
            if len(ids) >= expected and time.monotonic() - idle_since > 5:
                break
        return ids
    finally:
        consumer.close()


GUARANTEE = os.environ.get("NEWSFLOW_TEST_GUARANTEE", "at_least_once")


def test_kill_9_mid_stream_loses_nothing(make_env: Callable[..., Env], tmp_path: Path) -> None:
    """At-least-once: every id arrives. Duplicates are reported, not yet asserted away
    (Faust's exactly_once left 90 of 2,000 ids duplicated for read_committed readers here;
    set NEWSFLOW_TEST_GUARANTEE=exactly_once to rerun that measurement)."""
    env = make_env(
        NEWSFLOW_WORKER_PROCESSING_GUARANTEE=GUARANTEE,
        NEWSFLOW_WORKER_SESSION_TIMEOUT_SECONDS="6",
        NEWSFLOW_WORKER_PROCESSES="2",
    )
    ensure_topics(env.settings)
    total = 2000
    feeder = _stream(env.settings.topics.raw, total, seconds=25)
    rng = random.Random()
    kills = 0
    killed_children: list[int] = []
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        for _ in range(3):
            time.sleep(rng.uniform(2.0, 6.0))
            killed_children.extend(_children(worker))
            worker.stop(signal.SIGKILL)
            kills += 1
            worker = Worker(env, tmp_path / "worker.log").start()
        feeder.join(timeout=120)
        ids = _ids_out(env.settings.topics.enriched, total, timeout=240)
    finally:
        worker.stop()
    time.sleep(2.5)  # NLP children notice a dead parent within a second
    orphans = [pid for pid in killed_children if Path(f"/proc/{pid}").exists()]
    missing = {f"k{i}" for i in range(total)} - set(ids)
    duplicates = {k: n for k, n in ids.items() if n > 1}
    print(
        f"\nkill -9 x{kills} ({GUARANTEE}): in={total} out={len(ids)} "
        f"missing={len(missing)} duplicated ids={len(duplicates)}"
    )
    assert not missing, f"{len(missing)} lost, e.g. {sorted(missing)[:5]}"
    assert killed_children and not orphans, f"NLP processes outlived their worker: {orphans}"
    if GUARANTEE == "exactly_once":
        assert not duplicates, f"{len(duplicates)} duplicated: {list(duplicates.items())[:5]}"
