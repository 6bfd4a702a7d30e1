"""Downstream topics and subscriber tooling on the real broker."""

from __future__ import annotations

import json

import pytest

from pipeline.models import EnrichedArticle, EntityEvent, StanceEvent
from tests.integration.conftest import Env, Worker, read_topic

pytestmark = pytest.mark.integration

ARTICLES = [
    {
        "id": "d1",
        "title": "Talks in Geneva",
        "published_at": "2025-05-01T10:00:00Z",
        "body": "Chancellor Olaf Scholz met President Emmanuel Macron in Geneva on Monday. "
        "Scholz said Germany would back the new sanctions.",
    },
    {
        "id": "d2",
        "title": "Harbour reopens",
        "published_at": "2025-05-02T10:00:00Z",
        "body": "The port of Rotterdam reopened after the storm, the Dutch government said.",
    },
]


def _feed(env: Env) -> None:
    lines = "".join(json.dumps(a) + "\n" for a in ARTICLES)
    produced = env.run("produce", "-", "--json", input=lines)
    assert produced.returncode == 0, produced.stderr
    assert json.loads(produced.stdout)["sent"] == 2


def test_entity_and_stance_events_follow_each_enriched_article(env: Env, worker: Worker) -> None:
    _feed(env)
    topics = env.settings.topics
    enriched = {
        a.id: a
        for a in (EnrichedArticle.model_validate_json(v) for _, v in read_topic(topics.enriched, 2))
    }
    assert set(enriched) == {"d1", "d2"}
    expected_entities = sum(len(a.entities) for a in enriched.values())
    expected_stances = sum(len(a.stances) for a in enriched.values())
    assert expected_entities >= 4

    entity_events = read_topic(topics.entities, expected_entities)
    assert len(entity_events) == expected_entities
    for key, value in entity_events:
        event = EntityEvent.model_validate_json(value)
        assert key == event.name.encode()
        source = enriched[event.article_id]
        match = next(e for e in source.entities if e.name == event.name)
        assert (event.label, event.count, event.salience) == (
            match.label,
            match.count,
            match.salience,
        )
        assert event.published_at == source.published_at and event.title == source.title

    stance_events = read_topic(topics.stance, expected_stances, timeout=10)
    assert len(stance_events) == expected_stances
    for key, value in stance_events:
        event = StanceEvent.model_validate_json(value)
        assert key == event.holder.encode()
        tags = enriched[event.article_id].stances
        assert any(t.holder == event.holder and t.target == event.target for t in tags)


def test_consume_filters_table_and_durable_groups(env: Env, worker: Worker) -> None:
    _feed(env)
    topics = env.settings.topics
    enriched = [EnrichedArticle.model_validate_json(v) for _, v in read_topic(topics.enriched, 2)]
    # Expectations come from the enriched events themselves, not from what the model ought to say.
    with_person = sorted(a.id for a in enriched if any(e.label == "PERSON" for e in a.entities))
    assert "d1" in with_person
    rotterdam = env.run(
        "consume", topics.entities, "--from-beginning", "--entity", "Rotterdam", "--timeout", "3"
    )
    events = [json.loads(line) for line in rotterdam.stdout.splitlines()]
    assert events and all(e["name"] == "Rotterdam" and e["article_id"] == "d2" for e in events)

    people = env.run(
        "consume", topics.enriched, "--from-beginning", "--label", "PERSON", "--timeout", "3"
    )
    assert sorted(json.loads(line)["id"] for line in people.stdout.splitlines()) == with_person

    since = env.run("consume", topics.enriched, "--since", "2025-05-02", "--timeout", "3")
    assert [json.loads(line)["id"] for line in since.stdout.splitlines()] == ["d2"]

    table = env.run(
        "consume",
        topics.entities,
        "--from-beginning",
        "--entity",
        "Rotterdam",
        "--format",
        "table",
        "--timeout",
        "3",
    )
    assert table.returncode == 0 and "Rotterdam" in table.stdout and "d2" in table.stdout
    assert not table.stdout.lstrip().startswith("{")

    group = f"{env.vars['NEWSFLOW_WORKER_APP_ID']}-reader"
    first = env.run(
        "consume",
        topics.enriched,
        "--from-beginning",
        "--group",
        group,
        "--max",
        "1",
        "--timeout",
        "10",
    )
    second = env.run(
        "consume", topics.enriched, "--from-beginning", "--group", group, "--timeout", "3"
    )
    ids = [json.loads(line)["id"] for line in (first.stdout + second.stdout).splitlines()]
    assert sorted(ids) == ["d1", "d2"]  # the group resumed after the first event, no repeats
