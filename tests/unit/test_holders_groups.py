"""Holders that are not the name before them: a body a place only locates ("the Ohio
teachers union"). Unit cases of single constructions, not figures."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from tests.unit.stance_proposals import proposed


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


def rule_holders(enricher: Enricher, body: str, target_word: str) -> set[str]:
    """Holders the structured rules (not bare entity pairs) give a target word."""
    return {h for h, target, _ in proposed(enricher, body) if target_word in target.lower()}


@pytest.mark.parametrize(
    ("body", "holder", "place"),
    [
        ("The Ohio teachers union accused Ruth Alvarez of lying.", "Ohio teachers union", "Ohio"),
        ("The NJ transit union warned Ruth Alvarez on Monday.", "NJ transit union", "NJ"),
    ],
)
def test_a_body_a_place_only_locates_holds_its_own_stance(
    enricher: Enricher, body: str, holder: str, place: str
) -> None:
    holders = rule_holders(enricher, body, "alvarez")
    assert holder in holders
    assert place not in holders


def test_a_pronoun_after_a_missed_name_in_a_coordinated_clause_takes_no_other_name(
    enricher: Enricher,
) -> None:
    body = (
        "Quimby has long been critical of Governor Ruth Alvarez, but he has never "
        "condemned his fellow Democrats so clearly."
    )
    assert "Ruth Alvarez" not in rule_holders(enricher, body, "democrats")


def test_a_pronoun_in_a_coordinated_clause_still_takes_a_named_subject(
    enricher: Enricher,
) -> None:
    body = (
        "Carl Diaz has long been critical of Governor Ruth Alvarez, and he condemned "
        "the Democrats on Monday."
    )
    assert rule_holders(enricher, body, "democrats") == {"Carl Diaz"}


@pytest.mark.parametrize(
    "body",
    [
        "Critics attacked John Smith, but he defended the housing plan.",
        "Democrats criticized John Smith, but he defended the housing plan.",
    ],
)
def test_a_pronoun_after_a_group_subject_still_looks_back(enricher: Enricher, body: str) -> None:
    # "he" cannot mean a group or a plural word: the person named before is the holder
    assert rule_holders(enricher, body, "housing") == {"John Smith"}
