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
