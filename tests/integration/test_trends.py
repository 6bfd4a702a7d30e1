"""Trends on the real broker: two workers count entity mentions and stance tags into Faust
tables, each answers for the whole group over HTTP (merged top lists, routed stance boards),
``news.trends`` carries the snapshots, and the counts survive both workers restarting (the
tables come back from their changelogs)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipeline.models import EntityEvent, StanceEvent
from pipeline.trends.models import TrendEvent
from tests.conftest import ROOT, free_port
from tests.integration.conftest import (
    Env,
    Worker,
    metric_value,
    producer,
    read_all,
    read_topic,
    start_all,
)

pytestmark = pytest.mark.integration

ARTICLES = [
    {
        "id": "t1",
        "title": "Scholz meets Macron in Geneva",
        "body": "Chancellor Olaf Scholz met President Emmanuel Macron in Geneva on Monday. "
        "Scholz said Germany would back the new sanctions against Russia.",
    },
    {
        "id": "t2",
        "title": "Harbour reopens",
        "body": "The port of Rotterdam reopened after the storm, the Dutch government said. "
        "Olaf Scholz called the Dutch prime minister.",
    },
    {
        "id": "t3",
        "title": "Macron in Lisbon",
        "body": "Emmanuel Macron visited Lisbon on Tuesday and met the Portuguese president. "
        "Macron praised Portugal's economy.",
    },
]


def _articles() -> list[dict[str, Any]]:
    seed = json.loads((ROOT / "seeds" / "articles.jsonl").read_text().splitlines()[0])
    return [*ARTICLES, seed]


def _get(port: int, path: str, **query: str) -> tuple[int, Any]:
    url = f"http://127.0.0.1:{port}{path}?{urllib.parse.urlencode(query)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _until(check: Any, timeout: float = 30) -> Any:
    """Poll ``check`` until it returns a truthy value; the last value otherwise."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(0.5)
        value = check()
    return value


def _worker(env: Env, tmp_path: Path, name: str, web_port: int) -> Worker:
    vars = {
        **env.vars,
        "NEWSFLOW_WORKER_WEB_PORT": str(web_port),
        "NEWSFLOW_METRICS_PORT": str(free_port()),
        "NEWSFLOW_STATE_DIR": str(tmp_path / f"state-{name}"),
    }
    return Worker(Env(vars), tmp_path / f"{name}.log")


def _expected_entities(env: Env, enriched_entities: int) -> list[dict[str, Any]]:
    """The top list the entity events add up to, each row with every label its name was
    given (``labels``): a name two articles label differently ("Olaf Scholz" a person in
    one, an organisation in the other) takes the label of the article counted last, and two
    workers count the articles of their own partitions in an order no reader can know."""
    events = [EntityEvent.model_validate_json(v) for _, v in
              read_topic(env.settings.topics.entities, enriched_entities)]  # fmt: skip
    articles, mentions, labels = Counter[str](), Counter[str](), dict[str, set[str]]()
    for e in events:
        articles[e.name] += 1
        mentions[e.name] += e.count
        labels.setdefault(e.name, set()).add(e.label)
    rows = [{"name": n, "labels": labels[n], "articles": articles[n], "mentions": mentions[n]}
            for n in articles]  # fmt: skip
    return sorted(rows, key=lambda r: (-r["articles"], -r["mentions"], r["name"]))


def _same_top(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> bool:
    """``got`` (a top list answered) holds the expected rows in their order, each with one
    of the labels its name was given."""
    counts = ("name", "articles", "mentions")
    return [{k: r[k] for k in counts} for r in got] == [
        {k: r[k] for k in counts} for r in expected
    ] and all(g["label"] in e["labels"] for g, e in zip(got, expected, strict=True))


def test_two_workers_count_answer_for_all_and_survive_a_restart(
    make_env: Any, tmp_path: Path
) -> None:
    env = make_env(
        NEWSFLOW_TRENDS_ENABLED="true",
        NEWSFLOW_TRENDS_PUBLISH_INTERVAL_SECONDS="1",
        NEWSFLOW_WORKER_WEB_ENABLED="true",
        NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS="0",
        NEWSFLOW_WORKER_SESSION_TIMEOUT_SECONDS="6",
    )
    ports = (free_port(), free_port())
    a, b = start_all(_worker(env, tmp_path, "a", ports[0]), _worker(env, tmp_path, "b", ports[1]))
    try:
        lines = "".join(json.dumps(x) + "\n" for x in _articles())
        produced = env.run("produce", "-", "--json", input=lines)
        assert produced.returncode == 0, produced.stderr
        topics = env.settings.topics
        enriched = [json.loads(v) for _, v in read_topic(topics.enriched, len(_articles()))]
        assert len(enriched) == len(_articles())
        expected = _expected_entities(env, sum(len(x["entities"]) for x in enriched))
        assert any(r["articles"] >= 2 for r in expected)  # some entity is counted twice
        assert len(expected) <= 100

        def top(port: int, **q: str) -> Any:
            status, body = _get(port, "/trends/entities", window="1h", limit="100", **q)
            return body if status == 200 and _same_top(body["entities"], expected) else None

        for port in ports:  # either worker answers for both: the merged list is whole
            answer = _until(lambda p=port: top(p))
            assert answer, f"worker on {port}: {_get(port, '/trends/entities', limit='100')}"
            assert answer["workers"] == 2 and answer["partitions"] == [0, 1]
        # Each worker owns a disjoint part: its local answers split the entities between them.
        local = [_get(p, "/trends/entities", window="24h", limit="100", scope="local")[1]
                 for p in ports]  # fmt: skip
        names = [{r["name"] for r in part["entities"]} for part in local]
        assert not names[0] & names[1] and names[0] | names[1] == {r["name"] for r in expected}
        assert all(part["entities"] for part in local)  # both workers hold some
        persons = _get(ports[1], "/trends/entities", window="1h", label="person", limit="1")[1]
        # the top person: a name only ever a person's, unless one labelled both ways ranks
        # above it and was counted a person last
        (top_person,) = persons["entities"]
        rank = next(i for i, r in enumerate(expected) if r["name"] == top_person["name"])
        assert _same_top([top_person], [expected[rank]]) and top_person["label"] == "PERSON"
        assert all(r["labels"] != {"PERSON"} for r in expected[:rank])
        assert _get(ports[0], "/trends/entities", window="2h")[0] == 400

        stances = [StanceEvent.model_validate_json(r.value) for r in read_all(topics.stance)]
        assert stances, "the seed article carries stance tags"
        target = stances[0].target
        want = Counter((s.holder, s.stance) for s in stances if s.target == target)

        def board(port: int) -> Any:
            status, body = _get(port, "/stance", target=target)
            got = {(h["holder"], s): h[s] for h in body.get("holders", [])
                   for s in ("favor", "against", "neutral") if h[s]}  # fmt: skip
            return body if status == 200 and got == dict(want) else None

        for port in ports:  # one worker owns the target; the other routes the request to it
            answer = _until(lambda p=port: board(p))
            assert answer, f"worker on {port}: {_get(port, '/stance', target=target)}"
        holder = answer["holders"][0]
        assert holder["latest"]["evidence"]["text"] in next(
            x["body"] + x["title"] for x in enriched if x["id"] == holder["latest"]["article_id"]
        )
        assert _get(ports[0], "/stance")[0] == 400

        def published() -> Any:
            """The latest 1 h snapshot per entity, once they all carry the final counts and a
            stance snapshot is there (each worker publishes its changed keys every second)."""
            events = [TrendEvent.model_validate_json(r.value) for r in read_all(topics.trends)]
            last = {e.entity.name: e.entity.articles for e in events
                    if e.entity and e.entity.window == "1h"}  # fmt: skip
            stance = any(e.kind == "stance" for e in events)
            return last if stance and last == want_published else None

        want_published = {r["name"]: r["articles"] for r in expected}
        assert _until(published), "news.trends carries every entity's final count and a stance"
        scrape = a.scrape()
        assert 'newsflow_trends_events_total{kind="entity",outcome="counted"}' in scrape
        assert "newsflow_trends_table_rows" in scrape

        # Both workers stop; one starts again with an empty memory: the changelogs refill it.
        # The entity counts are exact: a portion read again since the last offset commit is
        # already in the table and counts nothing. Stance counting is at least once (Faust
        # commits its input offsets apart from the tables' changelogs): nothing is lost, and
        # tags read since the last offset commit may count again.
        def board_at_least(port: int) -> Any:
            status, body = _get(port, "/stance", target=target)
            got = {(h["holder"], s): h[s] for h in body.get("holders", [])
                   for s in ("favor", "against", "neutral")}  # fmt: skip
            whole = all(got.get(k, 0) >= n for k, n in dict(want).items())
            return body if status == 200 and whole else None

        assert b.stop() == 0 and a.stop() == 0
        a = _worker(env, tmp_path, "a", ports[0]).start()
        answer = _until(lambda: top(ports[0]))
        got = _get(ports[0], "/trends/entities", limit="100")[1]
        assert answer and answer["workers"] == 1, repr([got, expected])
        assert _until(lambda: board_at_least(ports[0]))
    finally:
        for w in (a, b):
            if w.alive:
                w.stop()


def test_stale_windows_read_back_from_the_changelog_expire(make_env: Any, tmp_path: Path) -> None:
    """A worker restarted on an entity changelog holding rows of an hour that ended more than
    a day ago (records written as the worker writes them, moved 26 h back) reads them back,
    drops them at Faust's next table cleanup (every 3 s here), and never answers them."""
    env = make_env(
        NEWSFLOW_TRENDS_ENABLED="true",
        NEWSFLOW_TRENDS_CLEANUP_INTERVAL_SECONDS="3",
        NEWSFLOW_WORKER_WEB_ENABLED="true",
        NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS="0",
    )
    port = free_port()
    worker = _worker(env, tmp_path, "a", port).start()
    try:
        produced = env.run("produce", "-", "--json", input=json.dumps(ARTICLES[0]) + "\n")
        assert produced.returncode == 0, produced.stderr
        enriched = json.loads(read_topic(env.settings.topics.enriched, 1)[0][1])
        before = _expected_entities(env, len(enriched["entities"]))
        assert _until(lambda: _same_top(_get(port, "/trends/entities", window="1h", limit="100")[
            1].get("entities", []), before))  # fmt: skip
        rows = "newsflow_trends_table_rows"
        # One row per partition the article's entities are on (a record keyed by each name
        # lands there), in the hour of the article.
        fresh = len({r.partition for r in read_all(env.settings.topics.entities)})
        assert _until(lambda: metric_value(worker.scrape(), rows, table="trends-entities") == fresh)
        assert worker.stop() == 0

        changelog = f"{env.settings.worker.app_id}-trends-entities-changelog"
        records = read_all(changelog)
        assert len(records) == len({r.key for r in records}) == fresh  # each written once
        send = producer()
        day = 26 * 3600
        for r in records:
            article, (start, end) = json.loads(r.key)
            key = json.dumps([article, [start - day, end - day]]).encode()
            portion = json.loads(r.value)
            value = json.dumps({**portion, "t": portion["t"] - day}).encode()
            send.send(changelog, key=key, value=value, partition=r.partition)
        send.flush()
        send.close()

        worker = _worker(env, tmp_path, "a", port).start()
        seen: list[float] = []

        def back_to_fresh() -> bool:
            seen.append(metric_value(worker.scrape(), rows, table="trends-entities"))
            return seen[-1] == fresh and max(seen) == 2 * fresh

        expired = _until(back_to_fresh, timeout=120)
        # Read back whole (2 * fresh rows), then the stale half dropped.
        assert expired, [v for i, v in enumerate(seen) if i == 0 or v != seen[i - 1]]
        assert _same_top(
            _get(port, "/trends/entities", window="1h", limit="100")[1]["entities"], before
        )
    finally:
        if worker.alive:
            worker.stop()
