"""Holder rules on invented sentences: who holds the stance when the parse offers a group
with people apposed, a campaign of a mislabelled name, or an impersonal "it". Unit cases of
single constructions; the figures come from the real-news gold set."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from pipeline.models import RawArticle
from tests.unit.stance_proposals import Proposal, proposed
from tests.unit.test_holders import candidates, rule_holders


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


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


def test_an_impersonal_it_holds_no_stance(enricher: Enricher) -> None:
    body = "Microsoft reported record profits. It seems that Google criticized the tariffs."
    found = candidates(enricher, body)
    second = [c for c in found if c.sentence.index == 1]
    assert second  # the sentence has candidates, only not from "it"
    assert all(c.holder.name != "Microsoft" for c in second)


def test_an_organisations_it_still_holds_its_stance(enricher: Enricher) -> None:
    body = "Microsoft reported record profits. It strongly opposes the new tariffs."
    assert "Microsoft" in rule_holders(candidates(enricher, body), "tariffs")


@pytest.mark.parametrize(
    ("body", "holders"),
    [
        # the nearest subject is a titled woman: "he" is nobody rather than her
        ("Mrs. Maria Lopez spoke on Monday. He criticized the new tariffs.", set()),
        # the pick contradicts the pronoun: the nearest person whose title agrees
        (
            "Mr. Tom Reyes met Mrs. Maria Lopez on Monday. She criticized the new tariffs.",
            {"Maria Lopez"},
        ),
        (
            "Mrs. Maria Lopez met Mr. Tom Reyes on Monday. He criticized the new tariffs.",
            {"Tom Reyes"},
        ),
        # no title, no gender known: the resolver's pick stands
        ("Maria Lopez spoke on Monday. He criticized the new tariffs.", {"Maria Lopez"}),
    ],
)
def test_a_pronoun_never_goes_to_a_person_whose_title_says_otherwise(
    enricher: Enricher, body: str, holders: set[str]
) -> None:
    assert rule_holders(candidates(enricher, body), "tariffs") == holders


def test_references_follow_the_titles_too(enricher: Enricher) -> None:
    body = "Mr. Tom Reyes met Mrs. Maria Lopez in Berlin. She said he was wrong."
    enriched = enricher.enrich(RawArticle(id="t", body=body))
    refs = {e.name: [r.text for r in e.references] for e in enriched.entities}
    assert refs["Maria Lopez"] == ["She"]
    assert refs["Tom Reyes"] == ["he"]


@pytest.mark.parametrize(
    "second",
    [
        "It is opposed to the new tariffs.",
        "It has been critical of the new tariffs.",
        "It came out against the new tariffs.",
    ],
)
def test_an_it_with_a_stance_in_its_predicate_is_the_organisation(
    enricher: Enricher, second: str
) -> None:
    body = "The ACLU sued the city on Monday. " + second
    assert "ACLU" in rule_holders(candidates(enricher, body), "tariffs")


@pytest.mark.parametrize(
    "body",
    [
        "Bernie Sanders supporters criticized Debbie Wasserman Schultz on Monday.",
        "Wasserman Schultz has long been accused of favoritism by Bernie Sanders supporters.",
        "Hillary Clinton critics slammed Debbie Wasserman Schultz on Monday.",
    ],
)
def test_a_persons_followers_or_critics_are_not_the_person(enricher: Enricher, body: str) -> None:
    assert not rule_holders(candidates(enricher, body), "schultz")


def test_people_named_by_their_stance_as_an_object_are_not_the_subjects(
    enricher: Enricher,
) -> None:
    body = "Steve Bannon told Roy Moore supporters on Monday that the race will matter."
    assert not rule_holders(candidates(enricher, body), "moore")


def test_an_apposition_beyond_the_verb_is_not_the_subjects(enricher: Enricher) -> None:
    # (a real sentence) the parser hangs "Rep. Peter King" on the subject "Americans"
    body = (
        "Quite rightly, Americans for Tax Reform's Grover Norquist is lashing out at "
        "congressional Republicans -- especially Rep. Peter King (R-NY) -- for trying to "
        "weasel out of the anti-tax pledge."
    )
    assert "Peter King" not in rule_holders(candidates(enricher, body), "republicans")


def test_a_name_apposed_to_a_description_s_of_phrase_is_the_description_s(
    enricher: Enricher,
) -> None:
    # the parser hangs "Vincent Prieto" on "Assembly"; an assembly has no person apposed
    body = (
        "Patrick Murray, a pollster, said the governor was popular. A few days ago, the "
        "incoming speaker of the State Assembly, Vincent Prieto, stood side by side with "
        "Mr. Christie at a school, praising him for his work."
    )
    assert rule_holders(candidates(enricher, body), "christie") == {"Vincent Prieto"}


def test_a_gerund_coordinated_with_another_verb_form_takes_no_subject_from_it(
    enricher: Enricher,
) -> None:
    # "bashing" is parsed as a conjunct of "elected", whose subject is Clinton
    body = (
        "Streisand spent much of the campaign working to get Clinton elected and bashing "
        "then-Republican candidate Donald Trump."
    )
    assert "Clinton" not in rule_holders(candidates(enricher, body), "trump")


def test_names_coordinated_after_a_counted_group_are_its_members(enricher: Enricher) -> None:
    # the parser reads the two names as conjuncts of "Republicans", not as apposed
    body = (
        "Two Republicans from Arizona, Senator John McCain and Senator Jeff Flake, "
        "denounced the order."
    )
    assert rule_holders(candidates(enricher, body), "order") == {"John McCain", "Jeff Flake"}
    # without a count the group is one more holder
    body = "Republicans and Senator Jeff Flake denounced the order."
    assert rule_holders(candidates(enricher, body), "order") == {"Republicans", "Jeff Flake"}


def test_a_gerund_with_its_own_auxiliary_shares_the_subject(enricher: Enricher) -> None:
    body = "Senator Rand Paul voted against the bill and is criticizing Mitch McConnell for it."
    assert "Rand Paul" in rule_holders(candidates(enricher, body), "mcconnell")


def test_a_name_apposed_to_a_description_of_a_person_is_not_taken_for_it(
    enricher: Enricher,
) -> None:
    # the widow is not McCain: only a name apposed to an organisation, place or group moves
    body = "The widow of the late senator, John McCain, criticized President Trump on Monday."
    assert "John McCain" not in rule_holders(candidates(enricher, body), "trump")


def test_a_persons_allies_acting_are_not_the_person(enricher: Enricher) -> None:
    body = "President Donald Trump's allies attacked Attorney General Jeff Sessions on Monday."
    assert "Donald Trump" not in rule_holders(candidates(enricher, body), "sessions")


@pytest.mark.parametrize(
    ("body", "proposals"),
    [
        # the parser reads "Greece" as the subject of "accept", in a clause of its own
        ("Merkel wants Greece to accept the bailout.", {("Merkel", "bailout", 1)}),
        # a matrix negation takes no side (frames.denied)
        ("Merkel does not want Greece to accept the bailout.", {("Merkel", "bailout", 0)}),
        ("China wants the United States to lift the tariffs.", {("China", "tariffs", -1)}),
        # an act wanted done to someone: its passive subject is the target, not a holder
        (
            "President Donald Trump wants Jeff Sessions to be fired.",
            {("Donald Trump", "Jeff Sessions", -1), ("Donald Trump", "firing Jeff Sessions", 1)},
        ),
        (
            "President Donald Trump does not want Jeff Sessions to be fired.",
            {("Donald Trump", "Jeff Sessions", 0), ("Donald Trump", "firing Jeff Sessions", 0)},
        ),
        (
            "Democrats want Jeff Sessions fired.",  # the parser gives "fired" a subject
            {("Democrats", "Jeff Sessions", -1), ("Democrats", "firing Jeff Sessions", 1)},
        ),
        ("China wants the sanctions on Russia to be lifted.", {("China", "sanctions", -1)}),
        # "would like": the same wish, which the parser reads as an object and an infinitive
        ("Merkel would like Greece to accept the bailout.", {("Merkel", "bailout", 1)}),
        (
            "President Donald Trump would like Jeff Sessions to be fired.",
            {("Donald Trump", "Jeff Sessions", -1), ("Donald Trump", "firing Jeff Sessions", 1)},
        ),
        # a reported passive wants nothing: the rule reads only verbs of wanting or asking
        ("Democrats said Jeff Sessions was fired.", {("Democrats", "Jeff Sessions", 0)}),
    ],
)
def test_whoever_wants_an_act_holds_the_stance_not_whom_it_is_asked_of(
    enricher: Enricher, body: str, proposals: set[Proposal]
) -> None:
    assert proposed(enricher, body) == proposals
