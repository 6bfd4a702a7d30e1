"""``newsflow demo``: the whole path once, on the embedded broker, then tidy up.

Start the broker if no cluster is configured, ensure topics, start a worker, produce the
seed articles, wait until each is enriched, print them and the worker's counters, stop what
was started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from kafka import KafkaConsumer

from pipeline.config import Settings
from pipeline.consume.render import article_text, metric_lines
from pipeline.consume.subscribe import open_consumer
from pipeline.errors import DemoError
from pipeline.ingest.loaders import load
from pipeline.ingest.publisher import Publisher
from pipeline.kafka.broker import LocalBroker
from pipeline.kafka.topics import ensure_topics
from pipeline.models import EnrichedArticle
from pipeline.tools.processes import stop_gracefully


def run_demo(settings: Settings, seeds: list[str], timeout: float = 180.0) -> int:
    with ExitStack() as stack:
        if settings.uses_local_broker:
            broker = LocalBroker(settings)
            if not broker.status().running:
                print(f"starting local Kafka on {settings.bootstrap_servers} …", flush=True)
                broker.start()
                stack.callback(_stop_broker, broker)
        ensure_topics(settings)
        consumer = _enriched_reader(settings)
        stack.callback(consumer.close)
        worker = _start_worker(settings)
        stack.callback(_stop_worker, worker)
        _wait_for_metrics(settings, worker, timeout)
        items = list(load(seeds))
        publisher = Publisher(settings)
        report = publisher.publish(items)
        publisher.close()
        print(
            f"produced {report.sent} article(s) to {settings.topics.raw}, "
            f"{report.rejected} rejected locally",
            flush=True,
        )
        for article in _collect(consumer, set(report.ids), timeout):
            print(article_text(article), flush=True)
        print("\nworker metrics:")
        for line in metric_lines(_scrape(settings)):
            print(f"  {line}")
    return 0


def _stop_broker(broker: LocalBroker) -> None:
    print("stopping local Kafka …", flush=True)
    broker.stop()


def _enriched_reader(settings: Settings) -> KafkaConsumer:
    """Positioned at the current end of the enriched topic: only this run's events count."""
    consumer = open_consumer(settings, settings.topics.enriched, group=None, from_beginning=False)
    for tp in consumer.assignment():
        consumer.position(tp)  # resolve "end" now, before anything is produced
    return consumer


def _start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    log_path = Path(settings.state_dir) / "demo-worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "NEWSFLOW_KAFKA_BOOTSTRAP": settings.bootstrap_servers,
        # The demo re-sends the same seeds each run; it shows them enriched every time.
        "NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    print(f"starting worker (log: {log_path}; de-duplication off for the demo) …", flush=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "worker"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    stop_gracefully(worker, timeout=30)
    if worker.returncode not in (0, -signal.SIGTERM):
        print(f"worker exited with code {worker.returncode}", flush=True)


def _scrape(settings: Settings) -> str:
    url = f"http://{settings.metrics.host}:{settings.metrics.port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        body: bytes = response.read()
    return body.decode("utf-8")


def _wait_for_metrics(settings: Settings, worker: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise DemoError(f"worker exited with code {worker.returncode}; see its log")
        try:
            _scrape(settings)
            return
        except OSError:
            time.sleep(0.5)
    raise DemoError("worker did not come up in time")


def _collect(consumer: KafkaConsumer, ids: set[str], timeout: float) -> list[EnrichedArticle]:
    """Read the enriched topic until every id produced in this run has arrived."""
    found: dict[str, EnrichedArticle] = {}
    deadline = time.monotonic() + timeout
    while ids - found.keys():
        if time.monotonic() > deadline:
            missing = ", ".join(sorted(ids - found.keys()))
            raise DemoError(f"not enriched within {timeout:.0f}s: {missing}")
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                article = EnrichedArticle.model_validate_json(record.value)
                if article.id in ids:
                    found[article.id] = article
    return [found[i] for i in sorted(found)]
