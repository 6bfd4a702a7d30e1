"""Targets written as a description of someone named before ("endorsed the businessman",
"went after the senator"): unit cases of single constructions, not figures."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from tests.unit.test_holders import candidates


def _described(enricher: Enricher, body: str) -> set[tuple[str, str]]:
    return {
        (c.holder.name, c.target.text)
        for c in candidates(enricher, body)
        if c.source == "description"
    }


@pytest.mark.parametrize(
    ("body", "holder", "target"),
    [
        (
            "Senator Tom Reyes spoke in Ohio on Monday. Mayor Ana Ruiz later attacked the senator.",
            "Ana Ruiz",
            "Tom Reyes",
        ),
        (
            "Walter Brandt opened a new tower in Denver. Governor Maria Lopez quickly "
            "endorsed the wealthy businessman.",
            "Maria Lopez",
            "Walter Brandt",
        ),
        (
            "President Tom Reyes signed the order on Monday. Mayor Ana Ruiz sharply criticized "
            "the president.",
            "Ana Ruiz",
            "Tom Reyes",
        ),
    ],
)
def test_a_described_target_stands_for_the_entity_named_before(
    untrained_enricher: Enricher, body: str, holder: str, target: str
) -> None:
    assert (holder, target) in _described(untrained_enricher, body)


def test_a_described_target_is_never_its_own_holder(untrained_enricher: Enricher) -> None:
    body = "Senator Tom Reyes met voters. Senator Ana Ruiz criticized the senator."
    found = _described(untrained_enricher, body)
    assert ("Ana Ruiz", "Tom Reyes") in found
    assert all(h != t for h, t in found)


def test_a_title_means_the_person_so_titled_before_a_nearer_one(
    untrained_enricher: Enricher,
) -> None:
    body = (
        "Senator Tom Reyes spoke in Ohio on Monday. Walter Brandt opened a new tower in "
        "Denver. Mayor Ana Ruiz later attacked the senator."
    )
    found = _described(untrained_enricher, body)
    assert ("Ana Ruiz", "Tom Reyes") in found
    assert ("Ana Ruiz", "Walter Brandt") not in found


def test_a_plain_person_noun_holds_the_stance_of_the_person_named_before(
    untrained_enricher: Enricher,
) -> None:
    body = (
        "Walter Brandt ran against Maria Lopez in the primary. After he dropped out in March, "
        "the subdued businessman quickly endorsed Maria Lopez."
    )
    found = candidates(untrained_enricher, body)
    assert any(c.source == "verb" and c.holder.name == "Walter Brandt" for c in found)
    assert all(c.holder.name != "Maria Lopez" for c in found if c.source == "verb")
