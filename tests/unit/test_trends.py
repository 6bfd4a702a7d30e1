"""The trend arithmetic (pipeline.trends.aggregate) and query parsing, without Faust's
runtime or a broker; the app wiring is checked by building the app."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.models import EntityEvent, Evidence, StanceEvent
from pipeline.trends import aggregate
from pipeline.trends.index import HolderIndex, NameIndex
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


def _board(events: list[tuple[StanceEvent, float]], cap: int = 250) -> tuple[dict, HolderIndex]:
    """What the counting agent does, over a dict in place of the table."""
    table: dict[bytes, dict[str, Any]] = {}
    index = HolderIndex()
    for event, at in events:
        key = aggregate.row_key(event.target, event.holder)
        before = table.get(key)
        table[key] = aggregate.add_stance(before, event, at)
        if before is not None:
            assert table[key] is not before  # a new value: Faust logs only assignments
        index.add(event.target, event.holder, aggregate.seen(table[key]["latest"]))
        for dropped in index.over_cap(event.target, cap):
            del table[aggregate.row_key(event.target, dropped)]
    return table, index


def _rows(table: dict, index: HolderIndex, target: str) -> list[Any]:
    board = {h: table[aggregate.row_key(target, h)] for h in index.holders(target)}
    return aggregate.board_rows(target, board)


def test_stance_rows_count_per_holder_and_keep_the_latest_evidence() -> None:
    table, index = _board([
        (_stance("Trump", "favor", "a1"), 100.0), (_stance("Trump", "against", "a2"), 200.0),
        (_stance("Trump", "favor", "a0"), 150.5),  # late
        (_stance("Putin", "against", "a3"), 120.0),
        (_stance("Putin", "favor", "a4", target="tariffs"), 130.0),
    ])  # fmt: skip
    rows = _rows(table, index, "ceasefire")
    assert [(r.holder, r.favor, r.against, r.neutral) for r in rows] == [
        ("Trump", 2, 1, 0),
        ("Putin", 0, 1, 0),
    ]
    # The tag seen last (by time, not by arrival; 150.5 has a fraction, 200 has none).
    assert rows[0].latest.article_id == "a2" and rows[0].latest.stance == "against"
    assert rows[0].latest.seen_at == datetime.fromtimestamp(200.0, UTC)
    assert [(r.holder, r.favor) for r in _rows(table, index, "tariffs")] == [("Putin", 1)]


def test_past_the_cap_the_holder_seen_longest_ago_is_dropped_with_its_row() -> None:
    events = [(_stance(h), 1000.0 + i) for i, h in enumerate(["A", "B", "C", "A", "D"])]
    table, index = _board(events, cap=3)
    assert index.holders("ceasefire") == ["A", "C", "D"]  # B was seen at 1001
    assert sorted(json.loads(k)[1] for k in table) == ["A", "C", "D"]
    assert table[aggregate.row_key("ceasefire", "A")]["favor"] == 2


def test_the_index_rebuilt_from_the_rows_is_the_index_the_agent_kept() -> None:
    events = [(_stance(f"H{i % 7}", target=f"t{i % 3}"), 1000.0 + i) for i in range(40)]
    table, index = _board(events, cap=4)
    rebuilt = HolderIndex()
    rebuilt.rebuild(table.items())
    for target in ("t0", "t1", "t2"):
        assert rebuilt.holders(target) == index.holders(target)
        assert len(index.holders(target)) == 4
    assert len(rebuilt) == len(table) == 12


def test_row_keys_keep_target_and_holder_apart() -> None:
    assert aggregate.row_key("a", "b,c") != aggregate.row_key("a,b", "c")
    assert json.loads(aggregate.row_key('Zoë "x"', "y")) == ['Zoë "x"', "y"]


def test_one_row_of_a_huge_article_stays_a_few_kilobytes() -> None:
    sentence = "word " * 20_000  # a 100 KB "sentence" (no sentence limit before the table)
    event = _stance("Holder").model_copy(
        update={"title": "T" * 1_000, "url": "https://example.org/" + "p" * 2_000,
                "evidence": Evidence(text=sentence, start=7, end=7 + len(sentence))}
    )  # fmt: skip
    row = aggregate.add_stance(None, event, 1000.0)
    assert len(json.dumps(row).encode()) < 4_000
    assert row["latest"]["evidence"]["text"] == sentence[: aggregate.EVIDENCE_CHARS]
    assert row["latest"]["evidence"]["end"] - row["latest"]["evidence"]["start"] == (
        aggregate.EVIDENCE_CHARS
    )


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
    # The stance changelog's keys are written and read back as raw bytes (row_key's JSON
    # would not survive Faust's JSON key codec in recovery).
    stance = app.tables["trends-stance"]
    assert (stance.key_serializer, stance.changelog_topic.key_serializer) == ("raw", "raw")
    key = aggregate.row_key("ceasefire", "Putin")
    assert stance.changelog_topic.prepare_key(key, None)[0] == key
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


def test_the_name_index_lists_what_a_scan_of_the_current_window_finds() -> None:
    """Against the scan it replaces: rows (name, window) of 1 h hopping windows by 5 min,
    events arriving in time order, queried now and then, and the index rebuilt from rows."""
    size, step = 3600.0, 300.0
    rng = random.Random(7)
    rows: set[tuple[str, tuple[float, float]]] = set()
    index = NameIndex(size)
    events = sorted((rng.uniform(0, 20_000), f"n{rng.randrange(300)}") for _ in range(2_000))
    for i, (ts, name) in enumerate(events):
        index.add(name, ts)
        first = (ts - size) // step * step + step  # the earliest window holding ts
        for k in range(int(size // step)):
            start = first + k * step
            if start <= ts < start + size:
                rows.add((name, (start, start + size)))
        if i % 400 == 399:
            now = ts
            current = (now - size) // step * step + step
            scan = sorted(n for n, (s, _) in rows if s == current)
            assert sorted(index.names_since(current)) == scan
            rebuilt = NameIndex(size)
            rebuilt.rebuild(sorted(rows))
            assert sorted(rebuilt.names_since(current)) == scan
            assert len(index) <= len({n for n, (s, _) in rows if s >= current - size})


# Window expiry, on real Faust tables in memory (no broker): Faust's cleanup
# (Table._del_old_keys, a timer every table_cleanup_interval) reads the wall clock, so the
# events are dated relative to it; the counting agents get a clock set to each event's time,
# as a worker reading it when it was new would have.
HOUR = 3600.0


def _trend_tables(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, clock: list[float]) -> Any:
    import faust
    from prometheus_client import CollectorRegistry

    from pipeline.config import Settings
    from pipeline.trends.agents import register_agents
    from pipeline.trends.metrics import TrendsMetrics
    from pipeline.trends.tables import create_tables

    monkeypatch.setenv("NEWSFLOW_STATE_DIR", str(tmp_path))
    settings = Settings()
    app = faust.App(f"expiry-{tmp_path.name}", broker="kafka://127.0.0.1:1", store="memory://")
    tables = create_tables(app, settings)
    metrics = TrendsMetrics(CollectorRegistry(), tuple(t.name for t in tables.all()))
    register_agents(app, settings, tables, metrics, clock=lambda: clock[0])
    return app, tables


def _names(table: Any) -> set[str]:
    return {name for name, _ in table.data}


def _answer(tables: Any, window: str, now: float) -> list[str]:
    from pipeline.trends.views import local_top

    everything = set(range(tables.partitions))
    top = local_top(tables, window, None, 100, everything, now)  # type: ignore[arg-type]
    return [row["name"] for row in top["entities"]]


def test_old_windows_expire_from_the_tables_and_never_reach_an_answer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    async def scenario() -> None:
        import time

        now = time.time()
        clock = [now]
        app, tables = _trend_tables(monkeypatch, tmp_path, clock)
        agent = app.agents["trends_count_entities"]
        # Past the 1 h table's expiry (a window is dropped once it ended an hour ago), inside
        # the 24 h one; past both; and new.
        dated = {"Old": now - 3 * HOUR, "Ancient": now - 50 * HOUR, "New": now - 60}
        async with agent.test_context() as counting:
            for name, ts in dated.items():
                clock[0] = ts + 1
                event = EntityEvent(article_id="a", name=name, label="PERSON", count=2,
                                    salience=0.5)  # fmt: skip
                key = name.encode()
                await counting.put(event.model_dump_json().encode(), key=key,
                                   partition=tables.partition_of(key), timestamp=ts)  # fmt: skip
        hour, day = (tables.entities[w].table for w in ("1h", "24h"))
        assert _names(hour) == _names(day) == set(dated)  # every name has rows before cleanup
        assert _answer(tables, "1h", now) == ["New"]  # an answer reads the current window only
        assert sorted(_answer(tables, "24h", now)) == ["New", "Old"]

        await hour._del_old_keys()
        await day._del_old_keys()

        assert _names(hour) == {"New"} and _names(day) == {"New", "Old"}
        for table in (hour, day):  # no stale window is left, and the new one is whole
            assert not [w for _, w in table.data if table.window.stale(w[1], now)]
            assert len([1 for name, _ in table.data if name == "New"]) == int(
                table.window.size // table.window.step
            )
        assert _answer(tables, "1h", now) == ["New"]
        assert sorted(_answer(tables, "24h", now)) == ["New", "Old"]
        assert sorted(tables.names["1h"].names_since(0)) == ["New"]  # the index forgot them too

    asyncio.run(scenario())


def test_rows_read_back_from_the_changelog_expire_as_well(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Recovery (and a standby copy) applies changelog records straight to the store, which
    Faust does not put in its expiry heap; the tables register them once applied — also when a
    cleanup runs between the records' arrival and their batch (Faust's recovery buffers them)."""

    async def scenario() -> None:
        import time
        from types import SimpleNamespace

        now = time.time()
        _, tables = _trend_tables(monkeypatch, tmp_path, [now])
        hour = tables.entities["1h"].table
        records = []
        for name, ts in (("Old", now - 3 * HOUR), ("New", now - 60)):
            for start, end in hour.window.ranges(ts):
                value = {"label": "GPE", "articles": 1, "mentions": 1}
                message = SimpleNamespace(partition=tables.partition_of(name.encode()),
                                          value=json.dumps(value).encode())  # fmt: skip
                # Keys as Faust's JSON codec reads them back: lists, not tuples.
                records.append(SimpleNamespace(key=[name, [start, end]], value=value,
                                               message=message))  # fmt: skip
        # A deleted row (a tombstone) is not registered.
        tomb = SimpleNamespace(key=["Gone", [now - 60, now + HOUR]], value=None,
                               message=SimpleNamespace(partition=0, value=None))  # fmt: skip
        for record in [*records, tomb]:  # what Faust's recovery does with each record
            await hour.on_changelog_event(record)
        await hour._del_old_keys()  # a cleanup while the records wait in recovery's buffer
        hour.apply_changelog_batch([*records, tomb])
        assert _names(hour) == {"Old", "New"}

        await hour._del_old_keys()

        assert _names(hour) == {"New"}
        assert len(hour.data) == int(hour.window.size // hour.window.step)

    asyncio.run(scenario())


def test_the_expiry_heap_holds_a_row_once_however_often_it_is_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Faust pushes a window's end on every write; the heap would grow by 36 entries per
    entity event and keep them up to 48 h. Here a row is in it once."""
    import time

    now = time.time()
    app, tables = _trend_tables(monkeypatch, tmp_path, [now])

    async def scenario() -> None:
        async with app.agents["trends_count_entities"].test_context() as counting:
            for i in range(5):
                event = EntityEvent(
                    article_id=f"a{i}", name="Kyiv", label="GPE", count=1, salience=0.5
                )
                value, part = event.model_dump_json().encode(), tables.partition_of(b"Kyiv")
                await counting.put(value, key=b"Kyiv", partition=part, timestamp=now)

    asyncio.run(scenario())
    for window, wrapper in tables.entities.items():
        table = wrapper.table
        heap = [end for ends in table._partition_timestamps.values() for end in ends]
        assert len(table.data) == int(table.window.size // table.window.step)
        assert sorted(heap) == sorted(w[1] for _, w in table.data), window
        assert {v["articles"] for v in table.data.values()} == {5}  # every write counted
