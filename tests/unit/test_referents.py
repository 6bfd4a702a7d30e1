"""Bare references ("criticized the plan") resolved to what they point at: unit cases of
single constructions, not figures."""

from __future__ import annotations

from pipeline.enrich import Enricher
from tests.unit.test_holders import candidates


def test_a_bare_reference_never_points_at_its_own_subject(untrained_enricher: Enricher) -> None:
    found = candidates(untrained_enricher, "Republican officials criticized the plan.")
    bare = [c for c in found if c.source == "bare_reference"]
    assert bare and all("officials" not in c.surface.lower() for c in bare)


def test_a_bare_reference_still_points_at_a_thing_named_before(
    untrained_enricher: Enricher,
) -> None:
    body = "The city unveiled a new housing scheme. Republican officials criticized the plan."
    bare = [c for c in candidates(untrained_enricher, body) if c.source == "bare_reference"]
    assert "housing scheme" in {c.surface for c in bare}


def test_a_bare_reference_means_the_whole_thing_not_a_part_of_it(
    untrained_enricher: Enricher,
) -> None:
    # "the move" is the ban, not the imports banned; "the announcement" is the end of the
    # attacks, not the attacks
    for body, whole, part in [
        (
            "Japan imposed a ban on imports of beef. The National Farmers Federation "
            "welcomed the move.",
            "ban on imports",
            "imports of beef",
        ),
        (
            "Yasser Arafat called for an end to all attacks on Israelis. France and Britain "
            "welcomed the announcement.",
            "end to attacks",
            "attacks on Israelis",
        ),
    ]:
        bare = {
            c.surface for c in candidates(untrained_enricher, body) if c.source == "bare_reference"
        }
        assert whole in bare and part not in bare


def test_a_bare_noun_is_never_an_organisation_nor_a_phrase_it_is_part_of(
    untrained_enricher: Enricher,
) -> None:
    # a bill is what Congress passes, never Congress; and "the bill" inside Obama's call is
    # not that call (whose target would be Congress): both are left as written
    for body in [
        "Congress voted on Monday. Senator Ted Cruz criticized the bill.",
        "Obama's call on Congress to approve the bill.",
    ]:
        bare = {
            c.surface for c in candidates(untrained_enricher, body) if c.source == "bare_reference"
        }
        assert bare == {"bill"}


def test_a_relative_pronoun_means_the_noun_it_hangs_under(untrained_enricher: Enricher) -> None:
    body = "Senator Ann Cole criticized the tax reform bill that she voted for."
    bare = {
        c.surface
        for c in candidates(untrained_enricher, body)
        if c.source == "bare_reference" and c.prior == 1
    }
    assert bare == {"tax reform bill"}
