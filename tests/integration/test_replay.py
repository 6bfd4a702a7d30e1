"""`newsflow replay` on the real broker: the span chosen by publication time, versioned output
topics, a resumed run that adds nothing, and the live topics and group left alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from kafka import KafkaConsumer, TopicPartition

from pipeline.models import DeadLetter, EnrichedArticle
from tests.integration.conftest import BOOTSTRAP, Env, producer, read_all


def _all(topic: str) -> list[bytes]:
    return [r.value for r in read_all(topic)]


def test_replay_re_enriches_a_time_span_into_versioned_topics_once(env: Env) -> None:
    created = env.run("topics", "create", "--json")
    assert created.returncode == 0, created.stderr
    assert {json.loads(line)["state"] for line in created.stdout.splitlines()} == {"exists"}

    raw = env.vars["NEWSFLOW_TOPICS_RAW"]
    now = datetime.now(UTC)
    ages = {"old": 3, "mid": 2, "new": 0.5}  # hours before now
    p = producer()
    # Oldest first, as news arrives (the time lookup assumes times grow with offsets).
    for kind, hours in ages.items():
        for n in range(4):
            if kind == "new" and n == 3:
                continue
            body = (
                f"Report {kind} {n}. Ada Lovelace met Charles Babbage in London, where the "
                "union rejected the government's plan to cut pensions; the minister said that "
                "talks would continue next week."
            )
            value = (
                b"{not json"
                if (kind, n) == ("mid", 3)
                else json.dumps({"id": f"{kind}{n}", "title": "T", "body": body}).encode()
            )
            p.send(
                raw,
                key=f"{kind}{n}".encode(),
                value=value,
                timestamp_ms=int((now - timedelta(hours=hours)).timestamp() * 1000),
            )
    p.flush()  # fmt: skip
    p.close()

    since, until = (
        (now - timedelta(minutes=150)).isoformat(),
        (now - timedelta(hours=1)).isoformat(),
    )
    first = env.run("replay", "--since", since, "--until", until, "--version-suffix", "v2",
                    "--json", timeout=300)  # fmt: skip
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    enriched_v2 = f"{env.vars['NEWSFLOW_TOPICS_ENRICHED']}.v2"
    deadletter_v2 = f"{env.vars['NEWSFLOW_TOPICS_DEADLETTER']}.v2"
    assert report["articles"] == 4
    assert report["events"].get(enriched_v2) == 3, [
        (d["error_code"], d["error"]) for d in map(json.loads, _all(deadletter_v2))
    ]
    assert report["events"][deadletter_v2] == 1
    ids = sorted(EnrichedArticle.model_validate_json(v).id for v in _all(enriched_v2))
    assert ids == ["mid0", "mid1", "mid2"]
    (dead,) = [DeadLetter.model_validate_json(v) for v in _all(deadletter_v2)]
    assert dead.value == "{not json" and dead.source_topic == raw
    assert _all(f"{env.vars['NEWSFLOW_TOPICS_ENTITIES']}.v2")

    again = env.run("replay", "--since", since, "--until", until, "--version-suffix", "v2",
                    "--json", timeout=300)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["articles"] == 0  # resumed at its stop: nothing twice
    assert len(_all(enriched_v2)) == 3

    # Another suffix, to the end: everything since four hours, in its own topics and group.
    whole = env.run("replay", "--since", "4h", "--version-suffix", "v3", "--json", timeout=300)
    assert whole.returncode == 0, whole.stderr
    assert json.loads(whole.stdout)["articles"] == 11
    enriched_v3 = f"{env.vars['NEWSFLOW_TOPICS_ENRICHED']}.v3"
    assert len(_all(enriched_v3)) == 10 and len(_all(enriched_v2)) == 3
    assert _all(env.vars["NEWSFLOW_TOPICS_ENRICHED"]) == []  # the live topic is untouched

    app = env.vars["NEWSFLOW_WORKER_APP_ID"]
    committed = {group: _committed(group, raw) for group in (app, f"{app}-replay-v3")}
    assert committed[app] == [None, None]  # the live worker's offsets were not moved
    assert sum(o or 0 for o in committed[f"{app}-replay-v3"]) == 11


def _committed(group: str, topic: str) -> list[int | None]:
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=group,
                             enable_auto_commit=False)  # fmt: skip
    try:
        return [consumer.committed(TopicPartition(topic, p)) for p in (0, 1)]
    finally:
        consumer.close()
