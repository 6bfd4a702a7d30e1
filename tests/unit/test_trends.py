"""The trend arithmetic (pipeline.trends.aggregate) and query parsing, without Faust's
runtime or a broker; the app wiring is checked by building the app."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.models import EntityEvent, Evidence, StanceEvent
from pipeline.trends import aggregate
from pipeline.trends.views import BadQuery, entity_query


def _entity(name: str, label: str = "PERSON", count: int = 1) -> EntityEvent:
    return EntityEvent(article_id="a", name=name, label=label, count=count, salience=0.5)


def _stance(
    holder: str, stance: str = "favor", article: str = "a", target: str = "ceasefire"
) -> StanceEvent:
    return StanceEvent.model_validate(
        {"article_id": article, "title": f"title {article}", "holder": holder, "target": target,
         "target_text": target, "target_kind": "catalogue", "stance": stance, "confidence": 0.8,
         "predicate": "back", "evidence": Evidence(text=f"{holder} on {target}", start=0, end=5)}
    )  # fmt: skip


def test_entity_counts_add_articles_and_mentions_and_keep_the_latest_label() -> None:
    value = None
    for event in (_entity("Georgia", "GPE", 3), _entity("Georgia", "GPE", 1),
                  _entity("Georgia", "PERSON", 2)):  # fmt: skip
        before = value
        value = aggregate.add_entity(value, aggregate.entity_increment(event))
        if before is not None:
            assert before["articles"] == value["articles"] - 1  # the old value is untouched
    assert value == {"label": "PERSON", "articles": 3, "mentions": 6}


def test_stance_board_counts_per_holder_and_keeps_the_latest_evidence() -> None:
    board = aggregate.add_stance(None, _stance("Trump", "favor", "a1"), 100.0, cap=10)
    board = aggregate.add_stance(board, _stance("Trump", "against", "a2"), 200.0, cap=10)
    board = aggregate.add_stance(board, _stance("Trump", "favor", "a0"), 150.5, cap=10)  # late
    board = aggregate.add_stance(board, _stance("Putin", "against", "a3"), 120.0, cap=10)
    rows = aggregate.board_rows("ceasefire", board)
    assert [(r.holder, r.favor, r.against, r.neutral) for r in rows] == [
        ("Trump", 2, 1, 0),
        ("Putin", 0, 1, 0),
    ]
    # The tag seen last (by time, not by arrival; 150.5 has a fraction, 200 has none).
    assert rows[0].latest.article_id == "a2" and rows[0].latest.stance == "against"
    assert rows[0].latest.seen_at == datetime.fromtimestamp(200.0, UTC)


def test_stance_board_drops_the_holder_seen_longest_ago_past_the_cap() -> None:
    board: dict[str, Any] | None = None
    for i, holder in enumerate(["A", "B", "C", "A", "D"]):
        board = aggregate.add_stance(board, _stance(holder), 1000.0 + i, cap=3)
    assert board is not None and sorted(board) == ["A", "C", "D"]  # B was seen at 1001
    assert board["A"]["favor"] == 2


def test_a_full_board_of_huge_articles_stays_under_the_broker_message_limit() -> None:
    board: dict[str, Any] | None = None
    sentence = "word " * 20_000  # a 100 KB "sentence" (no sentence limit before the board)
    for i in range(250):  # the settings' largest holder cap
        event = _stance(f"Holder number {i}").model_copy(
            update={"title": "T" * 1_000, "url": "https://example.org/" + "p" * 2_000,
                    "evidence": Evidence(text=sentence, start=7, end=7 + len(sentence))}
        )  # fmt: skip
        board = aggregate.add_stance(board, event, 1000.0 + i, cap=250)
    assert board is not None and len(board) == 250
    assert len(json.dumps(board).encode()) < 1_000_000
    latest = board["Holder number 0"]["latest"]
    assert latest["evidence"]["text"] == sentence[: aggregate.EVIDENCE_CHARS]
    assert latest["evidence"]["end"] - latest["evidence"]["start"] == aggregate.EVIDENCE_CHARS


def test_top_entities_ranks_by_articles_then_mentions_then_name_and_filters_labels() -> None:
    rows = [
        ("Oslo", {"label": "GPE", "articles": 2, "mentions": 2}),
        ("Anna", {"label": "PERSON", "articles": 2, "mentions": 5}),
        ("Bert", {"label": "PERSON", "articles": 3, "mentions": 1}),
        ("Carl", {"label": "PERSON", "articles": 2, "mentions": 5}),
    ]
    assert [r["name"] for r in aggregate.top_entities(rows, None, 3)] == ["Bert", "Anna", "Carl"]
    assert [r["name"] for r in aggregate.top_entities(rows, "gpe", 5)] == ["Oslo"]
    assert aggregate.top_entities(rows, "ORG", 5) == []


counts = st.dictionaries(
    st.text("abcdef", min_size=1, max_size=3),
    st.tuples(st.integers(1, 5), st.integers(1, 9)),
    max_size=25,
)


@given(counts, st.integers(0, 3), st.integers(1, 10))
def test_merging_workers_top_lists_equals_the_top_of_the_whole_table(
    table: dict[str, tuple[int, int]], workers_seed: int, limit: int
) -> None:
    """Keys split over workers in any way: the merge of each one's top ``limit`` is the top
    ``limit`` of all keys together."""
    rows = [(n, {"label": "PERSON", "articles": a, "mentions": m}) for n, (a, m) in table.items()]
    parts: list[list[tuple[str, dict[str, Any]]]] = [[], [], []]
    for i, row in enumerate(rows):
        parts[(i * 7 + workers_seed) % 3].append(row)
    merged = aggregate.merge_top((aggregate.top_entities(p, None, limit) for p in parts), limit)
    assert merged == aggregate.top_entities(rows, None, limit)


def test_a_name_answered_by_two_workers_keeps_its_larger_count() -> None:
    old = [{"name": "Oslo", "label": "GPE", "articles": 1, "mentions": 1}]
    new = [{"name": "Oslo", "label": "GPE", "articles": 2, "mentions": 3}]
    assert aggregate.merge_top([old, new], 5) == new


def test_events_older_than_a_window_are_too_late_for_it() -> None:
    assert not aggregate.too_late(event_time=1000.0, now=1000.0 + 3599, size=3600)
    assert aggregate.too_late(event_time=1000.0, now=1000.0 + 3600, size=3600)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ("1h", None, 20, False)),
        (
            {"window": "24h", "label": "ORG", "limit": "5", "scope": "local"},
            ("24h", "ORG", 5, True),
        ),
    ],
)
def test_entity_query_defaults_and_values(query: dict[str, str], expected: tuple[Any, ...]) -> None:
    assert entity_query(query) == expected


@pytest.mark.parametrize(
    "query", [{"window": "2h"}, {"limit": "0"}, {"limit": "101"}, {"limit": "x"}]
)
def test_entity_query_refuses_values_out_of_range(query: dict[str, str]) -> None:
    with pytest.raises(BadQuery):
        entity_query(query)


class _NoEnricher:
    model_name, model_version = "none", "0"

    async def enrich(self, article: Any) -> Any:
        raise AssertionError("not called: the app is only built")


def _app(monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    from prometheus_client import CollectorRegistry

    from pipeline.config import Settings
    from pipeline.observe.metrics import WorkerMetrics
    from pipeline.worker.app import create_app
    from pipeline.worker.process import Processor

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    registry = CollectorRegistry()
    processor = Processor(settings, _NoEnricher(), WorkerMetrics(registry))
    return create_app(settings, processor), registry


def test_trends_on_add_tables_agents_views_and_a_read_committed_consumer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from pipeline.trends.committed import _CommittedConsumer

    app, registry = _app(monkeypatch, NEWSFLOW_STATE_DIR=str(tmp_path),
                         NEWSFLOW_TRENDS_ENABLED="true", NEWSFLOW_WORKER_WEB_ENABLED="true",
                         NEWSFLOW_WORKER_WEB_PORT="6170")  # fmt: skip
    assert {"trends-entities-1h", "trends-entities-24h", "trends-stance"} <= set(app.tables)
    assert {"trends_count_entities", "trends_count_stances"} <= set(app.agents)
    paths = {r.resource.canonical for r in app.web.web_app.router.routes()}
    assert {"/trends/entities", "/stance"} <= paths
    assert str(app.conf.canonical_url) == "http://127.0.0.1:6170"
    assert isinstance(app.consumer, _CommittedConsumer)
    # The stance changelog's keys are the repartition topic's bytes: written and read back
    # raw (a JSON key would not decode in recovery), hashed like the stream's for routing.
    stance = app.tables["trends-stance"]
    assert (stance.key_serializer, stance.changelog_topic.key_serializer) == ("raw", "raw")
    assert stance.changelog_topic.prepare_key(b"ceasefire", None)[0] == b"ceasefire"
    assert (
        registry.get_sample_value("newsflow_trends_table_rows", {"table": "trends-entities-1h"})
        == 0.0
    )


def test_trends_off_leave_the_app_as_it_was(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    app, registry = _app(monkeypatch, NEWSFLOW_STATE_DIR=str(tmp_path))
    assert not any(name.startswith("trends") for name in [*app.tables, *app.agents])
    assert type(app.consumer).__module__.startswith("faust.")
    assert (
        registry.get_sample_value("newsflow_trends_table_rows", {"table": "trends-stance"}) is None
    )
