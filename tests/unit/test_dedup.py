from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pipeline.models import RawArticle
from pipeline.worker.dedup import (
    Deduplicator,
    FirstCopy,
    canonical_url,
    content_hash,
    keys_of,
)


def _article(id_: str, body: str = "Rain fell in Lisbon.", url: str | None = None) -> RawArticle:
    return RawArticle(id=id_, title="Weather", body=body, url=url)


def test_canonical_url_drops_noise_only() -> None:
    assert canonical_url("HTTPS://News.Example.org:443/a/b/?utm_source=x&b=2&a=1#top") == (
        "https://news.example.org/a/b?a=1&b=2"
    )
    assert canonical_url("http://example.org:8080/x") == "http://example.org:8080/x"
    assert canonical_url("https://example.org/x?id=1") != canonical_url(
        "https://example.org/x?id=2"
    )


def test_content_hash_ignores_case_spacing_and_punctuation() -> None:
    a = _article("a", "Rain fell in Lisbon.")
    b = _article("b", "  rain FELL in   lisbon ")
    c = _article("c", "Rain fell in Porto.")
    assert content_hash(a) == content_hash(b) != content_hash(c)
    assert len(keys_of(_article("x", url="https://e.org/1"))) == 3


def test_same_id_or_url_within_the_window_is_a_re_send() -> None:
    table: dict[str, object] = {}
    dedup = Deduplicator(table, window_seconds=100)
    first = _article("a1", url="https://e.org/story?utm_medium=rss")
    assert dedup.claim(first, now=0, owner=0) is None
    dedup.confirm(first, now=0, story_id="a1")
    assert dedup.claim(_article("a1", "Other words entirely."), now=10, owner=0) == "id:a1"
    assert dedup.claim(_article("a2", "New text.", "https://e.org/story"), now=10, owner=0) == (
        "url:https://e.org/story"
    )
    assert (
        dedup.claim(_article("a1", "Other words entirely."), now=101, owner=0) is None
    )  # window over


def test_a_copy_from_another_source_is_kept_and_names_its_first_copy() -> None:
    dedup = Deduplicator({}, window_seconds=100)
    first = _article("wire-1", url="https://a.example/x")
    assert dedup.claim(first, now=0, owner=0) is None
    assert dedup.first_copy(first, now=0) is None  # nothing committed yet
    dedup.confirm(first, now=0, story_id="wire-1")
    copy = _article("other-9", "rain fell in LISBON", url="https://b.example/y")
    assert dedup.claim(copy, now=10, owner=1) is None
    assert dedup.first_copy(copy, now=10) == FirstCopy("wire-1", "wire-1")
    dedup.confirm(copy, now=10, story_id="wire-1")
    third = _article("third", "Rain fell in Lisbon!", url="https://c.example/z")
    assert dedup.first_copy(third, now=20) == FirstCopy("wire-1", "wire-1")  # still the first
    assert dedup.first_copy(first, now=20) is None  # the first is no copy of itself
    assert dedup.first_copy(third, now=100) is None  # window over


def test_dropping_copies_stays_available() -> None:
    dedup = Deduplicator({}, window_seconds=100, drop_copies=True)
    first = _article("wire-1")
    assert dedup.claim(first, now=0, owner=0) is None
    dedup.confirm(first, now=0)
    assert dedup.claim(_article("other", "rain fell in LISBON"), now=10, owner=1) is not None
    twin = _article("in-flight", "Hail in Faro.")
    assert dedup.claim(twin, now=10, owner=2) is None
    assert dedup.claim(_article("x", "hail in faro"), now=10, owner=3) is not None


def test_a_copy_in_flight_is_not_dropped_when_copies_are_kept() -> None:
    dedup = Deduplicator({}, window_seconds=100)
    assert dedup.claim(_article("p1"), now=0, owner=1) is None
    assert dedup.claim(_article("p2", "rain fell in lisbon"), now=0, owner=2) is None


def test_twins_in_flight_are_caught_and_released_claims_free_the_keys() -> None:
    dedup = Deduplicator({}, window_seconds=100)
    article = _article("t1")
    assert dedup.claim(article, now=0, owner=1) is None
    twin = _article("t1", "Different.")
    assert dedup.claim(twin, now=0, owner=2) == "id:t1"  # claimed, not confirmed
    dedup.release(2)  # not the claim's owner: nothing freed
    assert dedup.claim(twin, now=0, owner=3) == "id:t1"
    dedup.release(1)
    assert dedup.claim(article, now=0, owner=4) is None


def test_a_redo_of_the_same_record_is_not_its_own_duplicate() -> None:
    dedup = Deduplicator({}, window_seconds=100)
    article = _article("r1")
    assert dedup.claim(article, now=0, owner=("news.raw", 0, 7)) is None
    assert dedup.claim(article, now=1, owner=("news.raw", 0, 7)) is None  # the same record
    assert dedup.claim(article, now=1, owner=("news.raw", 1, 3)) == "id:r1"  # a re-send


def test_a_stale_claim_does_not_block_the_article_forever() -> None:
    dedup = Deduplicator({}, window_seconds=1000)
    article = _article("s1")
    assert dedup.claim(article, now=0, owner=1) is None  # then dies without release
    assert dedup.claim(article, now=10, owner=2) == "id:s1"
    assert dedup.claim(article, now=Deduplicator.CLAIM_SECONDS + 1, owner=2) is None


def test_prune_forgets_only_expired_keys() -> None:
    table: dict[str, object] = {}
    dedup = Deduplicator(table, window_seconds=100)
    old, new = _article("old", "Snow in Oslo."), _article("new", "Sun in Rome.")
    dedup.claim(old, now=0, owner=0)
    dedup.confirm(old, now=0)
    dedup.claim(new, now=90, owner=0)
    dedup.confirm(new, now=90)
    assert asyncio.run(dedup.prune(now=120, chunk=1)) == 2  # id and content keys of "old"
    assert set(table) == set(keys_of(new))
    assert dedup.claim(old, now=121, owner=0) is None  # forgotten: enriched again


class _Producer:
    """Faust's producer where aiokafka's has no metadata for the changelog topic: its partitioner
    raises as aiokafka's does (``list(partitions_for_topic(topic))`` of None)."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def key_partition(self, topic: str, key: bytes) -> Any:
        raise TypeError("'NoneType' object is not iterable")

    def send_soon(self, fut: Any) -> None:
        self.sent.append(fut.message)


def test_the_seen_table_is_written_without_the_producers_cached_metadata() -> None:
    import faust

    from pipeline.worker.seen import SeenTable

    app = faust.App("t-seen", store="memory://", autodiscover=False)
    producer = app._producer = _Producer()
    faust_own = app.GlobalTable("plain", partitions=2, use_partitioner=True)
    with pytest.raises(TypeError):  # what a key's write met in a worker
        faust_own["id:a1"] = 1.0
    seen = SeenTable.of(app, "newsflow-seen", 2)
    app.tables.add(seen)
    dedup = Deduplicator(seen, window_seconds=100)
    article = _article("a1", url="https://e.org/x")
    assert dedup.claim(article, now=0, owner=0) is None
    dedup.confirm(article, now=1)
    assert [(m.channel.get_topic_name(), m.key, m.partition) for m in producer.sent] == [
        ("t-seen-newsflow-seen-changelog", f'"{key}"'.encode(), None)  # partitioned when sent
        for key in keys_of(article)
    ]
    asyncio.run(dedup.prune(now=200))  # deletions are tombstones, partitioned when sent too
    assert [(m.value, m.partition) for m in producer.sent[3:]] == [(None, None)] * 3
