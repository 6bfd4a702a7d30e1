"""What trends cost a worker, on the real broker: event-loop CPU per article, memory, the
changelog records written, and how long a restart spends reading the tables back.

The articles are `newsflow bench`'s default corpus (real NewsMTSC sentences at real-news
lengths), enriched once by the shipped enricher (cached, see ``scripts/stories_cost.py``).
They are put on the enriched topic ``--rounds`` times under new article ids, each followed by
its derived events (``split_events``: one per entity, one per stance tag) on the entities and
stance topics, as the worker writes them; the worker's trend agents count exactly what they
would count after enriching those articles, whichever topics they read, and nothing else runs
in the worker meanwhile (``news.raw`` stays empty): the worker process's own CPU time (its
event loop; the NLP processes are its children and idle) over the count and the next publish
of what it counted, less its idle rate, is what trends cost. Then the worker restarts and the
seconds its recovery spends reading the changelogs are read from Faust's log.

    flock /work/it.lock .venv/bin/python scripts/trends_cost.py   # a broker on 9092
    .venv/bin/python scripts/trends_cost.py --in-memory            # no broker

``--in-memory`` cuts the articles into portions and runs the counting agent on them in this
process over Faust tables in memory, the changelog sends counted instead of produced
(Faust's ``agent.test_context()``): the CPU of the cutting, the counting and the table
writes without the Kafka client's, and the memory the rows take.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from pipeline.models import split_events
from pipeline.tools.bench import ARTICLES, SEED
from pipeline.tools.bench_corpus import bench_corpus
from pipeline.tools.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stories_cost() -> object:
    spec = importlib.util.spec_from_file_location("stories_cost", ROOT / "scripts/stories_cost.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process itself (not its children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def metric(port: str, name: str, **labels: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


def by_label(port: str, name: str, label: str) -> dict[str, float]:
    """Every sample of ``name`` by the value of its ``label`` (e.g. rows per table)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    return {
        s.labels[label]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and label in s.labels
    }


class Worker:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.offset = 0

    def start(self) -> float:
        """Launch and wait for Ready; the seconds it took."""
        self.offset = self.log.stat().st_size if self.log.exists() else 0
        started = time.monotonic()
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pipeline.cli", "worker"],
                env={**os.environ, **self.env, "PYTHONUNBUFFERED": "1"},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        while b"Worker]: Ready" not in self.lines():
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            time.sleep(0.1)
        return time.monotonic() - started

    def lines(self) -> bytes:
        with open(self.log, "rb") as f:
            f.seek(self.offset)
            return f.read()

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)

    def recovery_seconds(self) -> float:
        """From Faust's "Restoring state" to its "Done reading" log line, this run."""
        text = self.lines().decode()
        stamp = r"^(\S+ \S+) .*"
        begin = re.search(stamp + "Restoring state from changelog topics", text, re.M)
        end = re.findall(stamp + "Done reading from changelog topics", text, re.M)
        assert begin and end, "no recovery in the log"
        fmt = "%Y-%m-%d %H:%M:%S,%f"
        return (datetime.strptime(end[-1], fmt) - datetime.strptime(begin[1], fmt)).total_seconds()


def records_in(bootstrap: str, prefix: str) -> dict[str, int]:
    """Records per changelog topic of the app (end offsets summed over partitions)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        out = {}
        for topic in sorted(t for t in consumer.topics() if t.startswith(prefix)):
            if topic.endswith("-changelog") or topic.endswith("-repartition"):
                tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
                out[topic.removeprefix(prefix)] = sum(consumer.end_offsets(tps).values())
        return out
    finally:
        consumer.close()


def in_memory(items: list[tuple[Any, float]], rounds: int) -> dict[str, Any]:
    import asyncio
    import tempfile
    import tracemalloc
    from types import SimpleNamespace

    import faust
    from prometheus_client import CollectorRegistry

    from pipeline.config import Settings
    from pipeline.trends.agents import register_agents
    from pipeline.trends.metrics import TrendsMetrics
    from pipeline.trends.portions import TrendInput, cut
    from pipeline.trends.tables import create_tables

    os.environ["NEWSFLOW_STATE_DIR"] = tempfile.mkdtemp()
    settings = Settings()
    app = faust.App("trends-cost", broker="kafka://127.0.0.1:1", store="memory://")
    tables = create_tables(app, settings)
    metrics = TrendsMetrics(CollectorRegistry(), tuple(t.name for t in tables.all()))
    register_agents(app, settings, tables, metrics)
    sent = [0]

    def counted(partition: int | None, *_: Any, **__: Any) -> Any:
        sent[0] += 1
        return SimpleNamespace(message=SimpleNamespace(partition=partition or 0))

    for table in tables.all():
        table.send_changelog = counted
    copies = [a.model_copy(update={"id": f"{a.id}-r{r}"}) for r in range(rounds) for a, _ in items]
    values = [a.model_dump_json().encode() for a in copies]
    now = time.time()
    started = time.process_time()
    portions = [cut(TrendInput.model_validate_json(v), now, tables.partition_of_name)
                for v in values]  # fmt: skip
    cut_cpu = time.process_time() - started

    async def count() -> float:
        async with app.agents["trends_count"].test_context() as agent:
            started = time.process_time()
            for article in portions:
                for partition, value in article.items():
                    await agent.put(value, key=b"-", partition=partition, timestamp=now)
            return time.process_time() - started

    tracemalloc.start()
    cpu = asyncio.run(count())
    traced, _ = tracemalloc.get_traced_memory()
    events = sum(len(split_events(a)[0]) for a in copies)
    return {
        "articles": len(values),
        "entity_events": events,
        "portions_per_article": round(sum(map(len, portions)) / len(values), 2),
        "cut_cpu_ms_per_article": round(1000 * cut_cpu / len(values), 2),
        "count_cpu_ms_per_article": round(1000 * cpu / len(values), 2),
        "changelog_records_per_article": round(sent[0] / len(values)),
        "table_rows": {t.name: len(t.data) for t in tables.all()},
        # Faust's expiry heap: an entry per row write, kept until the row's window expires.
        "expiry_heap_entries": sum(
            len(h) for t in tables.all() for h in t._partition_timestamps.values()
        ),
        "traced_mb": round(traced / 2**20, 1),
        "load_average": os.getloadavg(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/stories_cost_enriched.jsonl"))
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--in-memory", action="store_true", help="no broker: see above")
    parser.add_argument("--profile", type=Path, help="py-spy's samples of the worker while "
                        "it counts and publishes, as collapsed stacks, to this file")  # fmt: skip
    args = parser.parse_args()

    corpus, _ = bench_corpus(ARTICLES, SEED)
    items = _stories_cost().enriched(corpus, args.cache)  # type: ignore[attr-defined]
    if args.in_memory:
        print(json.dumps(in_memory(items, args.rounds), indent=1))
        return 0
    prefix = f"tc{uuid.uuid4().hex[:8]}"
    state = Path(f"/tmp/{prefix}")
    metrics_port = str(free_port())
    env = {
        "NEWSFLOW_KAFKA_BOOTSTRAP": args.bootstrap,
        "NEWSFLOW_STATE_DIR": str(state),
        **{f"NEWSFLOW_TOPICS_{r.upper()}": f"{prefix}.{r}" for r in
           ("raw", "enriched", "deadletter", "entities", "stance", "trends", "stories")},
        "NEWSFLOW_TOPICS_PARTITIONS": "4",
        "NEWSFLOW_WORKER_APP_ID": f"{prefix}-app",
        "NEWSFLOW_WORKER_PROCESSES": "1",
        "NEWSFLOW_METRICS_PORT": metrics_port,
        "NEWSFLOW_TRENDS_ENABLED": "true",
        "NEWSFLOW_WORKER_WEB_ENABLED": "true",
        "NEWSFLOW_WORKER_WEB_PORT": str(free_port()),
    }  # fmt: skip
    state.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "pipeline.cli", "topics", "create"],
                   env={**os.environ, **env}, check=True, capture_output=True)  # fmt: skip
    worker = Worker(env, state / "worker.log")
    ready_empty = worker.start()
    assert worker.process is not None
    pid = worker.process.pid
    time.sleep(5)
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(args.idle_seconds)
    idle_rate = (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
    rss_before = rss_bytes(pid)

    spy = None
    if args.profile:
        spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p",
                                str(pid), "-r", "100", "-f", "raw", "-o", str(args.profile)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(1)
    send = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all", linger_ms=20)
    entity_events = stance_events = 0
    cpu1, t1 = cpu_seconds(pid), time.monotonic()
    for r in range(args.rounds):
        for article, _ in items:
            copy = article.model_copy(update={"id": f"{article.id}-r{r}"})
            # What the worker writes for an article: the article, then its derived events.
            send.send(env["NEWSFLOW_TOPICS_ENRICHED"], key=copy.id.encode(),
                      value=copy.model_dump_json().encode())  # fmt: skip
            entities, stances = split_events(copy)
            for e in entities:
                send.send(env["NEWSFLOW_TOPICS_ENTITIES"], key=e.name.encode(),
                          value=e.model_dump_json().encode())  # fmt: skip
            for s in stances:
                send.send(env["NEWSFLOW_TOPICS_STANCE"], key=s.holder.encode(),
                          value=s.model_dump_json().encode())  # fmt: skip
            entity_events += len(entities)
            stance_events += len(stances)
    send.flush()
    send.close()
    total = entity_events + stance_events
    counted = "newsflow_trends_events_total"
    while metric(metrics_port, counted) < total:
        time.sleep(0.5)
    counted_after = time.monotonic() - t1
    # The snapshots of what was counted are published by a timer: wait for its next run, so
    # that their cost is in the figure too.
    interval = float(os.environ.get("NEWSFLOW_TRENDS_PUBLISH_INTERVAL_SECONDS", "10"))
    time.sleep(interval + 2)
    elapsed = time.monotonic() - t1
    published = metric(metrics_port, "newsflow_trends_published_total")
    cpu = cpu_seconds(pid) - cpu1 - idle_rate * elapsed
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)
    rss_after = rss_bytes(pid)
    rows = by_label(metrics_port, "newsflow_trends_table_rows", "table")
    articles = args.rounds * len(items)
    time.sleep(3)  # the changelog sends in flight
    worker.stop()
    changelogs = records_in(args.bootstrap, f"{prefix}-app-")
    ready_full = worker.start()
    recovery = worker.recovery_seconds()
    rss_recovered = rss_bytes(worker.process.pid)
    worker.stop()
    report = {
        "articles": articles,
        "entity_events": entity_events,
        "stance_events": stance_events,
        "count_seconds_wall": round(counted_after, 1),
        "measured_seconds_wall": round(elapsed, 1),
        "snapshots_published": published,
        "idle_cpu_share": round(idle_rate, 4),
        "cpu_ms_per_article": round(1000 * cpu / articles, 2),
        "cpu_us_per_event": round(1e6 * cpu / total, 1),
        "rss_mb_before": round(rss_before / 2**20, 1),
        "rss_mb_after": round(rss_after / 2**20, 1),
        "rss_mb_after_restart": round(rss_recovered / 2**20, 1),
        "table_rows": rows,
        "changelog_records": changelogs,
        "ready_seconds_empty_tables": round(ready_empty, 1),
        "ready_seconds_full_tables": round(ready_full, 1),
        "recovery_seconds": round(recovery, 1),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
