"""Stance nouns and phrases of :mod:`pipeline.enrich.noun_rules` on invented sentences: each
rule proposes its (holder, target) under its own source and direction. Unit cases, not
figures."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from tests.unit.stance_proposals import proposed


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


def has(found: set[tuple[str, str, int]], holder: str, word: str, prior: int) -> bool:
    return any(h == holder and word in t.lower() and p == prior for h, t, p in found)


@pytest.mark.parametrize(
    ("body", "holder", "target", "prior"),
    [
        # the owner of the speech the attacks make up
        ("Governor Ann Park kept to her stump speech of attacks on Mayor Tom Reed.",
         "Ann Park", "Tom Reed", -1),
        # the subject of the verb making the series
        ("Governor Ann Park launched a barrage of attacks on Mayor Tom Reed.",
         "Ann Park", "Tom Reed", -1),
        # the owner of the subject the act is said of
        ("Governor Ann Park's speech was a sharp attack on Mayor Tom Reed.",
         "Ann Park", "Tom Reed", -1),
        # engaging in the act
        ("Governor Ann Park engaged in attacks on Mayor Tom Reed.", "Ann Park", "Tom Reed", -1),
    ],
)  # fmt: skip
def test_an_act_noun_is_held_by_who_owns_its_series(
    enricher: Enricher, body: str, holder: str, target: str, prior: int
) -> None:
    assert has(proposed(enricher, body, "noun_series"), holder, target.lower(), prior)


def test_a_report_of_acts_is_not_its_owners(enricher: Enricher) -> None:
    # who reports attacks does not make them
    body = "Governor Ann Park's report of attacks on Mayor Tom Reed was read out."
    assert not proposed(enricher, body, "noun_series")


@pytest.mark.parametrize(
    ("body", "holder", "target"),
    [
        # the subject of the verb making the act
        ("Governor Ann Park held a rally against Mayor Tom Reed.", "Ann Park", "Tom Reed"),
        ("Governor Ann Park gave a speech against the pipeline.", "Ann Park", "pipeline"),
        # the act's owner
        ("Governor Ann Park's lawsuit against the pipeline was heard.", "Ann Park", "pipeline"),
    ],
)  # fmt: skip
def test_an_act_against_a_target_is_its_makers(
    enricher: Enricher, body: str, holder: str, target: str
) -> None:
    assert has(proposed(enricher, body, "against_noun"), holder, target.lower(), -1)


def test_an_act_against_its_receiver_is_not_theirs(enricher: Enricher) -> None:
    body = "Mayor Tom Reed dismissed the lawsuit against Governor Ann Park."
    assert not proposed(enricher, body, "against_noun")
