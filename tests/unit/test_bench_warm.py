"""The warm-up articles ``newsflow bench`` sends before each timed burst, and the broker flags
the transaction-cost script compares."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.kafka.broker import JVM_OPTIONS, LocalBroker
from pipeline.tools import bench_warm
from pipeline.tools.bench import warm_pool_for
from pipeline.tools.bench_corpus import bench_corpus
from pipeline.tools.bench_proc import Stat
from pipeline.tools.bench_warm import warm_articles
from pipeline.tools.corpus import relabelled


def _sentences(body: str) -> set[str]:
    return {s.strip() for s in body.replace("\n", " ").split(". ") if len(s.split()) > 4}


def test_the_default_corpus_warms_up_on_the_articles_after_the_measured_ones() -> None:
    measured, kind = bench_corpus(20, 7)
    pool, source = warm_pool_for(measured, kind, 6, None)

    assert kind == "real" and "6 other articles" in source
    assert [a.body for a in pool] == [a.body for a in bench_corpus(26, 7)[0][20:]]
    # Other text: a warm NLP process has not met the measured articles' sentences.
    seen = set().union(*(_sentences(a.body) for a in measured))
    assert not seen & set().union(*(_sentences(a.body) for a in pool))


def test_warm_up_articles_are_new_to_the_worker_and_the_timed_ones_stay_new() -> None:
    measured, kind = bench_corpus(20, 7)
    pool, _ = warm_pool_for(measured, kind, 6, None)
    warm = warm_articles(pool, measured, 6, "1x2w")
    timed = relabelled(measured, "1x2t", 20)

    assert len(warm) == 6 and len({a.id for a in warm}) == 6
    # The worker drops a re-sent article by id, URL or content: none may be shared.
    assert not {a.id for a in warm} & {a.id for a in timed}
    assert not {a.url for a in warm} & {a.url for a in timed} - {None}
    assert not {(a.title, a.body) for a in warm} & {(a.title, a.body) for a in timed}


def test_a_users_corpus_warms_up_on_its_own_articles_re_tagged() -> None:
    measured, _ = bench_corpus(5, 7)
    pool, source = warm_pool_for(measured, "file mine.jsonl", 8, Path("mine.jsonl"))
    warm = warm_articles(pool, measured, 8, "2x1w")
    timed = relabelled(measured, "2x1t", 5)

    assert pool == [] and "re-tagged" in source
    assert len(warm) == 8 and {a.body for a in warm} == {a.body for a in measured}
    assert not {a.id for a in warm} & {a.id for a in timed}
    assert not {a.title for a in warm} & {a.title for a in timed}


def test_broker_jvm_flags_and_properties_can_be_replaced(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path)
    default = LocalBroker(settings)._java_command("java", "cp", "kafka.Kafka")
    assert default[1 : 2 + len(JVM_OPTIONS)] == [f"-Xmx{settings.broker.heap}", *JVM_OPTIONS]

    broker = LocalBroker(
        settings, jvm_options=["-XX:+UseSerialGC"], properties={"num.io.threads": "2"}
    )
    command = broker._java_command("java", "cp", "kafka.Kafka")
    assert "-XX:+UseSerialGC" in command and "-XX:+UseG1GC" not in command
    broker.home.mkdir(parents=True)
    broker._write_properties()
    written = dict(
        line.split("=", 1) for line in broker.properties.read_text().splitlines() if line
    )
    assert written["num.io.threads"] == "2"
    assert written["listeners"].startswith("PLAINTEXT://")  # the rest is still there


def test_the_broker_warm_up_goes_on_while_the_jit_takes_a_tenth_or_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # (broker CPU s, of which JIT threads) at the start and after each slice.
    reads = iter([(10.0, 6.0), (14.0, 8.0), (18.0, 8.5), (22.0, 8.8)])
    now: list[tuple[float, float]] = []

    def table() -> dict[int, Stat]:
        now[:] = [next(reads)]
        return {77: Stat(ppid=1, own=now[0][0], reaped=0.0, name="java")}

    monkeypatch.setattr(bench_warm, "processes", table)
    monkeypatch.setattr(bench_warm, "jvm_threads", lambda pid: {"jit": now[0][1], "gc": 0.0})
    settling = bench_warm._Settling(77)

    assert not settling.settled() and settling.share == pytest.approx(0.5)
    assert not settling.settled() and settling.share == pytest.approx(0.125)
    assert settling.settled() and settling.share == pytest.approx(0.075)
    # A remote broker: nothing to read, the minimum time decides.
    remote = bench_warm._Settling(None)
    assert remote.settled() and remote.share is None
