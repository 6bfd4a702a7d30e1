"""Consumer lag in messages and seconds, against the real broker."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient
from prometheus_client import CollectorRegistry

from pipeline.kafka.clients import kafka_python_config
from pipeline.kafka.topics import ensure_topics
from pipeline.observe.lag import LagMonitor
from pipeline.observe.metrics import WorkerMetrics
from tests.integration.conftest import Env, Worker, metric_value, producer, read_topic

pytestmark = pytest.mark.integration


def _lag(registry: CollectorRegistry, name: str, topic: str) -> float:
    return sum(
        registry.get_sample_value(name, {"topic": topic, "partition": str(p)}) or 0.0
        for p in range(2)
    )


def test_lag_counts_unprocessed_messages_and_their_age(
    env: Env, tmp_path: object, make_env: Callable[..., Env]
) -> None:
    settings = env.settings
    p = producer()
    for i in range(5):
        article = {"id": f"l{i}", "body": f"Quito is high, note {i}."}
        p.send(settings.topics.raw, key=f"l{i}".encode(), value=json.dumps(article).encode())
    p.flush()
    time.sleep(1.5)
    registry = CollectorRegistry()
    monitor = LagMonitor(settings, WorkerMetrics(registry), interval=1)
    config = kafka_python_config(settings)
    admin, reader = KafkaAdminClient(**config), KafkaConsumer(**config)
    try:
        monitor.refresh(admin, reader)
    finally:
        admin.close()
        reader.close()
    topic = settings.topics.raw
    assert _lag(registry, "newsflow_consumer_lag_messages", topic) == 5
    assert _lag(registry, "newsflow_consumer_lag_seconds", topic) >= 1.5


def test_worker_reports_zero_lag_once_caught_up(
    make_env: Callable[..., Env], tmp_path: object
) -> None:
    env = make_env(NEWSFLOW_METRICS_LAG_INTERVAL_SECONDS="1")
    ensure_topics(env.settings)
    topic = env.settings.topics.raw
    p = producer()
    for i in range(3):
        article = {"id": f"z{i}", "body": f"Lima is near the sea, note {i}."}
        p.send(topic, key=f"z{i}".encode(), value=json.dumps(article).encode())
    p.flush()
    from pathlib import Path

    worker = Worker(env, Path(str(tmp_path)) / "w.log").start()
    try:
        assert len(read_topic(env.settings.topics.enriched, 3)) == 3
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            scrape = worker.scrape()
            seen = [
                metric_value(
                    scrape, "newsflow_consumer_lag_messages", topic=topic, partition=str(n)
                )
                for n in range(2)
            ]
            if "newsflow_consumer_lag_messages{" in scrape and sum(seen) == 0:
                break
            time.sleep(1)
        else:
            raise AssertionError(f"lag did not reach 0: {seen}")
    finally:
        worker.stop()
