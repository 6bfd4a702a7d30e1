"""``newsflow bench``: how close the Kafka pipeline comes to the bare model, on the real broker.

One invocation, on the synthetic corpus of :mod:`pipeline.tools.corpus`:

1. **ceiling** — an ``EnrichPool`` with as many NLP processes in all, one article a call;
2. **pipeline** — W ``newsflow worker`` processes × P NLP processes; the articles are put on
   the raw topic in one burst once the group is stable, timed from the first consumed
   article (its ``meta.enriched_at``) to the last enriched event's Kafka timestamp;
3. **latency** — enriched event's minus raw message's Kafka timestamp, at 50 % load;
4. **scaling** — one worker with one process against the two-process designs (2×1, 1×2);
5. **memory** — peak RSS (VmHWM) of each worker plus its children;
6. **rebalances** — group trouble logged by the workers inside the measurement windows.

Every session has its own topics (``bench-<run>-s<n>.*``) and group, deleted at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kafka import KafkaProducer
from kafka.errors import KafkaError

from pipeline.config import Settings
from pipeline.consume.subscribe import open_consumer
from pipeline.errors import BenchError, NewsflowError
from pipeline.ingest.loaders import Loaded
from pipeline.ingest.publisher import Publisher
from pipeline.kafka.clients import kafka_python_config
from pipeline.kafka.topics import admin_client, ensure_topics
from pipeline.models import RawArticle, Timings
from pipeline.tools.bench_report import (
    Ceiling,
    Figures,
    Latency,
    Memory,
    Shape,
    Throughput,
    conditions,
    count_rebalances,
    latency_of,
    load_average,
    peak_rss,
    table,
    to_json,
)
from pipeline.tools.corpus import generate, relabelled
from pipeline.tools.processes import stop_gracefully
from pipeline.worker.nlp_pool import EnrichPool

SEED = 7
SHORT_LATENCY_SECONDS = 10.0
LOAD_FACTOR = 0.5  # the latency phase offers half the measured throughput
READY_TIMEOUT = 180.0
TOPIC_ROLES = (
    "raw",
    "enriched",
    "deadletter",
    "entities",
    "stance",
)  # model loading on a busy 2-core machine


def run_bench(
    settings: Settings,
    articles: int,
    workers: int,
    processes: int,
    latency_seconds: float,
    short: bool,
    as_json: bool,
) -> int:
    """Measure and print the figures (a table, or JSON with ``as_json``); 0 on success."""
    if min(articles, workers, processes) < 1 or latency_seconds <= 0:
        raise BenchError("articles, workers, processes and latency seconds must be positive")
    admin_client(settings).close()  # fail fast, before minutes of ceiling, without a broker
    corpus = generate(articles, SEED)
    run = f"bench-{uuid.uuid4().hex[:8]}"
    fig = Figures(conditions=conditions(settings, corpus, workers, processes, short))
    fig.conditions["run"] = run
    # Tagged like every phase's articles, so that the ceiling parses the same text.
    tagged = relabelled(corpus, "c", articles)
    fig.ceilings.append(measure_ceiling(settings, tagged, workers * processes))
    if not short and workers * processes > 1:
        fig.ceilings.append(measure_ceiling(settings, tagged, 1))
    seconds = min(latency_seconds, SHORT_LATENCY_SECONDS) if short else latency_seconds
    workdir = Path(tempfile.mkdtemp(prefix=f"newsflow-{run}-"))
    try:
        for index, (w, p) in enumerate(_sessions(workers, processes, short)):
            session = _isolated(settings, f"{run}-s{index}", max(w, settings.topics.partitions))
            _session(session, fig, corpus, Shape(w, p), seconds if index == 0 else None, workdir)
    except BaseException:
        _say(f"worker logs kept in {workdir}")
        raise
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    finally:
        _delete_topics(settings, run)
    fig.conditions["load_after"] = load_average()
    print(json.dumps(to_json(fig), indent=2) if as_json else table(fig), flush=True)
    return 0


def _sessions(workers: int, processes: int, short: bool) -> list[tuple[int, int]]:
    """The configuration asked for, then (unless short) the other two-process design."""
    main = (workers, processes)
    other = {(2, 1): (1, 2), (1, 2): (2, 1), (1, 1): (2, 1)}.get(main)
    return [main] if short or other is None else [main, other]


def _say(message: str) -> None:
    """Progress goes to stderr so that ``--json`` output stays parseable."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def measure_ceiling(settings: Settings, corpus: list[RawArticle], processes: int) -> Ceiling:
    """The corpus through the worker's own pool, all articles queued at once, no Kafka."""
    _say(f"ceiling: {len(corpus)} articles, {processes} process(es) …")
    pool = EnrichPool(settings.enrich, processes)
    pool.start()  # model loading is not part of the rate
    try:
        started = time.perf_counter()
        timings = asyncio.run(_enrich_all(pool, corpus))
        elapsed = time.perf_counter() - started
    finally:
        pool.close()
    median = statistics.median(t.get("total", 0.0) for t in timings)
    return Ceiling(processes, len(corpus) / elapsed, median)


async def _enrich_all(pool: EnrichPool, corpus: list[RawArticle]) -> list[Timings]:
    results = await asyncio.gather(*(pool.enrich(article) for article in corpus))
    return [timings for _, timings in results]


def _isolated(settings: Settings, prefix: str, partitions: int) -> Settings:
    topics = settings.topics.model_copy(
        update={**{n: f"{prefix}.{n}" for n in TOPIC_ROLES}, "partitions": partitions}
    )
    worker = settings.worker.model_copy(update={"app_id": f"{prefix}-app"})
    return settings.model_copy(update={"topics": topics, "worker": worker})


def _session(
    settings: Settings,
    fig: Figures,
    corpus: list[RawArticle],
    shape: Shape,
    latency_seconds: float | None,
    workdir: Path,
) -> None:
    ensure_topics(settings)
    with WorkerGroup(settings, shape, workdir) as group:
        group.wait_ready()
        main = _throughput(settings, group, corpus, f"{shape.label}t")
        fig.throughputs.append(main)
        if latency_seconds is not None:
            rate = LOAD_FACTOR * main.articles_per_second
            fig.latency = _latency(settings, group, corpus, rate, latency_seconds)
        fig.memory += group.memory()
        if shape.workers > 1:
            group.shrink_to_one()
            fig.throughputs.append(_throughput(settings, group, corpus, f"{shape.label}s"))
        fig.rebalances += group.rebalances


class WorkerGroup:
    """Real ``newsflow worker`` subprocesses sharing one consumer group."""

    def __init__(self, settings: Settings, shape: Shape, workdir: Path) -> None:
        self.settings = settings
        self.shape = shape
        self.rebalances = 0
        self.logs = [workdir / f"{settings.worker.app_id}-{i}.log" for i in range(shape.workers)]
        self.procs: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> WorkerGroup:
        _say(f"starting {self.shape.workers} worker(s) × {self.shape.processes} process(es) …")
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
            "NEWSFLOW_METRICS_PORT": str(_free_port()),
            "PYTHONUNBUFFERED": "1",
        }

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

    def memory(self) -> list[Memory]:
        return [peak_rss(p.pid, self.shape.label) for p in self.alive]

    def shrink_to_one(self) -> None:
        """Stop all but the first worker; wait until it alone holds the partitions."""
        _say("stopping all workers but one …")
        for proc in self.procs[1:]:
            _stop(proc)
        self.procs, self.logs = self.procs[:1], self.logs[:1]
        self.shape = Shape(1, self.shape.processes)
        deadline = time.monotonic() + READY_TIMEOUT
        while self._members() != 1:
            self._check(deadline, "group not stable")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    stop_gracefully(proc, timeout=60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _throughput(
    settings: Settings, group: WorkerGroup, corpus: list[RawArticle], tag: str
) -> Throughput:
    batch = relabelled(corpus, tag, len(corpus))
    _say(f"pipeline {group.shape.label}: {len(batch)} articles …")
    with group.window():
        publisher = Publisher(settings)
        try:
            report = publisher.publish([Loaded("bench", article=a) for a in batch])
        finally:
            publisher.close()
        if report.errors:
            raise BenchError(f"could not pre-load the raw topic: {report.errors[0]}")
        arrived = _collect(settings, {a.id for a in batch})
    start = min(e.enriched_at for e in arrived.values())
    end = max(e.timestamp for e in arrived.values())
    return Throughput(group.shape.workers, group.shape.processes, len(batch), end - start)


def _latency(
    settings: Settings, group: WorkerGroup, corpus: list[RawArticle], rate: float, seconds: float
) -> Latency:
    batch = relabelled(corpus, "l", max(1, round(rate * seconds)))
    _say(f"latency: {len(batch)} articles at {rate:.2f}/s …")
    with group.window():
        sent = _paced(settings, batch, rate)
        arrived = _collect(settings, set(sent))
    latencies = [arrived[i].timestamp - produced for i, produced in sent.items()]
    return latency_of(latencies, rate, seconds)


def _paced(settings: Settings, batch: list[RawArticle], rate: float) -> dict[str, float]:
    """Send at a steady ``rate`` per second; the produce timestamps (s) by article id."""
    producer = KafkaProducer(**kafka_python_config(settings), acks="all", linger_ms=0)
    sent: dict[str, float] = {}
    started = time.monotonic()
    try:
        for k, article in enumerate(batch):
            time.sleep(max(0.0, started + k / rate - time.monotonic()))
            stamp = int(time.time() * 1000)
            value = article.model_dump_json(exclude_none=True).encode()
            producer.send(
                settings.topics.raw, key=article.id.encode(), value=value, timestamp_ms=stamp
            )
            sent[article.id] = stamp / 1000
        producer.flush(timeout=settings.kafka.delivery_timeout_seconds)
    finally:
        producer.close()
    return sent


@dataclass(frozen=True)
class Arrival:
    timestamp: float  # the enriched event's Kafka timestamp, seconds since the epoch
    enriched_at: float  # when the worker started on it (meta.enriched_at)


def _collect(settings: Settings, ids: set[str]) -> dict[str, Arrival]:
    """Read the enriched topic until every id has arrived (the first copy of each counts)."""
    timeout = 60.0 + 2.0 * len(ids)  # a working pipeline does far better than 0.5 article/s
    consumer = open_consumer(settings, settings.topics.enriched, group=None, from_beginning=True)
    found: dict[str, Arrival] = {}
    deadline = time.monotonic() + timeout
    try:
        while ids - found.keys():
            if time.monotonic() > deadline:
                missing = len(ids - found.keys())
                raise BenchError(f"{missing} article(s) not enriched within {timeout:.0f}s")
            for records in consumer.poll(timeout_ms=500).values():
                for r in records:
                    key = r.key.decode() if r.key else ""
                    if key in ids and key not in found:
                        meta = json.loads(r.value)["meta"]
                        started = datetime.fromisoformat(meta["enriched_at"]).timestamp()
                        found[key] = Arrival(r.timestamp / 1000, started)
    finally:
        consumer.close()
    return found


def _delete_topics(settings: Settings, run: str) -> None:
    """Remove this run's topics (Faust's internal ones included); leftovers are only noted."""
    try:
        admin = admin_client(settings)
        try:
            mine = [t for t in admin.list_topics() if t.startswith(run)]
            if mine:
                admin.delete_topics(mine)
        finally:
            admin.close()
    except (KafkaError, NewsflowError) as exc:
        _say(f"could not delete the topics {run}-*: {exc}")
