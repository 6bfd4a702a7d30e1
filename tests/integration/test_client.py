"""pipeline.client on the real broker: typed events, the CLI's filters, consumer groups that
resume, and only committed transactions."""

from __future__ import annotations

from datetime import UTC, datetime

from kafka import KafkaProducer

from pipeline.client import subscribe
from pipeline.models import (
    EnrichedArticle,
    EnrichmentMeta,
    EntityEvent,
    Evidence,
    StanceEvent,
    Tone,
)
from tests.integration.conftest import BOOTSTRAP, Env, producer


def _entity(n: int, name: str) -> EntityEvent:
    return EntityEvent(article_id=f"a{n}", title=f"t{n}", name=name, label="PERSON", count=1,
                       salience=0.5)  # fmt: skip


def test_typed_events_filters_groups_and_read_committed(env: Env) -> None:
    s = env.settings
    p = producer()
    for n, name in enumerate(["Ada Lovelace", "Alan Turing", "Ada Lovelace"]):
        p.send(
            s.topics.entities, key=name.encode(), value=_entity(n, name).model_dump_json().encode()
        )
    stance = StanceEvent(article_id="a9", holder="Union", target="pay cuts",
                         target_text="pay cuts", target_kind="phrase",
                         stance="against", confidence=0.9, predicate="reject",
                         evidence=Evidence(text="The union rejects pay cuts.", start=0,
                                           end=27))  # fmt: skip
    p.send(s.topics.stance, key=b"Union", value=stance.model_dump_json().encode())
    p.flush()
    p.close()
    # An aborted transaction on the enriched topic: a read_committed reader never sees it.
    tx = KafkaProducer(bootstrap_servers=BOOTSTRAP, transactional_id=f"{s.worker.app_id}-tx")
    tx.init_transactions()
    tx.begin_transaction()
    article = EnrichedArticle(
        id="aborted", body="x", tone=Tone(compound=0, positive=0, negative=0, neutral=1),
        meta=EnrichmentMeta(pipeline_version="1", model_name="m", model_version="1",
                            enriched_at=datetime.now(UTC), processing_seconds=0.1),
    )  # fmt: skip
    tx.send(s.topics.enriched, key=b"aborted", value=article.model_dump_json().encode())
    tx.flush()
    tx.abort_transaction()
    tx.close()

    ada = list(subscribe("entities", settings=s, from_beginning=True, entity="ada lovelace",
                         idle_timeout=3))  # fmt: skip
    assert [type(e) for e in ada] == [EntityEvent, EntityEvent]
    assert [e.article_id for e in ada] == ["a0", "a2"]  # type: ignore[union-attr]
    (tag,) = subscribe(s.topics.stance, settings=s, from_beginning=True, stance="AGAINST",
                       idle_timeout=3)  # fmt: skip
    assert isinstance(tag, StanceEvent) and tag.evidence.text.startswith("The union")
    assert list(subscribe("enriched", settings=s, from_beginning=True, idle_timeout=3)) == []

    group = f"{s.worker.app_id}-reader"
    first = list(subscribe("entities", settings=s, group=group, from_beginning=True,
                           max_events=2, idle_timeout=10))  # fmt: skip
    rest = list(subscribe("entities", settings=s, group=group, from_beginning=True,
                          idle_timeout=3))  # fmt: skip
    assert len(first) == 2 and len(rest) == 1  # the group resumed after what it was given
    assert {e.article_id for e in first + rest} == {"a0", "a1", "a2"}  # type: ignore[union-attr]
