"""Stories on the real broker: a wire story run by three outlets is one story on
``news.stories``; copies are kept and marked, an exact re-send is skipped."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline.kafka.topics import ensure_topics
from pipeline.stories.models import StoryEvent
from tests.conftest import free_port
from tests.integration.conftest import Env, Worker, metric_value, producer, read_topic, start_all
from tests.integration.test_faults import _assigned

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


# -- two workers ------------------------------------------------------------------------------

# Three new stories, each sent as an article and its near-duplicate (one more sentence).
NEW_STORIES = (
    "The city council of Tartu voted on Wednesday to close two schools next year, citing "
    "falling enrolment and rising heating costs across the district.",
    "A cargo train derailed near Ostrava early on Friday, spilling grain across both tracks; "
    "no one was hurt and the line should reopen by Sunday.",
    "Fishermen in Bergen protested outside the harbour office on Monday against new quotas "
    "that halve the herring catch allowed this season.",
)


@pytest.fixture
def members(make_env: Callable[..., Env], tmp_path: Path) -> Iterator[tuple[Worker, Worker]]:
    """Two members of one group on two input partitions, one partition each (waited for)."""
    first = make_env(NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS="86400")
    second = Env({**first.vars, "NEWSFLOW_METRICS_PORT": str(free_port()),
                  "NEWSFLOW_STATE_DIR": str(tmp_path / "state-second")})  # fmt: skip
    ensure_topics(first.settings)
    workers = start_all(Worker(first, tmp_path / "a.log"), Worker(second, tmp_path / "b.log"))
    try:
        raw = first.settings.topics.raw
        deadline = time.monotonic() + 90
        while [_assigned(w.log, raw) for w in workers] not in ([{0}, {1}], [{1}, {0}]):
            assert time.monotonic() < deadline, "the two workers did not share the partitions"
            time.sleep(0.3)
        yield workers[0], workers[1]
    finally:
        for w in workers:
            if w.alive:
                w.stop()


def _assignments(worker: Worker) -> dict[str, float]:
    """How this worker decided the stories of its articles, by kind."""
    scrape = worker.scrape()
    kinds = ("new", "text", "names", "copy")
    return {k: metric_value(scrape, "newsflow_story_assignments_total", kind=k) for k in kinds}


def _index_articles(worker: Worker) -> float:
    return metric_value(worker.scrape(), "newsflow_story_index_articles")


def _wait_index(workers: tuple[Worker, ...], articles: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while any(_index_articles(w) < articles for w in workers):
        assert time.monotonic() < deadline, [_index_articles(w) for w in workers]
        time.sleep(0.05)


def test_two_workers_share_stories_through_the_index_topic(
    members: tuple[Worker, Worker],
) -> None:
    """Copies and near-duplicates decided by another worker than their first article's join
    its story once that article is committed and in the other worker's index; two articles
    of one new story decided by two workers at the same time may start two stories (as
    documented), never anything else."""
    a, b = members
    topics = a.env.settings.topics
    raw = topics.raw
    part = {w: next(iter(_assigned(w.log, raw))) for w in members}
    p = producer()

    def send(w: Worker, id_: str, body: str, source: str) -> None:
        value = {"id": id_, "title": "", "body": body, "source": source,
                 "url": f"https://{source.lower()}.example/{id_}"}  # fmt: skip
        p.send(raw, key=id_.encode(), value=json.dumps(value).encode(), partition=part[w])

    # 1. The first copy, decided and committed by a, then read back by b's index.
    send(a, "ap-1", WIRE, "AP")
    p.flush()
    assert len(read_topic(topics.enriched, 1)) == 1
    started = time.monotonic()
    _wait_index((a, b), 1)
    print(f"b's index held a's record {time.monotonic() - started:.2f} s after it was readable")
    # 2. A copy and a near-duplicate on b's partition: b decides them, from a's record.
    send(b, "tribune-2", WIRE, "Tribune")
    send(b, "herald-3", WIRE + " Trade resumed.", "Herald")
    p.flush()
    enriched = {e["id"]: e for e in (json.loads(v) for _, v in read_topic(topics.enriched, 3))}
    assert {e["story_id"] for e in enriched.values()} == {"ap-1"}
    decided_by_a, decided_by_b = _assignments(a), _assignments(b)
    assert decided_by_a["new"] == 1 and sum(decided_by_a.values()) == 1
    # the copy by its first copy's key (if b's de-duplication table has it yet) or its text
    assert decided_by_b["new"] == 0 and decided_by_b["text"] + decided_by_b["copy"] == 2

    # 3. Two articles of each new story on the two partitions at once: each worker decides
    # one before the other's record can reach it, or after; either way each joins its own
    # story or the other's, and at most one of the two joins the other (a record leaves a
    # worker only after its article is committed, after its decision).
    for n, body in enumerate(NEW_STORIES):
        send(a, f"s{n}-a", body, "Courier")
        send(b, f"s{n}-b", body + " Officials declined to comment.", "Gazette")
    p.flush()
    total = 3 + 2 * len(NEW_STORIES)
    enriched = {e["id"]: e for e in (json.loads(v) for _, v in read_topic(topics.enriched, total))}
    split = 0
    for n in range(len(NEW_STORIES)):
        pair = (enriched[f"s{n}-a"]["story_id"], enriched[f"s{n}-b"]["story_id"])
        assert pair in ((f"s{n}-a", f"s{n}-b"), (f"s{n}-a", f"s{n}-a"), (f"s{n}-b", f"s{n}-b"))
        split += pair == (f"s{n}-a", f"s{n}-b")
    print(f"{split} of {len(NEW_STORIES)} stories sent to both workers at once were split")

    # 4. Split stories are not merged later: a third article of each joins one of its pair's
    # stories, and the pair's own ids stay as published.
    _wait_index((a, b), total)
    for n, body in enumerate(NEW_STORIES):
        send(a, f"s{n}-c", body + " More is expected tomorrow.", "Post")
    p.flush()
    enriched = {
        e["id"]: e
        for e in (json.loads(v) for _, v in read_topic(topics.enriched, total + len(NEW_STORIES)))
    }
    for n in range(len(NEW_STORIES)):
        pair = {enriched[f"s{n}-a"]["story_id"], enriched[f"s{n}-b"]["story_id"]}
        assert enriched[f"s{n}-c"]["story_id"] in pair
