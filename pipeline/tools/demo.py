"""``newsflow demo``: the whole path once, on the embedded broker, then tidy up.

Start the broker if no cluster is configured, ensure topics, start a worker, produce the
seed articles, wait until each is enriched, print them and the worker's counters, stop what
was started.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
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


def run_demo(
    settings: Settings, seeds: list[str], timeout: float = 180.0, as_json: bool = False
) -> int:
    """The ``make run`` job; progress on stdout, or on stderr with the result as one JSON
    object on stdout (``as_json``)."""
    say = functools.partial(print, file=sys.stderr if as_json else sys.stdout, flush=True)
    with ExitStack() as stack:
        if settings.uses_local_broker:
            broker = LocalBroker(settings)
            if not broker.status().running:
                say(f"starting local Kafka on {settings.bootstrap_servers} …")
                broker.start()
                stack.callback(_stop_broker, broker, say)
        ensure_topics(settings)
        consumer = _enriched_reader(settings)
        stack.callback(consumer.close)
        worker = _start_worker(settings, say)
        stack.callback(_stop_worker, worker, say)
        _wait_for_metrics(settings, worker, timeout)
        items = list(load(seeds))
        publisher = Publisher(settings)
        report = publisher.publish(items)
        publisher.close()
        say(f"produced {report.sent} article(s) to {settings.topics.raw}, "
            f"{report.rejected} rejected locally")  # fmt: skip
        articles = _collect(consumer, set(report.ids), timeout)
        metrics = list(metric_lines(_scrape(settings)))
        if as_json:
            print(json.dumps({
                "produced": report.sent,
                "rejected": report.rejected,
                "articles": [a.model_dump(mode="json") for a in articles],
                "metrics": metrics,
            }, ensure_ascii=False), flush=True)  # fmt: skip
        else:
            for article in articles:
                print(article_text(article), flush=True)
            print("\nworker metrics:")
            for line in metrics:
                print(f"  {line}")
    return 0


def _stop_broker(broker: LocalBroker, say: Callable[[str], None]) -> None:
    say("stopping local Kafka …")
    broker.stop()


def _enriched_reader(settings: Settings) -> KafkaConsumer:
    """Positioned at the current end of the enriched topic: only this run's events count."""
    consumer = open_consumer(settings, settings.topics.enriched, group=None, from_beginning=False)
    for tp in consumer.assignment():
        consumer.position(tp)  # resolve "end" now, before anything is produced
    return consumer


def _start_worker(settings: Settings, say: Callable[[str], None]) -> subprocess.Popen[bytes]:
    log_path = Path(settings.state_dir) / "demo-worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "NEWSFLOW_KAFKA_BOOTSTRAP": settings.bootstrap_servers,
        # The demo re-sends the same seeds each run; it shows them enriched every time.
        "NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    say(f"starting worker (log: {log_path}; de-duplication off for the demo) …")
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "worker"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )


def _stop_worker(worker: subprocess.Popen[bytes], say: Callable[[str], None]) -> None:
    stop_gracefully(worker, timeout=30)
    if worker.returncode not in (0, -signal.SIGTERM):
        say(f"worker exited with code {worker.returncode}")


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
