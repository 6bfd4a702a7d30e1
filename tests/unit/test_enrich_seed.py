"""Acceptance on the demo seed article: one entity per person, places, and the direction the
stance model prefers for the two positions the article reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import EnrichSettings
from pipeline.enrich import Enricher
from pipeline.models import Enrichment, RawArticle

SEED = Path("/work/shared/seeds/000_30fa5fd5bd179c17.txt")
PEOPLE = [
    "Donald Trump",
    "Volodymyr Zelenskyy",
    "Vladimir Putin",
    "Marco Rubio",
    "Mike Waltz",
    "Karoline Leavitt",
]

pytestmark = pytest.mark.skipif(not SEED.exists(), reason="seed article not available")


@pytest.fixture(scope="module")
def article() -> RawArticle:
    return RawArticle(
        id="seed-000",
        title="Trump and Zelenskyy discuss partial ceasefire",
        body=SEED.read_text(encoding="utf-8"),
    )


@pytest.fixture(scope="module")
def result(article: RawArticle, enricher: Enricher) -> Enrichment:
    return enricher.enrich(article)


@pytest.fixture(scope="module")
def every_tag(article: RawArticle, every_tag_enricher: Enricher) -> Enrichment:
    """No threshold: the model's preferred stance for every (holder, target)."""
    return every_tag_enricher.enrich(article)


def test_each_person_is_one_person_entity_under_the_full_name(result: Enrichment) -> None:
    persons = [e.name for e in result.entities if e.label == "PERSON"]
    assert sorted(persons) == sorted(PEOPLE)
    for name in PEOPLE:
        surname = name.split()[-1]
        holders = [e for e in result.entities if surname in e.name]
        assert [e.name for e in holders] == [name], f"{surname} split or mislabelled"


def test_short_mentions_merge_into_the_full_name(result: Enrichment) -> None:
    trump = next(e for e in result.entities if e.name == "Donald Trump")
    assert trump.count >= 10
    assert {m.text for m in trump.mentions} == {"Trump", "Donald Trump"}


def test_kyiv_and_moscow_are_places(result: Enrichment) -> None:
    labels = {e.name: e.label for e in result.entities}
    assert labels["Kyiv"] == "GPE"
    assert labels["Moscow"] == "GPE"


def test_putin_against_full_ceasefire_with_evidence(every_tag: Enrichment) -> None:
    tag = next(
        s
        for s in every_tag.stances
        if s.holder == "Vladimir Putin" and s.target == "ceasefire (full)"
    )
    assert tag.stance == "against"
    assert tag.target_kind == "catalogue"
    assert "refused to back a full 30-day ceasefire" in tag.evidence.text


def test_zelenskyy_favors_limited_ceasefire_with_evidence(every_tag: Enrichment) -> None:
    tag = next(
        s
        for s in every_tag.stances
        if s.holder == "Volodymyr Zelenskyy" and s.target == "ceasefire (limited)"
    )
    assert tag.stance == "favor"
    assert "signed off on the limited ceasefire deal" in tag.evidence.text


def test_default_threshold_emits_a_subset(result: Enrichment, every_tag: Enrichment) -> None:
    emitted = {(s.holder, s.target, s.stance) for s in result.stances}
    assert emitted <= {(s.holder, s.target, s.stance) for s in every_tag.stances}
    assert all(s.confidence >= EnrichSettings().stance_min_confidence for s in result.stances)


def test_offsets_are_exact(article: RawArticle, result: Enrichment) -> None:
    fields = {"title": article.title, "body": article.body}
    for entity in result.entities:
        for m in entity.mentions:
            assert fields[m.field][m.start : m.end] == m.text
    for q in result.quantities:
        assert fields[q.field][q.start : q.end] == q.text
    for s in result.stances:
        e = s.evidence
        assert fields[e.field][e.start : e.end] == e.text


def test_quantities_are_kept_apart(result: Enrichment) -> None:
    assert {"DATE", "MONEY"} <= {q.label for q in result.quantities}
    quantity_labels = {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"}
    assert not [e for e in result.entities if e.label in quantity_labels]
