"""Stance rules of issue #12 on invented sentences: each proposes its (holder, target) under its
own source and direction. Unit cases, not figures."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from tests.unit.stance_proposals import proposed


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


def has(found: set[tuple[str, str, int]], holder: str, word: str, prior: int) -> bool:
    return any(holder in h and word in t.lower() and p == prior for h, t, p in found)


@pytest.mark.parametrize(
    ("body", "holder", "target", "prior"),
    [
        ("Senator Rosa Diaz launched into a long attack on Governor Tom Reed.",
         "Rosa Diaz", "reed", -1),
        ("Senator Rosa Diaz ended her speech with a jab at Governor Tom Reed.",
         "Rosa Diaz", "reed", -1),
    ],
)  # fmt: skip
def test_a_stance_act_in_a_verbs_phrase_is_its_subjects(
    enricher: Enricher, body: str, holder: str, target: str, prior: int
) -> None:
    assert has(proposed(enricher, body, "noun_phrase"), holder, target, prior)


def test_an_act_received_in_a_phrase_is_not_the_subjects(enricher: Enricher) -> None:
    body = "Senator Rosa Diaz was hit with an attack on Governor Tom Reed."
    assert not proposed(enricher, body, "noun_phrase")


@pytest.mark.parametrize(
    "body",
    [
        "The FBI is looking into an attack on Senator Rosa Diaz at her office in Ohio.",
        "Senator Rosa Diaz disagreed with the criticism of Governor Tom Reed.",
        "Senator Rosa Diaz broke with the Republican criticism of Governor Tom Reed.",
        "The Justice Department charged John Smith with assault on Governor Tom Reed.",
        "Senator Rosa Diaz said the meeting began with an attack on Governor Tom Reed.",
        "Senator Rosa Diaz opened with the attacks on Governor Tom Reed by his opponents.",
        "Senator Rosa Diaz responded with the criticism of Governor Tom Reed that Republicans"
        " had voiced.",
        "Senator Rosa Diaz began with the criticism of Governor Tom Reed from his own party.",
        "Senator Rosa Diaz ended up with criticism of Governor Tom Reed in her inbox.",
    ],
)
def test_an_act_someone_else_made_is_not_the_subjects(enricher: Enricher, body: str) -> None:
    assert not proposed(enricher, body, "noun_phrase")


@pytest.mark.parametrize(
    ("body", "holder", "target", "prior"),
    [
        ("Governor Tom Reed faced a backlash from Senator Rosa Diaz on Friday.",
         "Rosa Diaz", "reed", -1),
        ("Governor Tom Reed has drawn ire from Senator Rosa Diaz for his budget.",
         "Rosa Diaz", "reed", -1),
        ("Governor Tom Reed is facing pressure from Senator Rosa Diaz to approve the pipeline.",
         "Rosa Diaz", "pipeline", 1),
        ("The talk turned to Governor Tom Reed and his endorsement from Senator Rosa Diaz.",
         "Rosa Diaz", "reed", 1),
        # a stance the subject wins or draws, owned by the possessive
        ("Governor Tom Reed received Senator Rosa Diaz's endorsement.", "Rosa Diaz", "reed", 1),
        ("Governor Tom Reed drew Senator Rosa Diaz's scorn.", "Rosa Diaz", "reed", -1),
    ],
)  # fmt: skip
def test_what_a_subject_receives_from_someone_is_that_someones_stance(
    enricher: Enricher, body: str, holder: str, target: str, prior: int
) -> None:
    assert has(proposed(enricher, body, "received_from"), holder, target, prior)


@pytest.mark.parametrize(
    ("body", "target", "prior"),
    [
        ("Governor Tom Reed faces pressure from Senator Rosa Diaz to reject Brett Kavanaugh.",
         "kavanaugh", -1),
        ("Governor Tom Reed faces pressure from Senator Rosa Diaz to block the pipeline.",
         "pipeline", -1),
    ],
)  # fmt: skip
def test_pressure_takes_the_direction_of_the_act_it_presses_for(
    enricher: Enricher, body: str, target: str, prior: int
) -> None:
    found = proposed(enricher, body, "received_from")
    assert has(found, "Rosa Diaz", target, prior)
    assert not has(found, "Rosa Diaz", target, -prior)


@pytest.mark.parametrize(
    "act",
    ["to never oppose Mayor John Smith", "to not endorse Mayor John Smith",
     "to reject calls to impeach Mayor John Smith"],
)  # fmt: skip
def test_pressure_for_a_denied_or_nested_act_reads_no_side(enricher: Enricher, act: str) -> None:
    body = f"Governor Tom Reed faces pressure from Senator Rosa Diaz {act}."
    assert not any("smith" in t.lower() for _, t, _ in proposed(enricher, body, "received_from"))


@pytest.mark.parametrize(
    "body",
    ["Governor Tom Reed never won Senator Rosa Diaz's endorsement.",
     "Governor Tom Reed could win Senator Rosa Diaz's endorsement if he drops the plan.",
     # "his" stands for the subject itself
     "Governor Tom Reed has his support."],
)  # fmt: skip
def test_a_stance_not_won_or_ones_own_is_no_ones(enricher: Enricher, body: str) -> None:
    assert not any("reed" in t.lower() for _, t, _ in proposed(enricher, body, "received_from"))


def test_pressure_without_an_act_is_no_stance(enricher: Enricher) -> None:
    body = "Governor Tom Reed is facing pressure from Senator Rosa Diaz."
    assert not proposed(enricher, body, "received_from")


def test_the_act_of_a_titled_name_is_that_names(enricher: Enricher) -> None:
    # the parser hangs "to the United Nations Rosa Diaz" on "work", not on the title
    body = "Mayor Tom Reed praised the work of U.S. Ambassador to the United Nations Rosa Diaz."
    assert has(proposed(enricher, body, "complement"), "Tom Reed", "rosa diaz", 1)


def test_a_headline_verb_taken_for_a_name_links_the_names_around_it(enricher: Enricher) -> None:
    body = "Senator Tom Reed Attacked Governor Rosa Diaz Over Her Emails."
    assert has(proposed(enricher, body, "headline_verb"), "Tom Reed", "rosa diaz", -1)


def test_a_verb_with_its_subject_is_no_headline_verb(enricher: Enricher) -> None:
    # the parse reads "attacks" as the verb of "Rosa Diaz": the verb rules' own
    assert not proposed(enricher, "Mayor Rosa Diaz attacks Tom Reed.", "headline_verb")


def test_a_passives_stray_by_phrase_names_its_agent(enricher: Enricher) -> None:
    body = "Governor Tom Reed was applauded - including by Senator Rosa Diaz - after his speech."
    assert has(proposed(enricher, body, "passive_by"), "Rosa Diaz", "tom reed", 1)


def test_a_relative_pronoun_object_stands_for_the_noun_it_modifies(enricher: Enricher) -> None:
    body = "Senator Rosa Diaz praised Governor Tom Reed, whom she has long supported."
    assert has(proposed(enricher, body, "relative_object"), "Rosa Diaz", "tom reed", 1)
