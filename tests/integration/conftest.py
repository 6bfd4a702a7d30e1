"""Integration fixtures: the real broker (started by `make test`), unique topics and groups
per test, and real worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.config import Settings
from pipeline.kafka.topics import ensure_topics
from tests.conftest import free_port

pytestmark = pytest.mark.integration

# Read before the per-test isolation: the cluster `make test` started or was pointed at.
BOOTSTRAP = Settings().bootstrap_servers


@dataclass
class Env:
    """One test's isolated pipeline: its own topics, group, state dir and metrics port."""

    vars: dict[str, str]

    @property
    def settings(self) -> Settings:
        saved = dict(os.environ)
        os.environ.update(self.vars)
        try:
            return Settings()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def run(
        self, *args: str, timeout: float = 120, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pipeline.cli", *args],
            env={**os.environ, **self.vars},
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            check=False,
        )


def new_env(directory: Path, prefix: str, **overrides: str) -> Env:
    """An isolated pipeline: topics, group and metrics port of its own, state under
    ``directory``; ``overrides``: more NEWSFLOW_* settings."""
    values = {
        "NEWSFLOW_KAFKA_BOOTSTRAP": BOOTSTRAP,
        "NEWSFLOW_STATE_DIR": str(directory),
        "NEWSFLOW_TOPICS_RAW": f"{prefix}.raw",
        "NEWSFLOW_TOPICS_ENRICHED": f"{prefix}.enriched",
        "NEWSFLOW_TOPICS_DEADLETTER": f"{prefix}.deadletter",
        "NEWSFLOW_TOPICS_ENTITIES": f"{prefix}.entities",
        "NEWSFLOW_TOPICS_STANCE": f"{prefix}.stance",
        "NEWSFLOW_TOPICS_TRENDS": f"{prefix}.trends",
        "NEWSFLOW_TOPICS_STORIES": f"{prefix}.stories",
        "NEWSFLOW_TOPICS_PARTITIONS": "2",
        "NEWSFLOW_WORKER_APP_ID": f"{prefix}-app",
        "NEWSFLOW_WORKER_PROCESSES": "1",
        "NEWSFLOW_METRICS_PORT": str(free_port()),
        "NEWSFLOW_KAFKA_CONNECT_TIMEOUT_SECONDS": "10",
    }
    values.update(overrides)
    return Env(values)


@pytest.fixture
def make_env(tmp_path: Path, unique: str) -> Callable[..., Env]:
    counter = iter(range(100))

    def factory(**overrides: str) -> Env:
        n = next(counter)
        return new_env(tmp_path / f"state{n}", f"t{unique}{n}", **overrides)

    return factory


@pytest.fixture
def env(make_env: Callable[..., Env]) -> Env:
    e = make_env()
    ensure_topics(e.settings)
    return e


class Worker:
    """A real `newsflow worker` process."""

    module = "pipeline.cli"  # run as ``python -m <module> worker``

    def __init__(self, env: Env, log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self._offset = 0  # where the current run's lines start in the log

    def start(self, timeout: float = 90) -> Worker:
        return self.launch().wait_ready(timeout)

    def launch(self) -> Worker:
        """Start the process without waiting for it: several workers (or a worker and the
        test's own preparation) can load their models at the same time."""
        self._offset = self.log.stat().st_size if self.log.exists() else 0  # this run's lines
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module, "worker"],
                env={**os.environ, **self.env.vars, "PYTHONUNBUFFERED": "1"},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_ready(self, timeout: float = 90) -> Worker:
        """Wait for the launched worker's "Ready" (it has joined its group)."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"worker died: {self.log.read_text()[-3000:]}"
            with open(self.log, "rb") as log:
                log.seek(self._offset)
                if b"Worker]: Ready" in log.read():
                    return self
            time.sleep(0.1)
        raise AssertionError(f"worker not ready in {timeout}s: {self.log.read_text()[-3000:]}")

    def scrape(self) -> str:
        port = self.env.vars["NEWSFLOW_METRICS_PORT"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            return str(r.read().decode())

    def wait_for(self, done: Callable[[str], bool], timeout: float = 60) -> str:
        """The first scrape of the worker's metrics for which ``done`` holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            scrape = self.scrape()
            if done(scrape):
                return scrape
            time.sleep(0.1)
        raise AssertionError(f"condition not reached in {timeout} s; last scrape:\n{scrape}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def start_all(*workers: Worker, timeout: float = 90) -> list[Worker]:
    """Launch every worker, then wait until each is ready (their start-ups overlap)."""
    for w in workers:
        w.launch()
    try:
        return [w.wait_ready(timeout) for w in workers]
    except BaseException:
        for w in workers:
            if w.alive:
                w.stop(signal.SIGKILL)
        raise


@pytest.fixture(scope="session")
def _stopping() -> Iterator[list[Worker]]:
    """Workers told to stop at a test's end; the session waits for them once, at its end,
    so that no test waits for the previous one's worker to leave its group."""
    stopping: list[Worker] = []
    yield stopping
    for w in stopping:
        assert w.process is not None
        try:
            w.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            w.process.kill()
            w.process.wait()


@pytest.fixture
def worker(env: Env, tmp_path: Path, _stopping: list[Worker]) -> Iterator[Worker]:
    w = Worker(env, tmp_path / "worker.log").start()
    yield w
    if w.alive and w.process is not None:
        w.process.send_signal(signal.SIGTERM)  # its exit is awaited at the session's end
        _stopping.append(w)


def producer() -> KafkaProducer:
    return KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")


def read_topic(topic: str, expected: int, timeout: float = 60) -> list[tuple[bytes, bytes]]:
    """(key, value) of the first ``expected`` messages of a topic, from the beginning."""
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, isolation_level="read_committed")
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        got: list[tuple[bytes, bytes]] = []
        deadline = time.monotonic() + timeout
        while len(got) < expected and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                got.extend((r.key, r.value) for r in records)
        return got
    finally:
        consumer.close()


def metric_value(exposition: str, name: str, **labels: str) -> float:
    """The value of one sample of a Prometheus text exposition (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def read_all(topic: str) -> list[Any]:
    """Every committed record of ``topic`` (read_committed), from the beginning to the end
    offsets when called."""
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, isolation_level="read_committed")
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        got: list[Any] = []
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            for records in consumer.poll(timeout_ms=500).values():
                got += records
        return got
    finally:
        consumer.close()
