"""Duties laid on a subject and directions the rules read: what becomes a tag. Unit cases on
invented sentences, not figures."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from pipeline.enrich.candidates import CandidateReader
from pipeline.models import RawArticle
from tests.unit.stance_proposals import proposed


def tags(enricher: Enricher, body: str) -> set[tuple[str, str, str]]:
    found = enricher.enrich(RawArticle(id="t", body=body)).stances
    return {(t.holder, t.stance, t.target) for t in found}


def denied(enricher: Enricher, body: str) -> set[tuple[str, str]]:
    """(holder, target) of the candidates a rule marked as no position of the holder."""
    doc, _ = enricher.read(RawArticle(id="t", body=body))
    return {c.key for c in CandidateReader(doc, enricher.catalogue).candidates() if c.denied}


@pytest.mark.parametrize(
    ("body", "holder"),
    [
        ("Senator Jane Roe said the United States must sanction Russia.", "United States"),
        ("Gore said Trump should fire Pruitt.", "Trump"),
        (
            "Senator Jane Roe said Governor Tom Reed should stop attacking Mayor Ana Ruiz.",
            "Tom Reed",
        ),
    ],
)
def test_a_duty_laid_on_a_named_subject_is_no_stance_of_theirs(
    enricher: Enricher, body: str, holder: str
) -> None:
    assert not {t for t in tags(enricher, body) if t[0] == holder}
    assert any(h == holder for h, _ in denied(enricher, body))


def test_a_speakers_demand_through_a_subject_that_is_no_holder_stays(enricher: Enricher) -> None:
    # The holder of "proceed" is the writer of the column, found through "wrote": no duty
    # is laid on him.
    body = (
        "Simon Rosenberg, a Democratic strategist, wrote in a column that the California "
        "debate should proceed as planned."
    )
    assert not any(h == "Simon Rosenberg" for h, _ in denied(enricher, body))


def test_a_stated_stance_of_the_same_shape_is_not_a_duty(enricher: Enricher) -> None:
    body = "Senator Jane Roe said the United States will sanction Russia."
    assert not any(h == "United States" for h, _ in denied(enricher, body))


def test_a_phrase_against_someone_turns_the_verb_round(enricher: Enricher) -> None:
    # Vetoing a resolution against Israel is for Israel, backing one against Iran against
    # Iran: the stance word's direction, composed with the phrase's.
    def read(body: str, holder: str, target: str) -> set[int]:
        return {p for h, t, p in proposed(enricher, body) if h == holder and t == target}

    body = "The United States vetoed a UN resolution against Israel on Tuesday."
    assert read(body, "United States", "Israel") == {1}
    assert read("Germany backed a UN resolution against Iran.", "Germany", "Iran") == {-1}
