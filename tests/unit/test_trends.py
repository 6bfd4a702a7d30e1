"""The trend arithmetic (pipeline.trends.aggregate) and query parsing, without Faust's
runtime or a broker; the app wiring is checked by building the app."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.models import EntityEvent, Evidence, StanceEvent
from pipeline.trends import aggregate
from pipeline.trends.index import EntityRows, HolderIndex
from pipeline.trends.models import WINDOWS
from pipeline.trends.portions import Portion, TrendInput, cut
from pipeline.trends.tables import portion_key
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


def test_entity_counts_add_articles_and_mentions_per_bucket_and_keep_the_latest_label() -> None:
    value = None
    hour = 7200.0
    for event, at in ((_entity("Georgia", "GPE", 3), hour + 10),
                      (_entity("Georgia", "GPE", 1), hour + 299.9),
                      (_entity("Georgia", "PERSON", 2), hour + 3599)):  # fmt: skip
        assert aggregate.row_start(at) == hour
        before = value
        value = aggregate.add_entity(value, event.label, event.count, aggregate.slot_of(at))
        if before is not None:
            assert before["articles"] == value["articles"] - 1  # the old value is untouched
    assert value == {"label": "PERSON", "articles": 3, "mentions": 6,
                     "slots": {"0": [2, 4], "11": [1, 2]}}  # fmt: skip


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
    assert {"trends-entities", "trends-stance"} <= set(app.tables)
    assert {"trends_cut_articles", "trends_count"} <= set(app.agents)
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
        registry.get_sample_value("newsflow_trends_table_rows", {"table": "trends-entities"}) == 0.0
    )


def test_trends_off_leave_the_app_as_it_was(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    app, registry = _app(monkeypatch, NEWSFLOW_STATE_DIR=str(tmp_path),
                         NEWSFLOW_TRENDS_ENABLED="false")  # fmt: skip
    assert not any(name.startswith("trends") for name in [*app.tables, *app.agents])
    assert type(app.consumer).__module__.startswith("faust.")
    assert (
        registry.get_sample_value("newsflow_trends_table_rows", {"table": "trends-stance"}) is None
    )


def _hour_rows(events: list[tuple[str, float]]) -> dict[tuple[str, float], dict[str, Any]]:
    """What the counting agent writes for (name, event time) events: a row per name and hour."""
    rows: dict[tuple[str, float], dict[str, Any]] = {}
    for name, ts in events:
        key = (name, aggregate.row_start(ts))
        rows[key] = aggregate.add_entity(rows.get(key), "PERSON", 1, aggregate.slot_of(ts))
    return rows


def _summed(rows: dict[tuple[str, float], dict[str, Any]], window: str, now: float) -> Any:
    start = aggregate.window_start(window, now)  # type: ignore[arg-type]
    hours = aggregate.rows_of(window, start)  # type: ignore[arg-type]
    picked = [(n, h, v) for (n, h), v in rows.items() if h in hours]
    return aggregate.window_totals(picked, start, start + WINDOWS[window][0])  # type: ignore[index]


def test_bucket_sums_at_the_edges_of_the_1h_window() -> None:
    """At 10:07 the 1 h query reads the window from 09:10 to 10:10 (the earliest holding
    10:07, as Faust's hopping window): it straddles two hour rows, and a bucket counts only
    when its 5 minutes lie inside."""
    t = 10 * 3600.0
    now = t + 7 * 60
    events = [("before", t - 50 * 60 - 0.1), ("first", t - 50 * 60), ("inside", t - 1),
              ("late", t + 10 * 60 - 0.1), ("after", t + 10 * 60), ("hour", t + 5)]  # fmt: skip
    got = _summed(_hour_rows(events), "1h", now)
    assert sorted(got) == ["first", "hour", "inside", "late"]
    assert aggregate.window_start("1h", now) == t - 50 * 60
    assert aggregate.rows_of("1h", t - 50 * 60) == [t - 3600, t]
    # On a step boundary the window starts at the boundary less 55 minutes.
    assert aggregate.window_start("1h", t) == t - 55 * 60
    later = _summed(_hour_rows(events), "1h", t + 10 * 60)  # from 09:15 to 10:15
    assert sorted(later) == ["after", "hour", "inside", "late"]


def test_bucket_sums_at_the_edges_of_the_24h_window() -> None:
    """The 24 h window is a whole number of hour rows: a row counts whole, or not at all."""
    t = 100 * 3600.0
    now = t + 30 * 60  # window from t - 23 h to t + 1 h
    events = [("gone", t - 23 * 3600 - 0.1), ("first", t - 23 * 3600), ("now", now),
              ("last", t + 3600 - 0.1), ("next", t + 3600), ("first", t - 1)]  # fmt: skip
    got = _summed(_hour_rows(events), "24h", now)
    assert {n: v["articles"] for n, v in got.items()} == {"first": 2, "now": 1, "last": 1}
    assert aggregate.rows_of("24h", t - 23 * 3600) == [t - 23 * 3600 + i * 3600 for i in range(24)]


@given(
    st.lists(st.tuples(st.sampled_from("abc"), st.floats(0, 30 * 3600), st.integers(1, 4)),
             max_size=40),
    st.floats(3600, 30 * 3600) | st.integers(1, 30).map(lambda h: h * 3600.0),
    st.sampled_from(["1h", "24h"]),
)  # fmt: skip
def test_summed_buckets_equal_faust_hopping_windows(
    events: list[tuple[str, float, int]], now: float, window: str
) -> None:
    """Against the design it replaces: each event written to every Faust hopping window
    holding it, the query reading the earliest window holding ``now``."""
    from faust.windows import HoppingWindow

    size, step = WINDOWS[window]  # type: ignore[index]
    hopping = HoppingWindow(size, step)
    current = hopping.earliest(now)
    want: dict[str, dict[str, Any]] = {}
    rows: dict[tuple[str, float], dict[str, Any]] = {}
    for name, ts, count in events:
        if current in hopping.ranges(ts):
            w = want.setdefault(name, {"label": "PERSON", "articles": 0, "mentions": 0})
            w["articles"], w["mentions"] = w["articles"] + 1, w["mentions"] + count
        key = (name, aggregate.row_start(ts))
        rows[key] = aggregate.add_entity(rows.get(key), "PERSON", count, aggregate.slot_of(ts))
    assert aggregate.window_start(window, now) == current[0]  # type: ignore[arg-type]
    assert _summed(rows, window, now) == want


def test_the_latest_counted_hour_gives_the_label() -> None:
    rows = [("Georgia", 7200.0, {"label": "PERSON", "articles": 1, "mentions": 1,
                                 "slots": {"0": [1, 1]}}),
            ("Georgia", 3600.0, {"label": "GPE", "articles": 2, "mentions": 2,
                                 "slots": {"11": [2, 2]}})]  # fmt: skip
    assert aggregate.window_totals(rows, 3600.0, 10_800.0) == {
        "Georgia": {"label": "PERSON", "articles": 3, "mentions": 3}
    }
    # An hour with nothing inside the window does not give its label.
    assert aggregate.window_totals(rows, 3600.0 + 3300, 7200.0)["Georgia"]["label"] == "GPE"


def _portion(article: str, ts: float, *names: str, count: int = 1) -> Portion:
    record = {"a": article, "t": ts, "e": [[n, "PERSON", count] for n in names]}
    return Portion(json.dumps(record).encode())


def test_entity_rows_sum_portions_list_a_partitions_names_and_forget_old_hours() -> None:
    """Against the rows added one event at a time (``_hour_rows``) and a scan; rebuilt from
    the table's items (keyed as the agent writes them) they are the rows the agent kept."""
    events = [(f"n{i % 30}", i * 97.0) for i in range(300)]
    want = _hour_rows(events)

    def partition(name: str) -> int:
        return int(name[1:]) % 4

    kept, table = EntityRows(), {}
    for i, (name, ts) in enumerate(events):
        portion = _portion(f"a{i}", ts, name)
        row = aggregate.row_start(ts)
        kept.add(portion, row, partition(name))
        table[portion_key(portion.article_id, partition(name), row)] = portion.entity_record()
    rebuilt = EntityRows()
    rebuilt.rebuild(table.items())
    for (name, hour), value in want.items():
        assert kept.get(name, hour) == rebuilt.get(name, hour) == value
    for hour in {h for _, h in want}:
        for owned in ({0, 1, 2, 3}, {1, 3}, set()):
            scan = {n for n, h in want if h == hour and partition(n) in owned}
            assert set(kept.names(hour, owned)) == set(rebuilt.names(hour, owned)) == scan
    assert len(kept) == len(rebuilt) == len(want)
    kept.forget_before(3600.0)
    assert kept.names(0.0, {0, 1, 2, 3}) == [] and kept.get("n0", 0.0) is None
    assert len(kept) == len(want) - len([1 for _, h in want if h == 0.0])


def _enriched(
    article_id: str, entities: list[tuple[str, str, int]], stances: list[StanceEvent]
) -> Any:
    from pipeline.models import EnrichedArticle

    return EnrichedArticle.model_validate({
        "id": article_id, "title": f"title {article_id}", "body": "text", "source": "wire",
        "entities": [{"name": n, "label": lab, "count": c, "salience": 0.5,
                      "mentions": [{"text": n, "start": 0, "end": 1}] * c}
                     for n, lab, c in entities],
        "stances": [s.model_dump(exclude={"article_id", "title", "url", "source",
                                          "published_at", "schema_version"}) for s in stances],
        "tone": {"compound": 0.0, "positive": 0.0, "negative": 0.0, "neutral": 1.0},
        "meta": {"pipeline_version": "-", "model_name": "-", "model_version": "-",
                 "enriched_at": "2026-01-01T00:00:00Z", "processing_seconds": 0.0},
    })  # fmt: skip


def test_an_article_is_cut_into_the_events_it_derives_each_on_its_keys_partition() -> None:
    """The portions of an article carry exactly its news.entities and news.stance events'
    counted fields, each on the partition a record keyed by its name (entity) or target
    (stance tag) would land on."""
    from pipeline.models import split_events
    from pipeline.trends.tables import partition_of

    names = [(f"Name {i}", "ORG" if i % 2 else "PERSON", 1 + i % 3) for i in range(25)]
    stances = [_stance(f"Holder {i}", target=f"target {i % 4}") for i in range(6)]
    article = _enriched("art-1", names, stances)
    portions = cut(TrendInput.model_validate_json(article.model_dump_json()), 123.5,
                   lambda key: partition_of(key.encode(), 4))  # fmt: skip
    assert len(portions) > 1  # the names are spread over the partitions
    read = {p: Portion(v) for p, v in portions.items()}
    entities, tags = split_events(article)
    assert sorted((p, e) for p, r in read.items() for e in r.entities) == sorted(
        (partition_of(e.name.encode(), 4), (e.name, e.label, e.count)) for e in entities
    )
    assert sorted((p, s.model_dump_json()) for p, r in read.items() for s in r.stances
                  if s is not None) == sorted(
        (partition_of(s.target.encode(), 4), s.model_dump_json()) for s in tags
    )  # fmt: skip
    assert {(r.article_id, r.event_time) for r in read.values()} == {("art-1", 123.5)}
    assert cut(TrendInput.model_validate_json(_enriched("none", [], []).model_dump_json()),
               1.0, lambda key: 0) == {}  # fmt: skip


def test_a_record_that_is_not_a_portion_is_refused() -> None:
    for value in (b"{", b"[]", b'{"a": "x", "t": 1}', b'{"a": "x", "t": 1, "e": [["n"]]}'):
        with pytest.raises(ValueError, match="portion"):
            Portion(value)


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
    """The articles with a portion in the entity table (keys "partition:article id")."""
    return {key.split(":", 1)[1] for key, _ in table.data}


def _portion_value(article: str, ts: float, name: str, count: int = 2) -> bytes:
    return json.dumps({"a": article, "t": ts, "e": [[name, "PERSON", count]], "s": []}).encode()


def _answer(tables: Any, window: str, now: float) -> list[str]:
    from pipeline.trends.views import local_top

    everything = set(range(tables.partitions))
    top = local_top(tables, window, None, 100, everything, now)  # type: ignore[arg-type]
    return [row["name"] for row in top["entities"]]


def test_old_hours_expire_from_the_table_and_never_reach_an_answer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    async def scenario() -> None:
        import time

        now = time.time()
        clock = [now]
        app, tables = _trend_tables(monkeypatch, tmp_path, clock)
        agent = app.agents["trends_count"]
        # Outside the 1 h window but inside the 24 h one; past both, by more than an hour
        # (a row leaves once its hour ended a day ago); and new.
        dated = {"Old": now - 3 * HOUR, "Ancient": now - 26 * HOUR, "New": now - 60}
        async with agent.test_context() as counting:
            for name, ts in dated.items():
                clock[0] = ts + 1
                await counting.put(_portion_value(name, ts, name), key=b"-",
                                   partition=tables.partition_of_name(name))  # fmt: skip
        table = tables.entities
        assert _names(table) == set(dated)  # every name has its row before cleanup
        assert len(table.data) == 3  # one row per article and partition: its hour
        assert _answer(tables, "1h", now) == ["New"]  # an answer sums its window's buckets only
        assert sorted(_answer(tables, "24h", now)) == ["New", "Old"]

        await table._del_old_keys()

        assert _names(table) == {"New", "Old"}
        assert not [w for _, w in table.data if table.window.stale(w[1], now)]
        assert _answer(tables, "1h", now) == ["New"]
        assert sorted(_answer(tables, "24h", now)) == ["New", "Old"]

    asyncio.run(scenario())


def test_rows_read_back_from_the_changelog_expire_as_well(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Recovery (and a standby copy) applies changelog records straight to the store, which
    Faust does not put in its expiry heap; the table registers them once applied — also when a
    cleanup runs between the records' arrival and their batch (Faust's recovery buffers them)."""

    async def scenario() -> None:
        import time
        from types import SimpleNamespace

        now = time.time()
        _, tables = _trend_tables(monkeypatch, tmp_path, [now])
        table = tables.entities
        records = []
        for name, ts in (("Old", now - 26 * HOUR), ("New", now - 60)):
            partition = tables.partition_of_name(name)
            key, (start, end) = portion_key(name, partition, aggregate.row_start(ts))
            value = _portion_value(name, ts, name)
            message = SimpleNamespace(partition=partition, value=value)
            # Keys as Faust's JSON codec reads them back: lists, not tuples.
            records.append(SimpleNamespace(key=[key, [start, end]], value=value,
                                           message=message))  # fmt: skip
        # A deleted row (a tombstone) is not registered.
        tomb = SimpleNamespace(key=["0:Gone", [now - 60, now + HOUR]], value=None,
                               message=SimpleNamespace(partition=0, value=None))  # fmt: skip
        for record in [*records, tomb]:  # what Faust's recovery does with each record
            await table.on_changelog_event(record)
        await table._del_old_keys()  # a cleanup while the records wait in recovery's buffer
        table.apply_changelog_batch([*records, tomb])
        assert _names(table) == {"Old", "New"}

        await table._del_old_keys()

        assert _names(table) == {"New"}
        assert len(table.data) == 1
        # Faust's memory store also remembers each read-back row's partition until a
        # rebalance ends; the expired row's entry goes with the row.
        assert len(table.data._key_partition) == 1
        # The counts rebuilt after a recovery come from the rows left.
        tables.rows.rebuild(table.data.items())
        assert len(tables.rows) == 1 and _answer(tables, "1h", now) == ["New"]

    asyncio.run(scenario())


def test_each_portion_is_written_once_and_one_read_again_is_not_counted_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Five articles naming Kyiv write five rows (one changelog record and one expiry-heap
    entry each) and count five; a portion read again (after a restart or a rebalance, since
    the last offset commit) writes nothing and counts nothing."""
    import time

    now = time.time()
    app, tables = _trend_tables(monkeypatch, tmp_path, [now])
    sent: list[Any] = []
    send = tables.entities.send_changelog

    def counted(*args: Any, **kwargs: Any) -> Any:
        sent.append(args)
        return send(*args, **kwargs)

    tables.entities.send_changelog = counted
    part = tables.partition_of_name("Kyiv")

    async def scenario() -> None:
        async with app.agents["trends_count"].test_context() as counting:
            for article in ["a0", "a1", "a2", "a0", "a3", "a4", "a4"]:
                await counting.put(_portion_value(article, now, "Kyiv", count=1), key=b"-",
                                   partition=part)  # fmt: skip

    asyncio.run(scenario())
    table = tables.entities
    heap = [end for ends in table._partition_timestamps.values() for end in ends]
    assert len(table.data) == 5 and len(sent) == 5
    assert sorted(heap) == sorted(w[1] for _, w in table.data)
    row = tables.rows.get("Kyiv", aggregate.row_start(now))
    assert row is not None and (row["articles"], row["mentions"]) == (5, 5)


def test_a_worker_reading_its_tables_back_answers_503_not_a_partial_top_list(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """During a rebalance's recovery the hour index lacks the rows being read back: the top
    list would silently miss entities, so the worker says it cannot answer yet."""
    from aiohttp.test_utils import TestClient, TestServer

    app, _ = _app(monkeypatch, NEWSFLOW_STATE_DIR=str(tmp_path),
                  NEWSFLOW_TRENDS_ENABLED="true", NEWSFLOW_WORKER_WEB_ENABLED="true",
                  NEWSFLOW_WORKER_WEB_PORT="6171")  # fmt: skip

    async def ask() -> tuple[int, Any]:
        async with TestClient(TestServer(app.web.web_app)) as client:
            response = await client.get("/trends/entities", params={"scope": "local"})
            return response.status, await response.json()

    app.in_recovery = True
    status, body = asyncio.run(ask())
    assert status == 503 and "rebalance" in body["error"]


def test_snapshots_are_published_only_for_partitions_the_worker_still_owns(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """A row this worker wrote stays in its store when the partition moves to another worker;
    its snapshot, older than the new owner's, must not reach the trends topic."""
    from prometheus_client import CollectorRegistry

    from pipeline.trends import aggregate
    from pipeline.trends.agents import Changes, publish
    from pipeline.trends.metrics import TrendsMetrics

    now = 1_800_000_000.0
    _, tables = _trend_tables(monkeypatch, tmp_path, [now])
    names = ["Ankara", "Boris Johnson", "Chile", "Dhaka", "Ecuador", "Fiji"]
    changes = Changes()
    for name in names:
        portion = _portion(f"a-{name}", now - 60, name)
        tables.rows.add(portion, aggregate.row_start(now - 60), tables.partition_of_name(name))
        changes.entities.add(("1h", name))
    changes.stances.add(("ceasefire", "Hamas"))
    assert len({tables.partition_of_name(n) for n in names}) > 1  # the names are spread

    class Out:
        keys: list[bytes] = []  # noqa: RUF012

        async def send_all(self, records: list[tuple[bytes, bytes]]) -> None:
            self.keys.extend(key for key, _ in records)

    owned = {tables.partition_of_name(names[0])}
    metrics = TrendsMetrics(CollectorRegistry(), tuple(t.name for t in tables.all()))
    sent = asyncio.run(publish(changes, tables, Out(), metrics, now, owned))
    mine = sorted(n.encode() for n in names if tables.partition_of_name(n) in owned)
    assert sent == len(Out.keys) and sorted(Out.keys) == mine
    assert not changes.entities and not changes.stances  # the others' are not kept either


def test_the_rebuild_after_a_recovery_runs_in_steps_to_the_same_rows() -> None:
    """The recovery callback yields to the event loop between steps (a day of portions is
    millions of rows); stepping changes nothing in what is rebuilt."""
    table = {}
    for i in range(11):
        portion = _portion(f"a{i}", 3600.0 + 60 * i, f"N{i % 3}")
        table[portion_key(portion.article_id, i % 4, 3600.0)] = portion.entity_record()
    whole, stepped = EntityRows(), EntityRows()
    whole.rebuild(table.items())
    steps = list(stepped.rebuilding(table.items(), every=4))
    assert steps == [4, 8]
    assert len(stepped) == len(whole) == 3
    for name in ("N0", "N1", "N2"):
        assert stepped.get(name, 3600.0) == whole.get(name, 3600.0) is not None


def test_a_rebuild_overtaken_by_a_newer_one_gives_up_and_counts_nothing_twice() -> None:
    """A recovery after another rebalance starts a second rebuild while the first is between
    steps: the rows are those of one rebuild, and until the end the previous rows are read."""
    table = {}
    for i in range(10):
        portion = _portion(f"a{i}", 3600.0 + 60 * i, "N0")
        table[portion_key(portion.article_id, 0, 3600.0)] = portion.entity_record()
    whole, rows = EntityRows(), EntityRows()
    whole.rebuild(table.items())
    rows.add(_portion("old", 3600.0, "Before"), 3600.0, 0)
    first = rows.rebuilding(table.items(), every=3)
    next(first)
    assert rows.get("Before", 3600.0) is not None  # the previous rows until the swap
    assert list(rows.rebuilding(table.items(), every=3)) == [3, 6, 9]
    assert list(first) == []  # overtaken: gives up without touching the rows
    assert rows.get("N0", 3600.0) == whole.get("N0", 3600.0) is not None
    assert rows.get("Before", 3600.0) is None
