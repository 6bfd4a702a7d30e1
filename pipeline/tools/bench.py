"""``newsflow bench``: how close the Kafka pipeline comes to the bare model, on the real broker.

One invocation, on real news sentences at real-news lengths (:mod:`.bench_corpus`) or the
user's own articles (``--corpus``):

1. **bare** — one bare spaCy process over the same texts (:mod:`.bench_bare`);
2. **ceiling** — an ``EnrichPool`` with as many NLP processes in all, one article a call;
3. **pipeline** — W ``newsflow worker`` processes × P NLP processes; the articles are put on
   the raw topic in one burst once the group is stable, timed from the first consumed
   article (its ``meta.enriched_at``) to the last enriched event's Kafka timestamp;
4. **latency** — enriched event's minus raw message's Kafka timestamp, at 50 % load;
5. **scaling** — one worker with one process against the two-process designs (2×1, 1×2);
6. **CPU** — per kind of process (NLP, worker loop, broker, bench, other) in every
   ceiling, pipeline and latency window (:mod:`.bench_proc`);
7. **memory** — peak RSS (VmHWM) of each worker plus its children;
8. **rebalances** — group trouble logged by the workers inside the measurement windows.

Nothing is measured cold (:mod:`.bench_warm`): the broker's JVM is warmed up before the
first design, and each design's workers enrich a burst of other articles before their timed
burst, as a long-running broker and worker would have.

Every session has its own topics (``bench-<run>-s<n>.*``) and group, deleted at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
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
from pipeline.models import Enriched, EnrichedArticle, EnrichmentMeta, RawArticle
from pipeline.stories.index import rules_of
from pipeline.stories.signature import MinHash
from pipeline.tools import bench_proc, bench_profile, bench_steps
from pipeline.tools.bench_bare import measure_bare
from pipeline.tools.bench_corpus import bench_corpus, read_corpus
from pipeline.tools.bench_report import (
    Batches,
    Ceiling,
    Figures,
    Latency,
    Shape,
    Throughput,
    conditions,
    latency_of,
    load_average,
    table,
    to_json,
)
from pipeline.tools.bench_warm import warm_articles, warm_broker
from pipeline.tools.bench_workers import TOPIC_ROLES, WorkerGroup, say
from pipeline.tools.corpus import relabelled
from pipeline.worker.nlp_pool import EnrichPool
from pipeline.worker.process import enriched_article

SEED = 7
ARTICLES, SHORT_ARTICLES = 200, 20
SHORT_LATENCY_SECONDS = 10.0
LOAD_FACTOR = 0.5  # the latency phase offers half the measured throughput
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
# Warm-up (untimed): seconds of broker traffic before the first design (at least, at most:
# it ends once the JVM's JIT has settled), and articles per NLP process that each design
# enriches before its timed burst.
WARM_BROKER_SECONDS, SHORT_WARM_BROKER_SECONDS = (15.0, 90.0), (3.0, 3.0)
WARM_PER_PROCESS, SHORT_WARM_PER_PROCESS = 30, 3


def run_bench(
    settings: Settings,
    articles: int | None,
    workers: int,
    processes: int,
    latency_seconds: float,
    short: bool,
    as_json: bool,
    corpus_file: Path | None = None,
) -> int:
    """Measure and print the figures (a table, or JSON with ``as_json``); 0 on success.

    ``articles`` defaults to 200 (20 when ``short``), or to every article of ``corpus_file``.
    """
    if min(articles or 1, workers, processes) < 1 or latency_seconds <= 0:
        raise BenchError("articles, workers, processes and latency seconds must be positive")
    corpus, kind = corpus_for(articles, short, corpus_file)
    if kind == "template":
        say("the NewsMTSC sentences are missing from this install: template corpus instead")
    admin_client(settings).close()  # fail fast, before minutes of ceiling, without a broker
    run = f"bench-{uuid.uuid4().hex[:8]}"
    fig = Figures(conditions=conditions(settings, corpus, kind, (workers, processes), short))
    fig.conditions["run"] = run
    broker = _broker_pid(settings)
    meter = Meter(fig, broker, bench_proc.Census(os.getpid(), broker))
    meter.census.read(bench_proc.processes())
    started = time.monotonic()
    per_process = SHORT_WARM_PER_PROCESS if short else WARM_PER_PROCESS
    sessions = _sessions(workers, processes, short)
    warm_pool, warm_source = warm_pool_for(
        corpus, kind, per_process * max(w * p for w, p in sessions), corpus_file
    )
    # Tagged like every phase's articles, so that the ceiling parses the same text.
    tagged = relabelled(corpus, "c", len(corpus))
    say(f"bare spaCy: {len(corpus)} articles, 1 process …")
    fig.bare = measure_bare(settings.enrich.model, tagged)
    ceiling, enriched = measure_ceiling(settings, tagged, workers * processes, meter)
    fig.ceilings.append(ceiling)
    if settings.stories.enabled:
        say(f"story step: {len(enriched)} articles × {bench_steps.ROUNDS}, on this process …")
        fig.steps.append(bench_steps.story_step(enriched, rules_of(settings)))
    if not short and workers * processes > 1:
        fig.ceilings.append(measure_ceiling(settings, tagged, 1, meter)[0])
    seconds = min(latency_seconds, SHORT_LATENCY_SECONDS) if short else latency_seconds
    workdir = Path(tempfile.mkdtemp(prefix=f"newsflow-{run}-"))
    try:
        least, most = SHORT_WARM_BROKER_SECONDS if short else WARM_BROKER_SECONDS
        say(f"warming up the broker for {least:.0f}–{most:.0f} s …")
        warmed = warm_broker(settings, run, least, most, broker)
        fig.conditions["warm_up"] = {
            "broker_seconds": round(warmed.seconds, 1),
            "broker_transactions": warmed.transactions,
            "broker_records": warmed.records,
            "broker_jit_share_last_slice": warmed.jit_share,
            "articles_per_process": per_process,
            "articles": warm_source,
            "designs": {},
        }
        for index, (w, p) in enumerate(sessions):
            session = _isolated(settings, f"{run}-s{index}", max(w, settings.topics.partitions))
            warm = warm_articles(warm_pool, corpus, per_process * w * p, f"{w}x{p}w")
            latency = seconds if index == 0 else None
            _session(session, meter, corpus, warm, Shape(w, p), latency, workdir)
    except BaseException:
        say(f"worker logs kept in {workdir}")
        raise
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    finally:
        _delete_topics(settings, run)
    fig.conditions["load_after"] = load_average()
    meter.census.read(bench_proc.processes())
    fig.conditions["others"] = meter.census.busiest(time.monotonic() - started)
    print(json.dumps(to_json(fig), indent=2) if as_json else table(fig), flush=True)
    return 0


def corpus_for(
    articles: int | None, short: bool, corpus_file: Path | None
) -> tuple[list[RawArticle], str]:
    """The user's file (cut or cycled to ``articles``), else the default corpus."""
    if corpus_file is None:
        return bench_corpus(articles or (SHORT_ARTICLES if short else ARTICLES), SEED)
    own = read_corpus(corpus_file)
    if articles is None or articles == len(own):
        return own, f"file {corpus_file.name}"
    taken = own[:articles] if articles < len(own) else relabelled(own, "k", articles)
    return taken, f"file {corpus_file.name}"


def warm_pool_for(
    corpus: list[RawArticle], kind: str, count: int, corpus_file: Path | None
) -> tuple[list[RawArticle], str]:
    """Articles to warm the workers up with, and what they are: the ``count`` that follow the
    measured ones in the bench corpus (other sentences, unless the corpus is walked again),
    or, for the user's own file, its articles re-tagged (it has no others)."""
    if corpus_file is not None:
        return [], f"the measured articles of {kind}, re-tagged"
    more, _ = bench_corpus(len(corpus) + count, SEED)
    return more[len(corpus) :], f"{count} other articles of the {kind} corpus, re-tagged"


def _broker_pid(settings: Settings) -> int | None:
    """The local broker: ``newsflow kafka start``'s pid file, else the listener on the port."""
    first = settings.bootstrap_servers.split(",")[0].strip()
    port = bench_proc.port_of(first)
    pid_file = settings.state_dir / "kafka" / "broker.pid"
    if port is None or first.rsplit(":", 1)[0] not in LOCAL_HOSTS:
        return None
    return bench_proc.broker_pid(pid_file, port)


@dataclass
class Meter:
    """CPU accounting of each measurement window, appended to ``fig.cpu``."""

    fig: Figures
    broker: int | None
    census: bench_proc.Census

    @contextmanager
    def window(
        self, name: str, articles: int, loops: Sequence[int], nlp_parents: Sequence[int]
    ) -> Iterator[None]:
        start = bench_proc.sample(loops, nlp_parents, self.broker)
        self.census.read(start.table)
        yield
        end = bench_proc.sample(loops, nlp_parents, self.broker)
        self.census.read(end.table)
        self.fig.cpu.append(bench_proc.between(name, start, end, articles))


def _sessions(workers: int, processes: int, short: bool) -> list[tuple[int, int]]:
    """The configuration asked for, then (unless short) the other two-process design."""
    main = (workers, processes)
    other = {(2, 1): (1, 2), (1, 2): (2, 1), (1, 1): (2, 1)}.get(main)
    return [main] if short or other is None else [main, other]


def measure_ceiling(
    settings: Settings, corpus: list[RawArticle], processes: int, meter: Meter
) -> tuple[Ceiling, list[tuple[EnrichedArticle, MinHash | None]]]:
    """The corpus through the worker's own pool, all articles queued at once, no Kafka;
    and the articles as the pool enriched them, with their MinHash (for the story step)."""
    say(f"ceiling: {len(corpus)} articles, {processes} process(es) …")
    pool = EnrichPool(settings.enrich, processes)
    sizes: list[int] = []
    pool.on_batch = sizes.append
    pool.start()  # model loading is not part of the rate
    try:
        with meter.window(f"ceiling {processes}p", len(corpus), (), [os.getpid()]):
            started = time.perf_counter()
            results = asyncio.run(_enrich_all(pool, corpus))
            elapsed = time.perf_counter() - started
    finally:
        pool.close()
    median = statistics.median(r.timings.get("total", 0.0) for r in results)
    meter.fig.batches.append(Batches(f"ceiling {processes}p", len(sizes), sum(sizes)))
    enriched = [
        (enriched_article(article, r.enrichment, None, _META), r.minhash)
        for article, r in zip(corpus, results, strict=True)
    ]
    return Ceiling(processes, len(corpus) / elapsed, median), enriched


# The story step reads no meta: a placeholder of the right type.
_META = EnrichmentMeta(
    pipeline_version="bench",
    model_name="bench",
    model_version="bench",
    enriched_at=datetime(2026, 1, 1),
    processing_seconds=0.0,
)


async def _enrich_all(pool: EnrichPool, corpus: list[RawArticle]) -> list[Enriched]:
    return list(await asyncio.gather(*(pool.enrich(article) for article in corpus)))


def _isolated(settings: Settings, prefix: str, partitions: int) -> Settings:
    topics = settings.topics.model_copy(
        update={**{n: f"{prefix}.{n}" for n in TOPIC_ROLES}, "partitions": partitions}
    )
    worker = settings.worker.model_copy(update={"app_id": f"{prefix}-app"})
    return settings.model_copy(update={"topics": topics, "worker": worker})


def _session(
    settings: Settings,
    meter: Meter,
    corpus: list[RawArticle],
    warm: list[RawArticle],
    shape: Shape,
    latency_seconds: float | None,
    workdir: Path,
) -> None:
    fig = meter.fig
    ensure_topics(settings)
    with WorkerGroup(settings, shape, workdir) as group:
        group.wait_ready()
        fig.conditions["warm_up"]["designs"][shape.label] = _warm_up(settings, group, warm)
        main = _throughput(settings, group, meter, corpus, f"{shape.label}t")
        fig.throughputs.append(main)
        if latency_seconds is not None:
            rate = LOAD_FACTOR * main.articles_per_second
            fig.latency = _latency(settings, group, meter, corpus, rate, latency_seconds)
        fig.memory += group.memory()
        if shape.workers > 1:
            group.shrink_to_one()
            fig.throughputs.append(_throughput(settings, group, meter, corpus, f"{shape.label}s"))
        fig.rebalances += group.rebalances


def _throughput(
    settings: Settings, group: WorkerGroup, meter: Meter, corpus: list[RawArticle], tag: str
) -> Throughput:
    batch = relabelled(corpus, tag, len(corpus))
    label = group.shape.label
    say(f"pipeline {label}: {len(batch)} articles …")
    metered = meter.window(f"pipeline {label}", len(batch), group.pids, group.pids)
    profiled = bench_profile.sampled(f"pipeline {label}", group.pids)
    with group.window(), metered, _batches(meter.fig, f"pipeline {label}", group), profiled:
        _publish(settings, batch)
        arrived = _collect(settings, {a.id for a in batch})
    start = min(e.enriched_at for e in arrived.values())
    end = max(e.timestamp for e in arrived.values())
    return Throughput(group.shape.workers, group.shape.processes, len(batch), end - start)


def _warm_up(settings: Settings, group: WorkerGroup, warm: list[RawArticle]) -> dict[str, float]:
    """The warm-up burst: like a timed one, but outside every window (no CPU, batches or
    rebalances counted)."""
    say(f"warm-up {group.shape.label}: {len(warm)} articles …")
    started = time.monotonic()
    _publish(settings, warm)
    _collect(settings, {a.id for a in warm})
    return {"articles": len(warm), "seconds": round(time.monotonic() - started, 1)}


def _publish(settings: Settings, batch: list[RawArticle]) -> None:
    """Put ``batch`` on the raw topic at once."""
    publisher = Publisher(settings)
    try:
        report = publisher.publish([Loaded("bench", article=a) for a in batch])
    finally:
        publisher.close()
    if report.errors:
        raise BenchError(f"could not pre-load the raw topic: {report.errors[0]}")


def _latency(
    settings: Settings,
    group: WorkerGroup,
    meter: Meter,
    corpus: list[RawArticle],
    rate: float,
    seconds: float,
) -> Latency:
    batch = relabelled(corpus, "l", max(1, round(rate * seconds)))
    say(f"latency: {len(batch)} articles at {rate:.2f}/s …")
    name = f"latency {group.shape.label}"
    metered = meter.window(name, len(batch), group.pids, group.pids)
    with group.window(), metered, _batches(meter.fig, name, group):
        sent = _paced(settings, batch, rate)
        arrived = _collect(settings, set(sent))
    latencies = [arrived[i].timestamp - produced for i, produced in sent.items()]
    return latency_of(latencies, rate, seconds)


@contextmanager
def _batches(fig: Figures, window: str, group: WorkerGroup) -> Iterator[None]:
    """Count the requests to the NLP processes, and their articles, while the block runs."""
    requests, articles = group.batch_counts()
    yield
    now_requests, now_articles = group.batch_counts()
    fig.batches.append(Batches(window, now_requests - requests, now_articles - articles))


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
        say(f"could not delete the topics {run}-*: {exc}")
