"""The real ``newsflow worker`` subprocesses a bench session measures, in one consumer group."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kafka.errors import KafkaError

from pipeline.config import Settings
from pipeline.errors import BenchError
from pipeline.kafka.topics import admin_client
from pipeline.tools.bench_proc import Memory, peak_rss
from pipeline.tools.bench_report import Shape, count_rebalances
from pipeline.tools.ports import free_port
from pipeline.tools.processes import stop_gracefully

READY_TIMEOUT = 180.0  # model loading on a busy 2-core machine
TOPIC_ROLES = ("raw", "enriched", "deadletter", "entities", "stance")


def say(message: str) -> None:
    """Progress goes to stderr so that ``--json`` output stays parseable."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


class WorkerGroup:
    """Real ``newsflow worker`` subprocesses sharing one consumer group."""

    def __init__(self, settings: Settings, shape: Shape, workdir: Path) -> None:
        self.settings = settings
        self.shape = shape
        self.rebalances = 0
        self.logs = [workdir / f"{settings.worker.app_id}-{i}.log" for i in range(shape.workers)]
        self.procs: list[subprocess.Popen[bytes]] = []
        self.ports = [free_port() for _ in range(shape.workers)]  # each worker's /metrics

    def __enter__(self) -> WorkerGroup:
        say(f"starting {self.shape.workers} worker(s) × {self.shape.processes} process(es) …")
        for index, log in enumerate(self.logs):
            with open(log, "ab") as out:
                self.procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "pipeline.cli", "worker"],
                        env=self._env(index, log.parent),
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            _stop(proc)

    def _env(self, index: int, workdir: Path) -> dict[str, str]:
        s = self.settings
        return {
            **os.environ,
            "NEWSFLOW_KAFKA_BOOTSTRAP": s.bootstrap_servers,
            "NEWSFLOW_STATE_DIR": str(workdir / f"{s.worker.app_id}-{index}"),
            **{f"NEWSFLOW_TOPICS_{n.upper()}": getattr(s.topics, n) for n in TOPIC_ROLES},
            "NEWSFLOW_TOPICS_PARTITIONS": str(s.topics.partitions),
            "NEWSFLOW_WORKER_APP_ID": s.worker.app_id,
            "NEWSFLOW_WORKER_PROCESSES": str(self.shape.processes),
            "NEWSFLOW_METRICS_PORT": str(self.ports[index]),
            "PYTHONUNBUFFERED": "1",
        }

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    @property
    def alive(self) -> list[subprocess.Popen[bytes]]:
        return [p for p in self.procs if p.poll() is None]

    def wait_ready(self) -> None:
        """Every worker logged Ready and the group is stable with all of them in it."""
        deadline = time.monotonic() + READY_TIMEOUT
        while not all(b"Worker]: Ready" in log.read_bytes() for log in self.logs):
            self._check(deadline, "not ready")
        while self._members() != len(self.procs):
            self._check(deadline, "group not stable")

    def _check(self, deadline: float, what: str) -> None:
        for proc, log in zip(self.procs, self.logs, strict=True):
            if proc.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:]
                raise BenchError(f"worker exited with code {proc.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            raise BenchError(f"workers {what} after {READY_TIMEOUT:.0f}s; logs in {self.logs[0]}")
        time.sleep(0.5)

    def _members(self) -> int:
        """Members of the consumer group when it is Stable, else -1."""
        admin = admin_client(self.settings)
        try:
            group_id = self.settings.worker.app_id
            described = admin.describe_groups([group_id]).get(group_id, {})
        except KafkaError:
            return -1
        finally:
            admin.close()
        if described.get("group_state") != "Stable":
            return -1
        return len(described.get("members", []))

    @contextmanager
    def window(self) -> Iterator[None]:
        """Count the rebalance lines the workers log while the block runs."""
        marks = [log.stat().st_size for log in self.logs]
        try:
            yield
        finally:
            for log, mark in zip(self.logs, marks, strict=True):
                with open(log, "rb") as f:
                    f.seek(mark)
                    self.rebalances += count_rebalances(f.read().decode(errors="replace"))

    def batch_counts(self) -> tuple[int, int]:
        """Requests sent to the NLP processes so far and the articles they carried, summed
        over the live workers (their ``newsflow_nlp_batch_articles`` histogram)."""
        requests = articles = 0.0
        for proc, port in zip(self.procs, self.ports, strict=True):
            if proc.poll() is not None:
                continue
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
                text = r.read().decode()
            for line in text.splitlines():
                if line.startswith("newsflow_nlp_batch_articles_count "):
                    requests += float(line.split()[1])
                elif line.startswith("newsflow_nlp_batch_articles_sum "):
                    articles += float(line.split()[1])
        return round(requests), round(articles)

    def memory(self) -> list[Memory]:
        return [peak_rss(p.pid, self.shape.label) for p in self.alive]

    def shrink_to_one(self) -> None:
        """Stop all but the first worker; wait until it alone holds the partitions."""
        say("stopping all workers but one …")
        for proc in self.procs[1:]:
            _stop(proc)
        self.procs, self.logs, self.ports = self.procs[:1], self.logs[:1], self.ports[:1]
        self.shape = Shape(1, self.shape.processes)
        deadline = time.monotonic() + READY_TIMEOUT
        while self._members() != 1:
            self._check(deadline, "group not stable")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    stop_gracefully(proc, timeout=60)
