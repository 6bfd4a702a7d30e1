"""Smoke test of ``newsflow bench`` in short mode: it runs end to end and its figures are sane.

Not a performance test: nothing here asserts the issue's goals, only that each figure is of
the right kind and order, so a loaded CI machine cannot fail it.
"""

from __future__ import annotations

import json
import time

import pytest
from kafka import KafkaConsumer

from pipeline.config import KafkaSettings, Settings
from pipeline.tools.bench import run_bench
from tests.integration.conftest import BOOTSTRAP

pytestmark = pytest.mark.integration


def _topics_left(prefix: str) -> list[str]:
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP)
    try:
        return [t for t in consumer.topics() if t.startswith(prefix)]
    finally:
        consumer.close()


# About a minute on a quiet 2-core machine; the bound leaves room for a loaded one (the whole
# suite, or other jobs, beside it) while still catching a short mode that grew long.
@pytest.mark.timeout(180)
def test_short_bench_reports_sane_figures(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(kafka=KafkaSettings(bootstrap=BOOTSTRAP))
    started = time.monotonic()

    code = run_bench(
        settings, articles=20, workers=2, processes=1, latency_seconds=60, short=True, as_json=True
    )

    assert code == 0
    figures = json.loads(capsys.readouterr().out)
    assert time.monotonic() - started < 180
    assert figures["conditions"]["articles"] == 20
    assert figures["conditions"]["corpus"] == "real"
    assert isinstance(figures["conditions"]["others"], list)
    # Warmed up before measuring: the broker by committed transactions, each design by a
    # burst of other articles (3 per NLP process in short mode).
    warm = figures["conditions"]["warm_up"]
    assert warm["broker_transactions"] > 0 and warm["broker_seconds"] >= 3
    assert warm["designs"]["2x1"]["articles"] == 6 and set(warm["designs"]) == {"2x1"}
    bare = figures["bare"]
    assert bare["articles"] == 20 and bare["articles_per_second"] > 0
    assert 0 < bare["cpu_seconds"] <= 2 * bare["seconds"]
    assert all(c["articles_per_second"] > 0 for c in figures["ceiling"])
    # The story step, timed on the articles the ceiling enriched (3 rounds of 20).
    (step,) = figures["steps"]
    assert (step["step"], step["articles"], step["index_articles"]) == ("stories", 60, 60)
    assert 0 < step["p50_ms"] <= step["p99_ms"]
    assert set(figures["throughput"]) == {"2x1", "1x1"}
    assert all(rate > 0 for rate in figures["throughput"].values())
    assert 0 < figures["pipeline"]["ratio_to_ceiling"] < 2
    assert figures["scaling"]["2x1/1x1"] > 0
    assert 0 < figures["pipeline"]["ratio_to_bare"] < 4
    assert 0.3 < figures["pipeline"]["cpu_ratio_to_bare"] < 3
    # CPU by kind in each window: the NLP processes did the work, the loops and the broker
    # (found from `newsflow kafka start`'s pid file or its listening socket) took their share.
    windows = {c["window"]: c for c in figures["cpu"]}
    assert set(windows) == {"ceiling 2p", "pipeline 2x1", "latency 2x1", "pipeline 1x1"}
    assert windows["ceiling 2p"]["ms_per_article"]["loop"] == 0
    for name in ("pipeline 2x1", "pipeline 1x1", "latency 2x1"):
        ms = windows[name]["ms_per_article"]
        assert ms["nlp"] > ms["loop"] > 0 and ms["broker"] > 0, (name, ms)
        assert 0 < windows[name]["cores"]["nlp"] <= 2.05
    latency = figures["latency"]
    assert latency["count"] >= 1 and latency["seconds"] == 10
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]
    assert len(figures["memory"]) == 2
    assert all(m["worker_bytes"] > 0 and m["children_bytes"] > 0 for m in figures["memory"])
    assert isinstance(figures["rebalances"], int) and figures["rebalances"] >= 0
    assert {g["name"] for g in figures["goals"]} == {
        "pipeline / one bare spaCy process",
        "enrichment CPU / bare spaCy CPU per article",
        "worker loop + broker at 15 articles/s (cores)",
        "p99 latency at half load (s)",
        "rebalances",
        "worker peak RSS (MB)",
    }
    # Its topics are gone (deletion is asynchronous on the broker: allow it a moment).
    deadline = time.monotonic() + 10
    while _topics_left(figures["conditions"]["run"]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _topics_left(figures["conditions"]["run"]) == []
