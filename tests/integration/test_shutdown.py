"""SIGTERM stops a busy worker promptly: an article still being enriched is left uncommitted
for the next owner (never dead-lettered), and no NLP process outlives the worker; the articles
it drains are committed with their de-duplication keys, so a re-send after a restart is
skipped."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import pytest
from aiokafka.structs import TopicPartition

from pipeline.kafka.topics import ensure_topics
from pipeline.tools.bench_proc import processes
from pipeline.worker.delivery.kafka_io import AioKafka
from tests.integration.conftest import Env, Worker, metric_value, producer, read_all, read_topic

pytestmark = pytest.mark.integration

# Long articles (each a few seconds of parsing), more than the worker can finish in its grace.
LONG = [
    {"id": f"long{i}", "title": "Budget", "body": f"Minister {i} spoke in Lisbon today. " * 2800}
    for i in range(2)
]


def _nlp_children(pid: int) -> list[int]:
    """Live NLP processes (spawned children, not multiprocessing's resource tracker) of ``pid``
    (a zombie's command line is empty, so it is not counted)."""
    return [child for child, stat in processes().items()
            if stat.ppid == pid and b"spawn_main" in _cmdline(child)]  # fmt: skip


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


async def _committed(env: Env, tp: TopicPartition) -> int:
    kafka = AioKafka(env.settings)
    await kafka.start()
    try:
        return await kafka.committed(tp)
    finally:
        await kafka.stop()


def test_sigterm_stops_a_busy_worker_within_its_grace(make_env: object, tmp_path: Path) -> None:
    env = make_env(  # type: ignore[operator]
        NEWSFLOW_TOPICS_PARTITIONS="1",
        NEWSFLOW_WORKER_SHUTDOWN_SECONDS="0.5",
        NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS="0",
    )
    worker = Worker(env, tmp_path / "worker.log").start()
    assert worker.process is not None
    nlp = _nlp_children(worker.process.pid)
    topics = env.settings.topics
    p = producer()
    calm = {"id": "calm", "title": "Talks", "body": "Officials in Oslo said talks resume."}
    p.send(topics.raw, key=b"calm", value=json.dumps(calm).encode())
    p.flush()
    assert len(read_topic(topics.enriched, 1)) == 1
    for article in LONG:
        p.send(topics.raw, key=article["id"].encode(), value=json.dumps(article).encode())
    p.flush()
    time.sleep(2)  # the first long article is being parsed, the others wait

    started = time.monotonic()
    code = worker.stop(signal.SIGTERM, timeout=60)
    took = time.monotonic() - started

    assert code == 0
    assert took < 15, f"SIGTERM took {took:.1f} s"
    deadline = time.monotonic() + 1  # the NLP process gets a second to be gone
    while [pid for pid in nlp if os.path.exists(f"/proc/{pid}")] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(nlp) == 1 and not [pid for pid in nlp if os.path.exists(f"/proc/{pid}")]
    # Unfinished articles were neither committed nor dead-lettered ...
    committed = asyncio.run(_committed(env, TopicPartition(topics.raw, 0)))
    assert 1 <= committed < 1 + len(LONG)
    assert read_topic(topics.deadletter, 1, timeout=2) == []
    # ... so the next owner enriches each of them, once.
    successor = Worker(env, tmp_path / "worker2.log").start()
    try:
        enriched = read_topic(topics.enriched, 1 + len(LONG), timeout=120)
    finally:
        successor.stop()
    assert sorted(key for key, _ in enriched) == [b"calm", *(f"long{i}".encode() for i in range(2))]


class LateTopicWorker(Worker):
    """A worker whose Faust producer caches only the topics it has sent to, as after a send
    to a topic it did not know (tests/integration/late_topic_worker.py)."""

    module = "tests.integration.late_topic_worker"


# Each a second or so of parsing: in flight when SIGTERM arrives, finished within the grace.
MEDIUM = [
    {"id": f"med{i}", "title": "Budget", "url": f"https://news.example.org/budget/{i}",
     "body": f"Minister {i} spoke in Lisbon today about the budget. " * 600}
    for i in range(3)
]  # fmt: skip


def test_sigterm_records_the_keys_of_the_articles_it_drains(
    make_env: object, tmp_path: Path
) -> None:
    env: Env = make_env(  # type: ignore[operator]
        NEWSFLOW_TOPICS_PARTITIONS="1",
        NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS="86400",
        NEWSFLOW_WORKER_SHUTDOWN_SECONDS="60",  # every article in flight is drained
        NEWSFLOW_WORKER_IN_FLIGHT_PER_PROCESS="3",  # all three are being enriched at once
    )
    ensure_topics(env.settings)
    topics = env.settings.topics
    worker = LateTopicWorker(env, tmp_path / "worker.log").start()
    deadline = time.monotonic() + 30
    while b"late topic sent" not in worker.log.read_bytes():
        assert time.monotonic() < deadline and worker.alive, worker.log.read_text()[-3000:]
        time.sleep(0.1)

    p = producer()
    for article in MEDIUM:
        p.send(topics.raw, key=article["id"].encode(), value=json.dumps(article).encode())
    p.flush()
    scrape = worker.wait_for(lambda s: metric_value(s, "newsflow_articles_in_flight") == 3)
    assert worker.stop(signal.SIGTERM, timeout=120) == 0, worker.log.read_text()[-3000:]
    # The drain committed what was in flight at SIGTERM ...
    assert metric_value(scrape, "newsflow_articles_enriched_total", topic=topics.enriched) < 3
    assert sorted(key for key, _ in read_topic(topics.enriched, 3)) == [b"med0", b"med1", b"med2"]

    # ... with their keys: re-sent after a restart (same id, or same URL under another id),
    # each is skipped.
    resent = [{**MEDIUM[0], "id": "med0-again"}, *MEDIUM[1:]]
    restarted = Worker(env, tmp_path / "worker2.log").start()
    try:
        for article in resent:
            p.send(topics.raw, key=article["id"].encode(), value=json.dumps(article).encode())
        p.flush()
        scrape = restarted.wait_for(lambda s: metric_value(
            s, "newsflow_articles_deduplicated_total", topic=topics.raw) >= 3)  # fmt: skip
    finally:
        assert restarted.stop() == 0
    assert metric_value(scrape, "newsflow_articles_enriched_total", topic=topics.enriched) == 0
    assert len(read_all(topics.enriched)) == 3
