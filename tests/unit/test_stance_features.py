"""Features the stance model reads off a candidate, on invented sentences (unit cases)."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from pipeline.enrich.candidates import CandidateReader
from pipeline.enrich.stance_model import features
from pipeline.models import RawArticle


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


def moods(enricher: Enricher, body: str, holder: str) -> set[str]:
    doc, _ = enricher.read(RawArticle(id="t", body=body))
    return {
        name.removeprefix("mood=")
        # as training reads them: the entity-pair rule's pairs that no other rule proposes too
        for c in CandidateReader(doc, enricher.catalogue).candidates(pairs_alone=True)
        if c.holder.name == holder
        for name in features(c)
        if name.startswith("mood=") and "|" not in name
    }


@pytest.mark.parametrize(
    ("body", "mood"),
    [
        ("Senator Ana Ruiz backed the housing plan of Mayor Tom Reed.", "stated"),
        ("Senator Ana Ruiz might back the housing plan of Mayor Tom Reed.", "possible"),
        ("Senator Ana Ruiz did not back the housing plan of Mayor Tom Reed.", "denied"),
        ("Senator Ana Ruiz would back the housing plan of Mayor Tom Reed.", "would"),
        ("If Senator Ana Ruiz backs the plan of Mayor Tom Reed, it will pass.", "condition"),
        ("Reporters asked whether Senator Ana Ruiz backs Mayor Tom Reed.", "condition"),
        ("Does Senator Ana Ruiz back the housing plan of Mayor Tom Reed?", "question"),
    ],
)
def test_a_possible_or_denied_position_is_told_from_a_stated_one(
    enricher: Enricher, body: str, mood: str
) -> None:
    # The guidelines tag no hypothetical or denied position ("X may oppose", "if X supports",
    # "X did not criticise Y"): the model needs to see the difference to learn it, also for
    # the entity-pair rule, which reads no stance word and so no negation of its own.
    assert moods(enricher, body, "Ana Ruiz") == {mood}
