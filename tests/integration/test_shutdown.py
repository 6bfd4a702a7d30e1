"""SIGTERM stops a busy worker promptly: an article still being enriched is left uncommitted
for the next owner (never dead-lettered), and no NLP process outlives the worker."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import pytest
from aiokafka.structs import TopicPartition

from pipeline.tools.bench_proc import processes
from pipeline.worker.delivery.kafka_io import AioKafka
from tests.integration.conftest import Env, Worker, producer, read_topic

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
