"""De-duplication on the real broker: re-sent articles (same id or canonical URL) are skipped,
also after a restart; a copy of the text under another id is kept and marked."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from pipeline.config import TopicSettings
from pipeline.kafka.topics import ensure_topics
from tests.integration.conftest import Env, Worker, metric_value, producer, read_topic

pytestmark = pytest.mark.integration

FIRST = {"id": "d1", "title": "Port reopens", "url": "https://news.example.org/port?utm_source=rss",
         "body": "The port of Gdansk reopened on Tuesday after the storm."}  # fmt: skip


@pytest.fixture
def env(make_env: Callable[..., Env]) -> Env:
    """De-duplication is opt-in: this module's pipeline turns it on (one day)."""
    e = make_env(NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS="86400", NEWSFLOW_STORIES_ENABLED="true")
    ensure_topics(e.settings)
    return e


def _send(env: Env, *articles: dict[str, str]) -> None:
    p = producer()
    for article in articles:
        p.send(
            env.settings.topics.raw, key=article["id"].encode(), value=json.dumps(article).encode()
        )
    p.flush()


def _decided(scrape: str, topics: TopicSettings) -> float:
    """Articles skipped as re-sends plus articles published, by one worker's metrics."""
    skipped = metric_value(scrape, "newsflow_articles_deduplicated_total", topic=topics.raw)
    published = metric_value(scrape, "newsflow_articles_enriched_total", topic=topics.enriched)
    return skipped + published


def test_resent_articles_are_skipped_across_restarts(env: Env, worker: Worker) -> None:
    topics = env.settings.topics
    _send(env, FIRST)
    assert len(read_topic(topics.enriched, 1)) == 1
    same_id = {**FIRST, "body": "A corrected text about the port."}
    same_url = {**FIRST, "id": "d2", "url": "https://NEWS.example.org/port/", "body": "Other."}
    same_text = {
        **FIRST,
        "id": "d3",
        "url": None,
        "body": "the port of GDANSK reopened on tuesday,  after the storm!",
    }
    fresh = {"id": "d4", "title": "Bridge closes", "body": "A bridge in Riga closed on Monday."}
    _send(env, same_id, same_url, {k: v for k, v in same_text.items() if v is not None}, fresh)

    # every message accounted for: skipped or published
    scrape = worker.wait_for(lambda text: _decided(text, topics) >= 5)
    assert metric_value(scrape, "newsflow_articles_deduplicated_total", topic=topics.raw) == 2
    assert metric_value(scrape, "newsflow_articles_enriched_total", topic=topics.enriched) == 3

    assert worker.stop() == 0

    restarted = Worker(env, worker.log).start()
    try:
        _send(env, {**FIRST, "id": "d5"})  # same URL and text as the first, new id
        # Decided either way (consumed is counted when a record is read, before its decision).
        scrape = restarted.wait_for(lambda text: _decided(text, topics) >= 1)
        assert metric_value(scrape, "newsflow_articles_deduplicated_total", topic=topics.raw) == 1
        assert metric_value(scrape, "newsflow_articles_enriched_total", topic=topics.enriched) == 0
    finally:
        restarted.stop()
    events = {e["id"]: e for e in (json.loads(v) for _, v in read_topic(topics.enriched, 3))}
    assert sorted(events) == ["d1", "d3", "d4"]
    assert events["d3"]["duplicate_of"] == "d1"  # the same words: a copy, kept and marked
    assert events["d3"]["story_id"] == events["d1"]["story_id"] == "d1"
    assert events["d4"]["story_id"] == "d4" and events["d1"]["duplicate_of"] is None
