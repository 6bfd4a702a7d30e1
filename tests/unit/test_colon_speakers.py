"""Speakers named before a colon at the start of a line (:mod:`pipeline.enrich.colon_speakers`):
headlines that quote their speaker and broadcast transcripts."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from pipeline.models import Enrichment, RawArticle


def run(enricher: Enricher, body: str) -> Enrichment:
    return enricher.enrich(RawArticle(id="t", title="", body=body))


def labels(result: Enrichment) -> dict[str, str]:
    return {e.name: e.label for e in result.entities}


@pytest.mark.parametrize(
    ("body", "person"),
    [
        # the small model finds no entity before the colon in any of these
        ("Yates: 'Flynn Was Compromised With Respect to the Russians'", "Yates"),
        ("KARL: The president's never lied?", "KARL"),
        ("SANDERS: I disagree.\nCLINTON: That is not true.", "SANDERS"),
        # a given name and a surname in capitals: NER reads "TODD" alone as an organisation
        ("CHUCK TODD: So what happens next?", "CHUCK TODD"),
        # the line after a headline of its own
        ("Senate votes on the budget\nGjelten: The vote is close.", "Gjelten"),
    ],
)
def test_a_name_before_a_colon_opening_a_line_is_a_person(
    enricher: Enricher, body: str, person: str
) -> None:
    assert labels(run(enricher, body)).get(person) == "PERSON"


def test_a_transcript_makes_speakers_of_surnames_that_are_words(enricher: Enricher) -> None:
    # "martin" is an English word (a bird), so alone it is no evidence of a person; two turns
    # in capitals make the field a transcript
    turns = "MARTIN: So what happens next?\nGJELTEN: We will see.\nMARTIN: Thanks, Tom."
    assert labels(run(enricher, turns)).get("MARTIN") == "PERSON"
    assert labels(run(enricher, "MARTIN: So what happens next?")).get("MARTIN") != "PERSON"


@pytest.mark.parametrize(
    "body",
    [
        "MORE: Trump signs the order",  # section labels are census surnames but words
        "POLL: Voters back the plan",
        "UPDATE: The senator resigned.",
        "THE FACTS: True, but not to his credit.",  # no given name first
        "White House: No comment.",
        "WASHINGTON: The Senate voted.",  # a place
        "Analysis:\nTrump won the vote.",  # a heading on a line of its own
        "He said it plainly, Yates: no.",  # not at a line's start
    ],
)
def test_labels_places_and_headings_are_no_speakers(enricher: Enricher, body: str) -> None:
    first = body.split(":")[0].split()[-1]
    result = run(enricher, body)
    assert all(not (e.label == "PERSON" and first in e.name) for e in result.entities)
