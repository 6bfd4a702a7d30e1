"""Nested targets of one statement make one tag (``stance.merge_nested``): invented
sentences, each a unit case of the rule, judged with fixed confidences so that the shipped
model's weights do not decide what is tested."""

from __future__ import annotations

from pipeline.enrich import Enricher
from pipeline.enrich.candidates import Candidate, CandidateReader
from pipeline.enrich.stance import merge_nested
from pipeline.models import RawArticle


def candidates(enricher: Enricher, body: str) -> list[Candidate]:
    doc, _ = enricher.read(RawArticle(id="t", title="", body=body))
    return CandidateReader(doc, enricher.catalogue).candidates()


def one(found: list[Candidate], holder: str, surface: str) -> Candidate:
    return next(c for c in found if c.holder.name == holder and c.surface == surface)


def test_a_target_inside_another_of_the_same_statement_is_one_tag(enricher: Enricher) -> None:
    found = candidates(enricher, "Hillary Clinton praised Tom Harkin's record of service.")
    record = one(found, "Hillary Clinton", "Tom Harkin's record of service")
    person = one(found, "Hillary Clinton", "Tom Harkin")
    kept = merge_nested([(0.6, "favor", record), (0.8, "favor", person)])
    assert kept == [(0.8, "favor", person)]
    kept = merge_nested([(0.9, "favor", record), (0.8, "favor", person)])
    assert kept == [(0.9, "favor", record)]


def test_other_directions_holders_and_sentences_stay_apart(enricher: Enricher) -> None:
    body = (
        "Hillary Clinton praised Tom Harkin's record of service. "
        "Joe Biden praised Tom Harkin's record of service."
    )
    found = candidates(enricher, body)
    record = one(found, "Hillary Clinton", "Tom Harkin's record of service")
    person = one(found, "Hillary Clinton", "Tom Harkin")
    other_holder = one(found, "Joe Biden", "Tom Harkin")
    assert record.sentence is not other_holder.sentence
    judged = [(0.9, "favor", record), (0.5, "against", person), (0.7, "favor", other_holder)]
    assert sorted(merge_nested(judged), key=lambda j: -j[0]) == sorted(judged, key=lambda j: -j[0])


def test_words_not_letters_decide_nesting(enricher: Enricher) -> None:
    found = candidates(enricher, "Hillary Clinton praised Tom Harkin's record of service.")
    record = one(found, "Hillary Clinton", "Tom Harkin's record of service")
    # "Tom Harkin's record of service" holds the letters of "Harki" but not the word.
    partial = next(c for c in found if c is not record)
    fake = type(partial)(**{**partial.__dict__, "surface": "Harki"})
    assert len(merge_nested([(0.9, "favor", record), (0.8, "favor", fake)])) == 2
