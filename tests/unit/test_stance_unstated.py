"""Positions a holder does not state, and sources that are no referent: unit cases on
invented sentences, not figures.

The guidelines (docs/annotation.md) tag no hypothetical position ("if X supports Y") and no
position someone denies holding; a bare reference ("opposed the deal") never stands for a
place or for the outlet that reported it."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from pipeline.enrich.candidates import CandidateReader
from pipeline.models import RawArticle
from tests.unit.stance_proposals import proposed


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


def keys(enricher: Enricher, body: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(holder, target) of the candidates a rule marked as no position of the holder, and of
    the others that read a direction (the entity-pair rule's and a reported clause's
    undirected ones left out)."""
    doc, _ = enricher.read(RawArticle(id="t", body=body))
    found = [c for c in CandidateReader(doc, enricher.catalogue).candidates() if c.source != "pair"]
    return {c.key for c in found if c.denied}, {c.key for c in found if not c.denied and c.prior}


@pytest.mark.parametrize(
    ("body", "holder", "target"),
    [
        # a denial above the stance verb, as a clause or a gerund
        ("Rep. Hannah Price denied that she had opposed the pension reform.",
         "Hannah Price", "pension reform"),
        ("Governor Paul Reyes denied criticizing the teachers union.",
         "Paul Reyes", "teachers union"),
        # claims or reports of the stance, rejected or denied
        ("Senator Owen Clark rejected claims that he opposes the farm bill.",
         "Owen Clark", "farm bill"),
        ("The ministry denied reports that Ivan Petrov had criticized the deal.",
         "Ivan Petrov", "deal"),
        # only alleged: an accusation or a report nobody confirms
        ("Beijing faces accusations that it favors the state banks.", "Beijing", "state banks"),
        ("Amid reports that Ivan Petrov had criticized the deal, shares fell.",
         "Ivan Petrov", "deal"),
        # a condition on the stance verb: heading an "if" clause, or with one of its own
        ("If Senator Luis Vega backs the measure, it will likely pass.", "Luis Vega", "measure"),
        ("Senator Luis Vega said he would back the measure if it included funding for rural "
         "hospitals.", "Luis Vega", "measure"),
        ("Senator Luis Vega will oppose the measure unless it is amended.", "Luis Vega",
         "measure"),
    ],
)  # fmt: skip
def test_a_denied_or_conditional_position_is_none_of_the_holders(
    enricher: Enricher, body: str, holder: str, target: str
) -> None:
    denied, stated = keys(enricher, body)
    assert (holder, target) in denied
    assert (holder, target) not in stated


@pytest.mark.parametrize(
    ("body", "holder", "target"),
    [
        # the denial is of something else: the criticism is stated
        ("Senator Ann Lee denied the allegations and criticized the prosecutor.",
         "Ann Lee", "prosecutor"),
        # a report confirmed, or one's own claim, is stated; in a relative clause the
        # report is the verb's own object
        ("Senator Ann Lee confirmed reports that she had criticized the prosecutor.",
         "Ann Lee", "prosecutor"),
        ("Senator Ann Lee repeated her claim that she had always opposed the farm bill.",
         "Ann Lee", "farm bill"),
        ("The ministry published the report that Ivan Petrov criticized.",
         "Ivan Petrov", "report"),
        # a control chain still composes: refusing to back is against, stated
        ("Senator Jim Boyd refused to back the plan.", "Jim Boyd", "plan"),
        # a condition elsewhere in the sentence leaves the stated position alone
        ("Senator Luis Vega backed the measure, which will pass if the House agrees.",
         "Luis Vega", "measure"),
    ],
)  # fmt: skip
def test_a_stated_position_beside_a_denial_or_condition_stays(
    enricher: Enricher, body: str, holder: str, target: str
) -> None:
    _, stated = keys(enricher, body)
    assert (holder, target) in stated


def test_as_an_attack_on_is_what_the_thing_does_not_the_speakers_side(
    enricher: Enricher,
) -> None:
    # "denounced the bill as an attack on Z": against the bill, not against Z
    body = "Senator Nina Gold denounced the bill as an attack on women's rights."
    assert not any("rights" in t for _, t, _ in proposed(enricher, body, "noun"))
    assert ("Nina Gold", "bill", -1) in proposed(enricher, body, "verb")
    # a person noun after "as" is still the subject's side
    critic = proposed(enricher, "Maria Lopez emerged as a critic of the mayor.", "noun")
    assert ("Maria Lopez", "mayor", -1) in critic


@pytest.mark.parametrize(
    ("body", "source_name"),
    [
        ("According to the Washington Post, Senator Ken Ito privately opposed the deal.",
         "Washington Post"),
        ("Speaking to CNN on Sunday, Senator Jim Boyd condemned the decision.", "CNN"),
        ("In Brussels, Foreign Minister Anna Berg backed the proposal.", "Brussels"),
        ("In a statement released by the Sierra Club, Senator Ann Lee backed the plan.",
         "Sierra Club"),
    ],
)  # fmt: skip
def test_a_bare_reference_never_stands_for_a_source_or_a_place(
    enricher: Enricher, body: str, source_name: str
) -> None:
    found = proposed(enricher, body, "bare_reference")
    assert found  # the bare object is still read, as written
    assert not any(source_name.lower() in t.lower() for _, t, _ in found)


def test_a_law_named_after_to_is_still_a_referent(enricher: Enricher) -> None:
    # "to" names a source only after speech: "amendments to the Affordable Care Act" names
    # the law the next sentence's "the law" points back at
    body = (
        "The Senate voted on amendments to the Affordable Care Act on Tuesday. "
        "Republicans opposed the law."
    )
    found = proposed(enricher, body, "bare_reference")
    assert any("affordable care act" in t.lower() for _, t, _ in found)
