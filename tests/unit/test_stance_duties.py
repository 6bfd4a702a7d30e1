"""Duties laid on a subject and directions the rules read: what becomes a tag. Unit cases on
invented sentences, not figures."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pipeline.enrich import Enricher
from pipeline.enrich.candidates import CandidateReader
from pipeline.enrich.stance import contradicts, readings, settle, stated
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


def test_every_subject_of_a_duty_is_denied_and_ought_is_one(enricher: Enricher) -> None:
    body = "Senator Ana Ruiz and Senator Tom Reyes must support Governor Tom Reed, said Jane Roe."
    holders = {h for h, _ in denied(enricher, body)}
    assert {"Ana Ruiz", "Tom Reyes"} <= holders
    assert any(
        h == "Congress"
        for h, _ in denied(enricher, "Congress ought to reject Gina Haspel, Jane Roe said.")
    )


def test_the_speakers_own_duty_is_their_position(enricher: Enricher) -> None:
    body = "Donald Trump should have fired James Comey sooner, Donald Trump told Fox News."
    assert ("Donald Trump", "against", "James Comey") in tags(enricher, body)


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


@pytest.mark.parametrize(
    ("body", "holder", "target"),
    [
        (
            "The United States vetoed a UN resolution against Israel on Tuesday.",
            "United States",
            "Israel",
        ),
        ("Angela Merkel supported the measure against Russia.", "Angela Merkel", "Russia"),
        ("Donald Trump praised the decision against Google.", "Donald Trump", "Google"),
    ],
)
def test_the_pair_rule_does_not_turn_a_read_direction_round(
    enricher: Enricher, body: str, holder: str, target: str
) -> None:
    # The stance word reads a direction toward the entity; the entity-pair rule, judged by
    # the stance word alone, used to give the opposite one.
    read = {p for h, t, p in proposed(enricher, body) if h == holder and t == target}
    wrong = "against" if read == {1} else "favor"
    assert read in ({1}, {-1})
    assert (holder, wrong, target) not in tags(enricher, body)


@pytest.mark.parametrize(
    ("body", "holder", "target"),
    [
        (
            "Bobby Jindal Calls for Senate Leader Mitch McConnell to Resign",
            "Bobby Jindal",
            "Mitch McConnell",
        ),
        (
            "Democrats called for Attorney General Jeff Sessions to step down.",
            "Democrats",
            "Jeff Sessions",
        ),
        (
            # the parser reads "for Barr to resign" as a clause: "for" its marker
            "Senator Ana Ruiz called for Attorney General William Barr to resign.",
            "Ana Ruiz",
            "William Barr",
        ),
        (
            # "aside" hung as an adverb, not a particle
            "Democrats called for Secretary Kirstjen Nielsen to step aside.",
            "Democrats",
            "Kirstjen Nielsen",
        ),
        (
            "Democrats called for Senator Al Franken to withdraw from the race.",
            "Democrats",
            "Al Franken",
        ),
    ],
)
def test_calling_for_someone_to_leave_is_against_them(
    enricher: Enricher, body: str, holder: str, target: str
) -> None:
    read = {p for h, t, p in proposed(enricher, body) if h == holder and t == target}
    assert -1 in read and 1 not in read
    assert (holder, "favor", target) not in tags(enricher, body)


@pytest.mark.parametrize(
    "clause",
    [
        "go ahead with the plan",
        "quit smoking",
        "stand down the troops",
        "leave the door open",
        "release the full report",
        "withdraw from Syria",
    ],
)
def test_asking_someone_to_do_something_else_is_no_side_toward_them(
    enricher: Enricher, clause: str
) -> None:
    # A demand of Sessions, not a position toward him (docs/annotation.md: the target of a
    # demand is what is demanded): neither against, as a call to leave is, nor for.
    body = f"Democrats called for Attorney General Jeff Sessions to {clause}."
    assert {p for h, t, p in proposed(enricher, body) if t == "Jeff Sessions"} <= {0}
    assert not {t for t in tags(enricher, body) if t[2] == "Jeff Sessions"}


def test_a_phrase_against_someone_turns_the_verb_round(enricher: Enricher) -> None:
    # Vetoing a resolution against Israel is for Israel, backing one against Iran against
    # Iran: the stance word's direction, composed with the phrase's.
    def read(body: str, holder: str, target: str) -> set[int]:
        return {p for h, t, p in proposed(enricher, body) if h == holder and t == target}

    body = "The United States vetoed a UN resolution against Israel on Tuesday."
    assert read(body, "United States", "Israel") == {1}
    assert read("Germany backed a UN resolution against Iran.", "Germany", "Iran") == {-1}


@dataclass(frozen=True)
class _Read:
    key: tuple[str, str]
    where: tuple[str, int]
    reading: int
    denied: bool = False
    prior: int = 0


def test_a_directionless_candidate_may_not_contradict_the_read_direction() -> None:
    a, b, s = ("A", "B"), ("A", "C"), ("body", 0)
    found = [
        _Read(a, s, 1),
        _Read(a, s, 0),
        _Read(b, s, 1),
        _Read(b, s, -1),
        _Read(a, ("body", 9), 0),
    ]
    read = readings(found)
    assert read == {(a, s): 1}  # rules that disagree read nothing
    assert contradicts(found[1], 2, read) and not contradicts(found[1], 1, read)
    assert not contradicts(found[0], 2, read)  # a reading candidate is judged by side()
    assert not contradicts(found[4], 2, read)  # another sentence


@dataclass(frozen=True)
class _Stated:
    key: tuple[str, str]
    rule: str
    prior: int
    where: tuple[str, int] = ("body", 0)
    reading: int = 0
    denied: bool = False


def test_a_directionless_candidate_may_not_turn_round_a_stated_direction() -> None:
    # "X defended the reform" states favor; a quote of X's two sentences on (prior 0) may
    # confirm it but not make a tag against the reform
    a, b = ("X", "reform"), ("X", "tax")
    verb, quote = _Stated(a, "verb", 1), _Stated(a, "reported", 0, ("body", 30))
    other = _Stated(b, "reported", 0, ("body", 30))
    assert stated([verb, quote, other]) == {a: 1}
    assert stated([verb, _Stated(a, "frame", -1)]) == {}  # the words disagree: none stated
    judged = [(verb, 0.44, 1), (quote, 0.74, 2), (other, 0.7, 2)]
    assert settle(judged, {}) == [(verb, 0.44, 1), (other, 0.7, 2)]
    assert settle([(verb, 0.44, 1), (quote, 0.74, 1)], {}) == [(verb, 0.44, 1), (quote, 0.74, 1)]


def test_a_quote_does_not_turn_round_what_its_speaker_defended(enricher: Enricher) -> None:
    body = (
        'Prime Minister Élise Marchand defended the reform. "If we do nothing, the deficit '
        'will reach 13 billion euros by 2030. Doing nothing is not an option," she said. '
        '"This reform is about saving our pay-as-you-go system for our children."'
    )
    assert not [t for t in tags(enricher, body) if t[2] == "reform" and t[1] == "against"]


def test_an_infinitive_of_purpose_keeps_the_verb_s_side(enricher: Enricher) -> None:
    # Only "for X to …" is a demand of X; after another phrase the infinitive says why.
    body = "Speaker Nancy Pelosi lashed out at President Donald Trump to rally her base."
    read = {p for h, t, p in proposed(enricher, body) if t == "Donald Trump"}
    assert -1 in read and 0 not in read


@pytest.mark.parametrize(
    ("body", "target", "direction"),
    [
        # a thing asked for, with a why: the demand is for the thing
        (
            "Senator Marco Rubio called for sanctions against Russia to punish Putin.",
            "sanctions",
            1,
        ),
        (
            "Senator Kamala Harris pushed for the Dream Act to protect young immigrants.",
            "Dream Act",
            1,
        ),
        # someone asked to stay or be put in is backed, to be put out opposed
        (
            "Senator Mitch McConnell pushed for Merrick Garland to be confirmed.",
            "Merrick Garland",
            1,
        ),
        ("Senator Lindsey Graham called for Jeff Sessions to stay in his job.", "Jeff Sessions", 1),
        ("Democrats called for President Donald Trump to be impeached.", "Donald Trump", -1),
    ],
)
def test_what_a_demand_asks_of_its_object_gives_the_side(
    enricher: Enricher, body: str, target: str, direction: int
) -> None:
    read = {p for h, t, p in proposed(enricher, body) if target in t}
    assert direction in read and -direction not in read


@pytest.mark.parametrize(
    ("body", "asked", "direction"),
    [
        # "for Garland to be confirmed" parsed as a second "for" phrase with an infinitive
        (
            "Senator Jane Roe called for a new investigation and for Judge Merrick Garland "
            "to be confirmed.",
            "Merrick Garland",
            1,
        ),
        ("Senator Jane Roe called for sanctions and for Russia to withdraw from Syria.", "", 0),
    ],
)
def test_a_second_for_phrase_reads_what_its_infinitive_asks(
    enricher: Enricher, body: str, asked: str, direction: int
) -> None:
    read = proposed(enricher, body, "frame")
    assert {p for h, t, p in read if "investigation" in t or "sanctions" in t} == {1}
    if direction:
        assert ("Jane Roe", asked, direction) in read
    else:  # another act asked of a country: no side toward it
        assert not {t for h, t, p in read if "Russia" in t}


def test_a_demand_with_two_phrases_reads_each_for_what_it_asks(enricher: Enricher) -> None:
    # "for Tom Reed to resign" is parsed as a clause of its own beside "for a new
    # investigation": the investigation is asked for, Reed asked to go; the clause's
    # departure is not the investigation's
    body = (
        "Senator Jane Roe called for a new investigation and for Attorney General Tom Reed to "
        "resign."
    )
    read = proposed(enricher, body, "frame")
    assert {p for h, t, p in read if "investigation" in t} == {1}
    assert ("Jane Roe", "Tom Reed", -1) in read


@pytest.mark.parametrize(
    "body",
    [
        "Al Gore said President Donald Trump has to fire Scott Pruitt.",
        "Al Gore said President Donald Trump needs to fire Scott Pruitt.",
        "Al Gore criticized President Donald Trump, who must fire Scott Pruitt.",
    ],
)
def test_a_duty_spelt_with_a_verb_or_a_relative_is_no_position_of_its_subject(
    enricher: Enricher, body: str
) -> None:
    assert ("Donald Trump", "Scott Pruitt") in denied(enricher, body)
    assert not {t for t in tags(enricher, body) if t[0] == "Donald Trump"}


def test_a_duty_laid_on_a_passive_s_agent_is_no_position_of_the_agent(
    enricher: Enricher,
) -> None:
    body = "Senator Jane Roe said Scott Pruitt should be fired by President Donald Trump."
    assert ("Donald Trump", "Scott Pruitt") in denied(enricher, body)
    assert not {t for t in tags(enricher, body) if t[0] == "Donald Trump"}


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ("Scott Pruitt should be fired, Senator Jane Roe said.", "pruitt"),
        ("Senator Jane Roe said the law must be repealed.", "law"),
    ],
)
def test_a_duty_that_its_subject_be_put_out_is_against_it(
    enricher: Enricher, body: str, target: str
) -> None:
    for source in ("necessity", "reported"):
        read = {p for h, t, p in proposed(enricher, body, source) if target in t.lower()}
        assert read == {-1}, source


def test_backing_off_a_comment_is_no_support_of_it(enricher: Enricher) -> None:
    # the parser reads "off" as a preposition with no object: a particle all the same
    body = "Senator Todd Akin has since backed off the comment, saying he misspoke."
    assert not {p for h, t, p in proposed(enricher, body) if "comment" in t and p > 0}


def test_calling_someone_for_the_first_time_is_no_demand(enricher: Enricher) -> None:
    body = "President Donald Trump called former President Jimmy Carter for the first time."
    assert not {t for h, t, p in proposed(enricher, body, "frame") if "time" in t}


@pytest.mark.parametrize(
    "body",
    [
        "Senator Jane Roe was criticized on Monday for her vote on the levy.",
        "Senator Jane Roe was indicted in November on eight counts of fraud.",
    ],
)
def test_the_subject_of_a_passive_without_agent_holds_no_stance(
    enricher: Enricher, body: str
) -> None:
    assert not {h for h, t, p in proposed(enricher, body, "verb") if h == "Jane Roe"}


@pytest.mark.parametrize(
    "body",
    [
        "Senator Jane Roe may oppose the levy.",
        "The press speculated that Senator Jane Roe might snub Governor Tom Reed.",
    ],
)
def test_a_position_stated_only_as_possible_is_no_tag(enricher: Enricher, body: str) -> None:
    doc, _ = enricher.read(RawArticle(id="t", body=body))
    found = [c for c in CandidateReader(doc, enricher.catalogue).candidates() if c.source != "pair"]
    assert found and all(c.denied for c in found)
    assert not tags(enricher, body)


def test_a_position_stated_as_future_stays(enricher: Enricher) -> None:
    body = "Senator Jane Roe said she would oppose the levy."
    doc, _ = enricher.read(RawArticle(id="t", body=body))
    assert any(not c.denied for c in CandidateReader(doc, enricher.catalogue).candidates())


def test_a_preposition_with_a_phrase_of_its_own_is_no_particle(enricher: Enricher) -> None:
    # "out of loyalty" is a reason, not "back out"
    body = "Senator Ted Cruz backed Donald Trump out of loyalty to the party."
    assert ("Ted Cruz", "Donald Trump", 1) in proposed(enricher, body, "verb")


@pytest.mark.parametrize(
    ("body", "holder", "target"),
    [
        # the modal is the main clause's, not the criticism's
        (
            "Senator Jeff Flake, a fierce critic of Donald Trump, could face a tough primary.",
            "Jeff Flake",
            "Donald Trump",
        ),
        # the speaker states the judgement; only its content is hedged
        (
            "Governor Jerry Brown said that Trump might be the worst president in history.",
            "Jerry Brown",
            "Trump",
        ),
    ],
)
def test_a_modal_outside_the_stance_verb_s_own_chain_denies_nothing(
    enricher: Enricher, body: str, holder: str, target: str
) -> None:
    doc, _ = enricher.read(RawArticle(id="t", body=body))
    found = CandidateReader(doc, enricher.catalogue).candidates()
    assert any(
        c.holder.name == holder and target in c.surface and not c.denied and c.source != "pair"
        for c in found
    )


def test_the_words_of_a_name_are_no_judgement(enricher: Enricher) -> None:
    # "Patriot" is part of the law's name: the duty alone gives the side
    body = "Senator Rand Paul said the Patriot Act must be repealed."
    read = {p for h, t, p in proposed(enricher, body, "reported") if "patriot" in t.lower()}
    assert read == {-1}
