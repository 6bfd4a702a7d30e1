"""Holder rules on invented sentences: names the entity recogniser missed, and who holds
the stance when the parse offers a description, a title or a coordination. Unit cases of
single constructions; the figures come from the real-news gold set."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from pipeline.enrich.candidates import CandidateReader
from pipeline.enrich.holders import HolderResolver
from pipeline.models import RawArticle
from tests.unit.test_holders import candidates, rule_holders


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


@pytest.mark.parametrize(
    ("body", "holder", "target"),
    [
        # tagged a plural common noun, but its verb is in the singular
        ("Cummings criticizes the new tariffs.", "Cummings", "tariffs"),
        # a proper noun the recogniser left out
        (
            "Haftar met the envoy in Rome but refused to attend the peace talks.",
            "Haftar",
            "peace talks",
        ),
    ],
)
def test_a_name_the_recogniser_missed_holds_the_stance(
    enricher: Enricher, body: str, holder: str, target: str
) -> None:
    doc, _ = enricher.read(RawArticle(id="t", title="", body=body))
    assert all(c.name != holder for c in doc.clusters)  # the recogniser did miss it
    assert holder in rule_holders(candidates(enricher, body), target)


def test_a_missed_name_gets_no_tone_and_no_entity(enricher: Enricher) -> None:
    body = "Cummings criticizes the new tariffs. He said they would cost jobs."
    doc, _ = enricher.read(RawArticle(id="t", title="", body=body))
    holders = HolderResolver(doc)
    assert all(c in doc.clusters for _, _, c in holders.pronoun_mentions())
    assert all(c.name != "Cummings" for c in doc.clusters)


@pytest.mark.parametrize(
    "body",
    [
        "Prosecutors criticized the ruling on Monday.",
        "Police rejected the plan, and Prosecutors criticized the ruling.",
        "Story continues below the advertisement, and critics condemned the plan.",
        "President criticized the ruling on Monday.",
    ],
)
def test_common_nouns_and_titles_are_no_missed_names(enricher: Enricher, body: str) -> None:
    found = candidates(enricher, body)
    assert not {c.holder.name for c in found} & {"Prosecutors", "Police", "Story", "President"}


def test_people_apposed_to_a_group_hold_the_stance_not_the_group(enricher: Enricher) -> None:
    body = "Two Democrats from Ohio, Senator Ana Ruiz and Senator Tom Reyes, denounced the tariffs."
    holders = rule_holders(candidates(enricher, body), "tariffs")
    assert holders == {"Ana Ruiz", "Tom Reyes"}


def test_a_person_keeps_the_stance_over_an_apposed_description(enricher: Enricher) -> None:
    body = "Ana Ruiz, the senator, criticized the new tariffs."
    assert rule_holders(candidates(enricher, body), "tariffs") == {"Ana Ruiz"}


def test_a_campaign_is_its_own_holder_when_its_owner_was_taken_for_a_place(
    enricher: Enricher,
) -> None:
    body = "Kasich's campaign criticized the new tariffs on Sunday."
    doc, _ = enricher.read(RawArticle(id="t", title="", body=body))
    assert [c.label for c in doc.clusters if c.name == "Kasich"] == ["GPE"]  # the model's slip
    assert rule_holders(candidates(enricher, body), "tariffs") == {"Kasich's campaign"}


def test_a_known_countrys_government_stays_the_country(enricher: Enricher) -> None:
    body = "China's government criticized the new tariffs on Sunday."
    assert rule_holders(candidates(enricher, body), "tariffs") == {"China"}


@pytest.mark.parametrize("label", ["WORK_OF_ART", "PRODUCT", "FAC"])
def test_a_subject_the_recogniser_labelled_a_thing_still_holds_the_stance(
    enricher: Enricher, label: str
) -> None:
    body = "Ana Ruiz criticized the new tariffs on Sunday."
    doc, _ = enricher.read(RawArticle(id="t", title="", body=body))
    for c in doc.clusters:
        if c.name == "Ana Ruiz":
            c.label = label  # the slip the small model makes on some surnames
    found = CandidateReader(doc, enricher.catalogue).candidates()
    assert "Ana Ruiz" in rule_holders(found, "tariffs")


def test_a_thing_that_is_no_subject_is_no_missed_holder(enricher: Enricher) -> None:
    body = "Ana Ruiz criticized the new tariffs at the Hilton Hotel."
    doc, _ = enricher.read(RawArticle(id="t", title="", body=body))
    found = CandidateReader(doc, enricher.catalogue).candidates()
    assert not any("Hilton" in c.holder.name for c in found)


def test_an_impersonal_it_holds_no_stance(enricher: Enricher) -> None:
    body = "Microsoft reported record profits. It seems that Google criticized the tariffs."
    found = candidates(enricher, body)
    second = [c for c in found if c.sentence.index == 1]
    assert second  # the sentence has candidates, only not from "it"
    assert all(c.holder.name != "Microsoft" for c in second)


def test_an_organisations_it_still_holds_its_stance(enricher: Enricher) -> None:
    body = "Microsoft reported record profits. It strongly opposes the new tariffs."
    assert "Microsoft" in rule_holders(candidates(enricher, body), "tariffs")
