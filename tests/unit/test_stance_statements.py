"""A statement's participle speaks for its author, and a copula's attribute is a reported
clause's judgement, not its target. Invented sentences of the shapes found on real news:
unit cases, not figures."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from tests.unit.stance_proposals import proposed


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


@pytest.mark.parametrize(
    ("body", "holder", "target", "direction"),
    [
        ("The Labor Party released a statement condemning the new tax.", "Labor Party", "tax", -1),
        (
            "Susan Collins sent a letter urging the Senate to reject the farm bill.",
            "Susan Collins",
            "farm bill",
            -1,
        ),
        ("Kevin Rudd issued a statement praising the new treaty.", "Kevin Rudd", "treaty", 1),
        (
            "Tony Abbott spoke on Monday. His statement condemning the new tax was read out.",
            "Tony Abbott",
            "tax",
            -1,
        ),
    ],
)
def test_a_statement_participle_is_its_authors_stance(
    enricher: Enricher, body: str, holder: str, target: str, direction: int
) -> None:
    assert (holder, target, direction) in proposed(enricher, body)


def test_a_participle_on_what_someone_watched_is_not_theirs(enricher: Enricher) -> None:
    found = proposed(enricher, "Susan Collins watched a video condemning the new tax.")
    assert not any(h == "Susan Collins" for h, _, _ in found)


def test_a_copulas_attribute_is_the_judgement_not_the_target(enricher: Enricher) -> None:
    body = '"Todd Woodbridge is the best doubles player in the world," Pat Rafter said.'
    found = proposed(enricher, body, "reported")
    assert ("Pat Rafter", "Todd Woodbridge") in {(h, t) for h, t, _ in found}
    assert not any("player" in t for _, t, _ in found)


def test_a_judgement_subject_makes_the_attribute_the_target(enricher: Enricher) -> None:
    body = '"The real mistake is the new tax," John Smith said.'
    assert any(h == "John Smith" and "tax" in t for h, t, _ in proposed(enricher, body, "reported"))


@pytest.mark.parametrize(
    ("body", "holder", "target"),
    [
        (
            "Alexander Downer has given his support to the new trade document.",
            "Alexander Downer",
            "trade document",
        ),
        ("Kevin Rudd lent his backing to the new bill.", "Kevin Rudd", "bill"),
    ],
)
def test_a_stance_noun_given_to_its_target(
    enricher: Enricher, body: str, holder: str, target: str
) -> None:
    assert (holder, target, 1) in proposed(enricher, body, "noun")


def test_a_stance_noun_sent_to_someone_is_not_given_to_them(enricher: Enricher) -> None:
    found = proposed(enricher, "Kevin Rudd sent his criticism of the bill to Julia Gillard.")
    assert not any(t == "Julia Gillard" for _, t, _ in found)
