"""The worker's decisions with an in-memory enricher double: no broker, no model."""

from __future__ import annotations

import asyncio
import json

from prometheus_client import CollectorRegistry

from pipeline.config import Settings
from pipeline.models import Enriched, Enrichment, Entity, ErrorCode, Mention, RawArticle, Tone
from pipeline.observe.metrics import WorkerMetrics
from pipeline.worker.process import Incoming, Outgoing, OutputLimits, Processor

TONE = Tone(compound=0.5, positive=0.3, negative=0.0, neutral=0.7)


class FakeEnricher:
    model_name = "fake"
    model_version = "0"

    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on = fail_on
        self.seen: list[str] = []

    async def enrich(self, article: RawArticle) -> Enriched:
        self.seen.append(article.id)
        if self.fail_on and self.fail_on in article.body:
            from pipeline.errors import RejectedMessage

            raise RejectedMessage(ErrorCode.ENRICHMENT_FAILED, "boom")
        entity = Entity(
            name="Oslo",
            label="GPE",
            mentions=[Mention(text="Oslo", start=0, end=4)],
            count=1,
            salience=1.0,
        )
        return Enriched(Enrichment(entities=[entity], tone=TONE), {"ner": 0.01, "total": 0.02})


def _processor(enricher: FakeEnricher) -> tuple[Processor, CollectorRegistry]:
    registry = CollectorRegistry()
    return Processor(Settings(), enricher, WorkerMetrics(registry, "fake")), registry


def _message(value: bytes | None, offset: int = 0) -> Incoming:
    return Incoming(b"k", value, "news.raw", 1, offset, timestamp=None)


def test_good_article_becomes_an_enriched_event_keyed_by_id() -> None:
    processor, registry = _processor(FakeEnricher())
    value = json.dumps({"id": "n1", "title": "T", "body": "Oslo is cold."}).encode()
    out, *derived = asyncio.run(processor.process(_message(value)))
    assert out.topic == "news.enriched" and out.key == b"n1"
    assert [(d.topic, d.key) for d in derived] == [("news.entities", b"Oslo")]
    entity_event = json.loads(derived[0].value)
    assert entity_event["article_id"] == "n1" and entity_event["label"] == "GPE"
    event = json.loads(out.value)
    assert event["id"] == "n1" and event["entities"][0]["name"] == "Oslo"
    assert event["meta"]["model_name"] == "fake" and event["meta"]["processing_seconds"] == 0.02
    processor.record_published(out, _message(value))
    assert (
        registry.get_sample_value("newsflow_articles_enriched_total", {"topic": "news.enriched"})
        == 1
    )
    assert registry.get_sample_value("newsflow_entities_extracted_total", {"label": "GPE"}) == 1


def test_invalid_and_failing_messages_become_dead_letters() -> None:
    enricher = FakeEnricher(fail_on="poison")
    processor, registry = _processor(enricher)
    [bad] = asyncio.run(processor.process(_message(b"nope", offset=5)))
    assert bad.topic == "news.deadletter" and bad.dead is not None
    assert bad.dead.error_code == ErrorCode.INVALID_JSON and bad.dead.offset == 5
    poison = json.dumps({"id": "p", "body": "poison pill"}).encode()
    [failed] = asyncio.run(processor.process(_message(poison, offset=6)))
    assert failed.dead is not None and failed.dead.error_code == ErrorCode.ENRICHMENT_FAILED
    assert enricher.seen == ["p"]  # the invalid message never reached the enricher
    for out in (bad, failed):
        processor.record_published(out, _message(None))
    assert (
        registry.get_sample_value(
            "newsflow_articles_deadlettered_total", {"reason": "enrichment_failed"}
        )
        == 1
    )
    assert registry.get_sample_value("newsflow_articles_consumed_total", {"topic": "news.raw"}) == 2


def _fits(out: Outgoing, limits: OutputLimits) -> bool:
    return len(out.value) <= limits.room(out.topic, out.key)


def test_every_output_fits_its_topic_or_the_article_is_dead_lettered() -> None:
    processor, registry = _processor(FakeEnricher())
    body = "Oslo is cold. " + '"' * 2000
    value = json.dumps({"id": "n1", "title": "T", "body": body}).encode()
    processor.limits = OutputLimits({"news.enriched": 6000})
    outs = asyncio.run(processor.process(_message(value)))
    assert [o.topic for o in outs] == ["news.enriched", "news.entities"]
    assert all(_fits(o, processor.limits) for o in outs)

    processor.limits = OutputLimits({"news.enriched": 4500})  # escaped, the body is 4 KB
    [dead] = asyncio.run(processor.process(_message(value, offset=1)))
    assert dead.topic == "news.deadletter" and dead.dead is not None
    assert dead.dead.error_code == ErrorCode.OUTPUT_TOO_LARGE and not dead.dead.value_truncated
    assert "news.enriched" in dead.dead.error and _fits(dead, processor.limits)

    processor.limits = OutputLimits({"news.entities": 520})  # the entity event cannot fit
    [dead] = asyncio.run(processor.process(_message(value, offset=2)))
    assert dead.dead is not None and dead.dead.error_code == ErrorCode.OUTPUT_TOO_LARGE
    processor.record_published(dead, _message(value))
    reason = {"reason": "output_too_large"}
    assert registry.get_sample_value("newsflow_articles_deadlettered_total", reason) == 1


def test_a_poison_message_makes_a_dead_letter_that_fits() -> None:
    processor, _ = _processor(FakeEnricher())
    processor.limits = OutputLimits({"news.deadletter": 1_048_588})
    cases = [
        (b"a1", json.dumps({"id": "a1", "body": '"' * 450_000}).encode()),
        (b"a2", b'"' * 600_000),
        (b"k" * 1_000_000, b"not json"),
        (None, b"[" * 100_000),
    ]
    for offset, (key, value) in enumerate(cases):
        [dead] = asyncio.run(processor.process(Incoming(key, value, "news.raw", 1, offset, None)))
        assert dead.topic == "news.deadletter" and _fits(dead, processor.limits)
        assert dead.dead is not None and dead.dead.value_size == len(value)
        # A huge or missing key is not reused: the dead letter is keyed by its position.
        assert dead.key == (key if key and len(key) < 1000 else f"1:{offset}".encode())


class BrokenEnricher(FakeEnricher):
    async def enrich(self, article: RawArticle) -> Enriched:
        raise RuntimeError("the pool is broken")


def test_an_unexpected_error_is_dead_lettered_not_raised() -> None:
    processor, _ = _processor(BrokenEnricher())
    value = json.dumps({"id": "n1", "body": "Oslo is cold."}).encode()
    [dead] = asyncio.run(processor.process(_message(value)))
    assert dead.dead is not None and dead.dead.error_code == ErrorCode.ENRICHMENT_FAILED
    assert "the pool is broken" in dead.dead.error


def test_the_enriched_article_is_the_one_validation_would_build() -> None:
    """``enriched_article`` takes the validated models' fields as they are: its model and its
    JSON are those of validating their dumps again, every field of both models set."""
    from datetime import UTC, datetime

    from pipeline.models import EnrichedArticle, EnrichmentMeta, Evidence, StanceTag, Truncation
    from pipeline.worker.process import enriched_article

    article = RawArticle(
        id="a1", title="Oslo talks", body="Oslo backs the ceasefire, said Jane Doe.",
        source="Wire", url="https://e.org/a1", published_at=datetime(2024, 5, 1, 12, tzinfo=UTC),
        language="en",
    )  # fmt: skip
    evidence = Evidence(text="Oslo backs the ceasefire", start=0, end=24)
    tag = StanceTag(holder="Oslo", target="ceasefire", target_text="the ceasefire",
                    target_kind="phrase", stance="favor", confidence=0.61, predicate="back",
                    evidence=evidence)  # fmt: skip
    entity = Entity(name="Oslo", label="GPE", count=1, salience=0.8, tone=-0.2,
                    mentions=[Mention(text="Oslo", start=0, end=4, field="title")])  # fmt: skip
    enrichment = Enrichment(
        entities=[entity], stances=[tag], tone=TONE,
        truncated=Truncation(limit="max_body_chars", end=30),
    )  # fmt: skip
    meta = EnrichmentMeta(pipeline_version="1", model_name="m", model_version="2",
                          enriched_at=datetime(2024, 5, 1, 13, tzinfo=UTC),
                          processing_seconds=0.25)  # fmt: skip
    validated = EnrichedArticle(**article.model_dump(), **enrichment.model_dump(),
                                detected_language="en", meta=meta)  # fmt: skip
    built = enriched_article(article, enrichment, "en", meta)
    assert built == validated
    assert built.model_dump_json() == validated.model_dump_json()
    story = {"story_id": "s1", "duplicate_of": "a0"}
    assert built.model_copy(update=story).model_dump_json() == (
        validated.model_copy(update=story).model_dump_json()
    )
