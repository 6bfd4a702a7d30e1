"""Stance rules on invented texts: predicates, negation, control verbs, pronouns, speech."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import EnrichSettings
from pipeline.enrich import Enricher
from pipeline.models import RawArticle, StanceTag


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher(EnrichSettings())


def stances(enricher: Enricher, body: str, title: str = "") -> list[StanceTag]:
    return enricher.enrich(RawArticle(id="t", title=title, body=body)).stances


def triples(tags: list[StanceTag]) -> set[tuple[str, str, str]]:
    return {(t.holder, t.target, t.stance) for t in tags}


def test_direct_predicates_both_ways(enricher: Enricher) -> None:
    body = (
        "Italian Prime Minister Giorgia Meloni endorsed the new sanctions on Monday. "
        "Slovak Prime Minister Robert Fico condemned the sanctions."
    )
    found = triples(stances(enricher, body))
    assert ("Giorgia Meloni", "sanctions", "favor") in found
    assert ("Robert Fico", "sanctions", "against") in found


def test_refuse_to_back_is_against(enricher: Enricher) -> None:
    body = "Senator Ana Ruiz refused to back the trade agreement with Vietnam."
    assert ("Ana Ruiz", "trade_deal", "against") in triples(stances(enricher, body))


def test_did_not_oppose_is_neutral_not_against(enricher: Enricher) -> None:
    body = "Governor Mark Ellis did not oppose the minimum wage increase."
    found = triples(stances(enricher, body))
    assert ("Mark Ellis", "minimum_wage", "neutral") in found
    assert ("Mark Ellis", "minimum_wage", "against") not in found


def test_agree_not_to_action_is_against_the_action(enricher: Enricher) -> None:
    body = "Militia leader Omar Haddad agreed not to shell the airport near Tripoli."
    tags = stances(enricher, body)
    tag = next(t for t in tags if t.holder == "Omar Haddad")
    assert tag.stance == "against" and tag.target.startswith("shelling")
    assert tag.target_kind == "phrase" and "agree not to" in tag.predicate


def test_reversing_and_sustaining_actions(enricher: Enricher) -> None:
    body = (
        "Chancellor Karl Nehammer pledged to lift sanctions on Belarus. "
        "President Alar Karis vowed to extend the ceasefire."
    )
    found = triples(stances(enricher, body))
    assert ("Karl Nehammer", "sanctions", "against") in found
    assert ("Alar Karis", "ceasefire", "favor") in found


def test_pronoun_subject_resolves_to_previous_person(enricher: Enricher) -> None:
    body = "Minister Lena Voss arrived in Oslo on Sunday. She rejected the peace plan."
    assert ("Lena Voss", "peace_deal", "against") in triples(stances(enricher, body))


def test_definite_description_resolves_to_titled_person(enricher: Enricher) -> None:
    body = (
        "Finance Minister Pedro Alves met bankers in Lisbon. "
        "The minister welcomed the tax cuts announced by the government."
    )
    assert ("Pedro Alves", "tax_cuts", "favor") in triples(stances(enricher, body))


def test_anonymous_official_is_not_a_named_holder(enricher: Enricher) -> None:
    body = (
        "President Irfaan Ali visited Georgetown. A senior official, speaking anonymously, "
        "described the visit. The official rejected the tariffs."
    )
    assert not [t for t in stances(enricher, body) if t.target == "tariffs"]


def test_reported_speech_attributes_to_speaker(enricher: Enricher) -> None:
    body = "Foreign Minister Penny Wong said humanitarian aid to Gaza would continue."
    tag = next(iter(stances(enricher, body)))
    assert (tag.holder, tag.target, tag.stance) == ("Penny Wong", "humanitarian_aid", "favor")
    assert tag.predicate == "say" and tag.evidence.text.startswith("Foreign Minister")


def test_speaker_owns_pronoun_in_reported_clause(enricher: Enricher) -> None:
    body = "Nigel Farage met voters in Kent. Keir Starmer said he would oppose the tax increases."
    assert ("Keir Starmer", "tax_increases", "against") in triples(stances(enricher, body))


def test_entity_as_target(enricher: Enricher) -> None:
    body = "Argentine lawmaker Sofia Paz criticized Microsoft over its data centres."
    tag = next(t for t in stances(enricher, body) if t.holder == "Sofia Paz")
    assert (tag.target, tag.target_kind, tag.stance) == ("Microsoft", "entity", "against")


def test_several_holders_in_one_sentence(enricher: Enricher) -> None:
    body = "Chile and Peru welcomed the climate agreement, while Bolivia rejected it."
    found = triples(stances(enricher, body))
    assert {("Chile", "climate_policy", "favor"), ("Peru", "climate_policy", "favor")} <= found


def test_passive_with_agent(enricher: Enricher) -> None:
    body = "The gun control bill was vetoed by Governor Kay Brandt on Friday."
    assert ("Kay Brandt", "gun_control", "against") in triples(stances(enricher, body))


def test_phrase_target_when_not_in_catalogue(enricher: Enricher) -> None:
    body = "Mayor Tom Reyes opposed the new stadium project."
    tag = next(t for t in stances(enricher, body))
    assert tag.target_kind == "phrase" and "stadium project" in tag.target


def test_sentences_without_stance_give_no_tags(enricher: Enricher) -> None:
    body = (
        "Heavy snow closed roads across Bavaria on Tuesday. Chancellor Friedrich Merz "
        "travelled to Munich, where he met local officials. Temperatures fell to minus 20."
    )
    assert stances(enricher, body) == []


def test_confidence_and_evidence_offsets(enricher: Enricher) -> None:
    body = "Intro sentence here. Premier Li Qiang praised the free trade agreement."
    for tag in stances(enricher, body):
        assert 0.0 <= tag.confidence <= 1.0
        assert body[tag.evidence.start : tag.evidence.end] == tag.evidence.text


def test_catalogue_path_is_overridable(tmp_path: Path) -> None:
    catalogue = tmp_path / "targets.yaml"
    catalogue.write_text(
        "version: 1\ntargets:\n  stadium:\n    aliases: [stadium project, arena]\n",
        encoding="utf-8",
    )
    enricher = Enricher(EnrichSettings(targets_path=catalogue))
    tags = stances(enricher, "Mayor Tom Reyes opposed the new stadium project.")
    assert triples(tags) == {("Tom Reyes", "stadium", "against")}
