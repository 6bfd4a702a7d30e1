"""Stories on the real broker: a wire story run by three outlets is one story on
``news.stories``; copies are kept and marked, an exact re-send is skipped."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.kafka.topics import ensure_topics
from pipeline.stories.models import StoryEvent
from tests.integration.conftest import Env, Worker, producer, read_topic

pytestmark = pytest.mark.integration

WIRE = (
    "The port of Gdansk reopened on Tuesday after a storm closed it for three days, the port "
    "authority said, and the first container ships were unloaded by the evening."
)
OTHER = "A bridge in Riga closed on Monday for repairs that will last until the spring."


@pytest.fixture
def env(make_env: Callable[..., Env]) -> Env:
    e = make_env(
        NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS="86400",
        NEWSFLOW_STORIES_ENABLED="true",
        NEWSFLOW_STORIES_PUBLISH_EVENTS="true",
    )
    ensure_topics(e.settings)
    return e


def test_copies_from_three_outlets_are_one_story(env: Env, worker: Worker) -> None:
    topics = env.settings.topics
    p = producer()

    def send(id_: str, source: str, body: str, url: str) -> None:
        value = {"id": id_, "title": "Port reopens", "body": body, "source": source, "url": url}
        p.send(topics.raw, key=id_.encode(), value=json.dumps(value).encode())
        p.flush()

    send("ap-1", "AP", WIRE, "https://ap.example/port")
    assert len(read_topic(topics.enriched, 1)) == 1  # the first copy is committed first
    send("tribune-2", "Tribune", WIRE, "https://tribune.example/port")
    send("ap-1", "AP", WIRE, "https://ap.example/port")  # an exact re-send: skipped
    send("herald-3", "Herald", WIRE + " Trade resumed.", "https://herald.example/a")
    send("riga-4", "Baltic Times", OTHER, "https://baltic.example/b")
    enriched = {e["id"]: e for e in (json.loads(v) for _, v in read_topic(topics.enriched, 4))}
    assert sorted(enriched) == ["ap-1", "herald-3", "riga-4", "tribune-2"]
    assert {e["story_id"] for i, e in enriched.items() if i != "riga-4"} == {"ap-1"}
    assert enriched["riga-4"]["story_id"] == "riga-4"
    assert enriched["tribune-2"]["duplicate_of"] == "ap-1"
    assert enriched["herald-3"]["duplicate_of"] is None  # a near-duplicate, not a copy
    assert enriched["tribune-2"]["entities"] == enriched["ap-1"]["entities"]

    latest: dict[str, StoryEvent] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
        latest.get("ap-1") is None or latest["ap-1"].article_count < 3
    ):
        for _, value in read_topic(topics.stories, 4, timeout=5):
            event = StoryEvent.model_validate_json(value)
            seen = latest.get(event.story_id)
            if seen is None or event.article_count > seen.article_count:
                latest[event.story_id] = event
    story = latest["ap-1"]
    assert story.article_count == 3
    assert sorted(story.outlets) == ["AP", "Herald", "Tribune"]
    assert story.articles[0].article_id == "ap-1"
    assert latest["riga-4"].article_count == 1


def test_a_restarted_worker_finds_the_stories_of_its_earlier_run(
    env: Env, worker: Worker, tmp_path: Path
) -> None:
    """The index is the worker's memory, refilled from its topic at start: a near-duplicate
    sent after a restart joins the story the first run recorded (a new worker process, whose
    enrichment cache is empty, so only the index can tell)."""
    topics = env.settings.topics
    p = producer()
    first = {"id": "gd-1", "title": "Port reopens", "body": WIRE, "source": "AP"}
    p.send(topics.raw, key=b"gd-1", value=json.dumps(first).encode())
    p.flush()
    assert len(read_topic(topics.enriched, 1)) == 1
    assert worker.stop() == 0
    restarted = Worker(env, tmp_path / "restarted.log").start()
    try:
        later = {"id": "gd-2", "title": "Port reopens", "body": WIRE + " Trade resumed.",
                 "source": "Herald"}  # fmt: skip
        p.send(topics.raw, key=b"gd-2", value=json.dumps(later).encode())
        p.flush()
        enriched = {e["id"]: e for e in (json.loads(v) for _, v in read_topic(topics.enriched, 2))}
        assert enriched["gd-2"]["story_id"] == "gd-1"
        assert "story index: read to its end" in restarted.log.read_text()
    finally:
        restarted.stop()
