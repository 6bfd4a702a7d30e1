"""The worker's metrics as operators see them: a real Prometheus server with the real rules,
``promtool check metrics`` on a real scrape, the dashboard's metrics in that scrape, and a
round trip through the topics with Debian's ``kcat`` (librdkafka) instead of Python clients.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from pipeline.ingest.feed_metrics import FeedMetrics
from pipeline.ingest.serve import IngestMetrics
from pipeline.kafka.topics import ensure_topics
from pipeline.models import EnrichedArticle
from tests.conftest import free_port, isolate
from tests.integration.conftest import BOOTSTRAP, Env, Worker, new_env, producer, read_topic
from tests.unit.test_prometheus_rules import (
    ALERTS,
    RECORDING,
    SYNTHETIC,
    dashboard_metric_names,
    promql_metric_names,
    recording_rule_names,
    rules,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
RULE_FILES = [RECORDING, ALERTS]

# Six articles the NLP finds entities and stances in, and two messages it must reject.
ARTICLES = [
    "President Emmanuel Macron of France rejected the ceasefire proposal on Tuesday.",
    "German Chancellor Olaf Scholz said Germany supports sanctions against Russia.",
    "Prime Minister Keir Starmer welcomed the peace talks in Geneva.",
    "Prime Minister Justin Trudeau of Canada backed military aid to Ukraine.",
    "Senator Bernie Sanders opposed arms deliveries, his office in Vermont said.",
    "Chancellor Friedrich Merz criticised the peace deal during a visit to Warsaw.",
]
INVALID = [b"this is not json", b'{"id": "bad-blank", "body": "   "}']


ENV = {"NEWSFLOW_METRICS_LAG_INTERVAL_SECONDS": "1", "NEWSFLOW_TRENDS_ENABLED": "true"}


@pytest.fixture
def env(make_env: Callable[..., Env]) -> Env:
    """The conftest env, with the lag gauges refreshed every second instead of every 10, and
    the trends on (their metrics are in the scrape promtool checks)."""
    e = make_env(**ENV)
    ensure_topics(e.settings)
    return e


def _tool(name: str) -> str:
    exe = shutil.which(name)
    assert exe, f"{name} is missing: scripts/system-deps.sh test installs it"
    return exe


def _produce_batch(env: Env) -> None:
    topic = env.settings.topics.raw
    p = producer()
    for i, body in enumerate(ARTICLES):
        article = {"id": f"prom-{i}", "title": "Diplomacy", "body": body}
        p.send(topic, key=f"prom-{i}".encode(), value=json.dumps(article).encode())
    for i, value in enumerate(INVALID):
        p.send(topic, key=f"bad-{i}".encode(), value=value)
    p.flush()
    p.close()


def _await_batch(env: Env) -> None:
    topics = env.settings.topics
    assert len(read_topic(topics.enriched, len(ARTICLES), timeout=40)) == len(ARTICLES)
    assert len(read_topic(topics.deadletter, len(INVALID), timeout=20)) == len(INVALID)


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A worker's scrape after it enriched the batch and its lag gauges caught up: the tests
    that only read a scrape share one worker (a worker start and a batch each)."""
    directory = tmp_path_factory.mktemp("processed")
    env = new_env(directory, f"t{uuid.uuid4().hex[:10]}p", **ENV)
    with pytest.MonkeyPatch.context() as monkeypatch:  # what each test gets, for this module
        isolate(monkeypatch)
        ensure_topics(env.settings)
        worker = Worker(env, directory / "worker.log").start()
        try:
            _produce_batch(env)
            _await_batch(env)
            _wait(lambda: "newsflow_consumer_lag_messages{" in worker.scrape(), "lag gauges")
            return worker.scrape()
        finally:
            worker.stop()


def _wait(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.3)


# --- a real Prometheus server --------------------------------------------------------------


@dataclass
class Prometheus:
    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def ready(self) -> bool:
        assert self.process.poll() is None, f"prometheus died: {self.log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError):
            return False

    def get(self, path: str, **params: str) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}{path}{query}", timeout=5) as response:
            body = json.loads(response.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The instant vector ``expr`` evaluates to now."""
        data = self.get("/api/v1/query", query=expr)
        assert data["resultType"] == "vector", data
        return list(data["result"])

    def scalar(self, expr: str) -> float | None:
        """The value of a single-series result, or None while there is none."""
        result = self.query(expr)
        assert len(result) <= 1, result
        return float(result[0]["value"][1]) if result else None


@pytest.fixture
def prometheus(env: Env, tmp_path: Path) -> Iterator[Prometheus]:
    """Prometheus scraping this test's worker every second and evaluating the real rules."""
    port = free_port()
    target = f"127.0.0.1:{env.vars['NEWSFLOW_METRICS_PORT']}"
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(p) for p in RULE_FILES],
        "scrape_configs": [
            {
                "job_name": "newsflow-worker",
                "static_configs": [{"targets": [target]}],
            }
        ],
    }
    config_file = tmp_path / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(config))
    log = tmp_path / "prometheus.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                _tool("prometheus"),
                f"--config.file={config_file}",
                f"--storage.tsdb.path={tmp_path / 'prometheus-data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Prometheus(f"http://127.0.0.1:{port}", log, process)
    try:
        _wait(server.ready, "prometheus to be ready")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def test_prometheus_scrapes_the_worker_and_evaluates_the_rules(
    env: Env, worker: Worker, prometheus: Prometheus
) -> None:
    raw = env.settings.topics.raw
    _wait(lambda: prometheus.scalar('up{job="newsflow-worker"}') == 1, "the first scrape")
    _produce_batch(env)
    _await_batch(env)

    def counted() -> bool:
        enriched = prometheus.scalar("sum(newsflow_articles_enriched_total)")
        dead = prometheus.scalar("sum(newsflow_articles_deadlettered_total)")
        return (enriched, dead) == (len(ARTICLES), len(INVALID))

    _wait(counted, "the batch to be counted by Prometheus")
    consumed = prometheus.scalar(f'sum(newsflow_articles_consumed_total{{topic="{raw}"}})')
    assert consumed == len(ARTICLES) + len(INVALID)
    reasons = prometheus.query("sum by (reason) (newsflow_articles_deadlettered_total)")
    # Every known reason exists from the start (at 0); only these two were counted.
    assert {r["metric"]["reason"] for r in reasons if float(r["value"][1]) > 0} == {
        "invalid_json",
        "empty_body",
    }

    median = prometheus.scalar(
        "histogram_quantile(0.5, sum by (le) (newsflow_end_to_end_latency_seconds_bucket))"
    )
    assert median is not None and math.isfinite(median) and median > 0

    # Recording rules produce series from the real exposition (lag: refreshed every second).
    _wait(lambda: bool(prometheus.query("newsflow:consumer_lag_messages:max")), "lag rule")
    lag = prometheus.query("newsflow:consumer_lag_messages:max")
    assert {(s["metric"]["topic"], s["metric"]["partition"]) for s in lag} == {
        (raw, "0"),
        (raw, "1"),
    }
    # A rate needs two samples of the counter: give the scrapes a moment.
    _wait(lambda: bool(prometheus.query("newsflow:articles_consumed:rate5m")), "rate rule")
    rate = prometheus.query("newsflow:articles_consumed:rate5m")
    assert [s["metric"] for s in rate] == [{"__name__": "newsflow:articles_consumed:rate5m",
                                            "topic": raw}]  # fmt: skip

    # Every rule evaluated against real data without an error. No alert is even pending:
    # 2 of 8 dead-lettered is 25 %, but under the volume floor of NewsflowDeadLetterRatioHigh.
    groups = prometheus.get("/api/v1/rules")["groups"]
    evaluated = [rule for group in groups for rule in group["rules"]]
    assert len(evaluated) == len(rules(RECORDING)) + len(rules(ALERTS))
    assert [(r["name"], r.get("lastError")) for r in evaluated if r["health"] != "ok"] == []
    assert prometheus.get("/api/v1/alerts")["alerts"] == []


def test_real_scrape_passes_promtool_check_metrics(processed: str) -> None:
    scrape = processed
    assert "newsflow_articles_enriched_total{" in scrape
    result = subprocess.run(
        [_tool("promtool"), "check", "metrics"],
        input=scrape,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def _poller_and_ingest_metric_names() -> set[str]:
    """Names the feed poller and the HTTP ingest export (other processes than the worker;
    their panels share the dashboard), read from their metric containers."""
    registry = CollectorRegistry()
    FeedMetrics(registry)
    IngestMetrics(registry)
    return {
        family.name + suffix
        for family in registry.collect()
        for suffix in _SUFFIXES.get(family.type, ("",))
    }


def test_every_metric_the_dashboard_queries_is_in_a_real_scrape(processed: str) -> None:
    scraped = {
        sample.name
        for family in text_string_to_metric_families(processed)
        for sample in family.samples
    }
    allowed = scraped | recording_rule_names() | SYNTHETIC | _poller_and_ingest_metric_names()
    assert dashboard_metric_names() - allowed == set()
    # ...and the recording rules it relies on are built from metrics the scrape has.
    for rule in rules(RECORDING):
        assert promql_metric_names(rule["expr"]) <= scraped | recording_rule_names(), rule


def test_kcat_feeds_the_worker_and_reads_its_enriched_events(env: Env, worker: Worker) -> None:
    kcat = _tool("kcat")
    topics = env.settings.topics
    articles = {
        "kcat-1": {"id": "kcat-1", "title": "Talks", "body": ARTICLES[2]},
        "kcat-2": {"id": "kcat-2", "title": "Aid", "body": ARTICLES[3]},
    }
    lines = "".join(f"{key}\t{json.dumps(a)}\n" for key, a in articles.items())
    produced = subprocess.run(
        [kcat, "-P", "-b", BOOTSTRAP, "-t", topics.raw, "-K", "\t"],
        input=lines,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert produced.returncode == 0, produced.stderr

    consumed = subprocess.run(
        [kcat, "-C", "-b", BOOTSTRAP, "-t", topics.enriched, "-o", "beginning", "-c", "2",
         "-f", "%k\t%s\n", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert consumed.returncode == 0, consumed.stderr
    events: dict[str, EnrichedArticle] = {}
    for line in consumed.stdout.splitlines():
        key, value = line.split("\t", 1)
        events[key] = EnrichedArticle.model_validate_json(value)
    assert set(events) == set(articles)
    for key, event in events.items():
        assert event.id == key and event.body == articles[key]["body"]
        assert event.entities and event.meta.model_name
