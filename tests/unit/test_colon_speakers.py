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
        # the small model finds no person before the colon in any of these
        ("Yates: 'Flynn Was Compromised With Respect to the Russians'", "Yates"),
        ("Senate votes on the budget\nGjelten: \u201cThe vote is close.\u201d", "Gjelten"),
        ("  Yates: 'Flynn was compromised'", "Yates"),  # spaces before the line
        # a given name and a surname in capitals: NER reads "TODD" alone as an organisation
        ("CHUCK TODD: So what happens next?", "CHUCK TODD"),
        # a transcript's turn needs no quotation; in capitals NER's label says little
        ("KARL: The president's never lied?", "KARL"),
        ("ERIC GELLER: The vote is close.", "ERIC GELLER"),
    ],
)
def test_a_name_before_a_colon_opening_a_line_is_a_person(
    enricher: Enricher, body: str, person: str
) -> None:
    assert labels(run(enricher, body)).get(person) == "PERSON"


TRANSCRIPT = (
    "RACHEL MARTIN, HOST: Good morning.\n"
    "MARTIN: So what happens next?\n"
    "GJELTEN: We will see.\n"
    "CALLER: I think he is wrong.\n"
    "HOST: Thanks."
)


def test_a_transcript_names_its_speakers_not_its_roles(enricher: Enricher) -> None:
    found = labels(run(enricher, TRANSCRIPT))
    # "martin" is an English word (a bird): the full name in the text makes it a person
    assert found.get("MARTIN") == "PERSON" and found.get("GJELTEN") == "PERSON"
    assert found.get("CALLER") != "PERSON" and found.get("HOST") != "PERSON"
    # without the full name the word is no evidence of a person
    assert labels(run(enricher, "MARTIN: So what happens next?")).get("MARTIN") != "PERSON"


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ("MORE: Trump signs the order", "MORE"),  # section labels are census surnames...
        ("POLL: Voters back the plan\nMORE: Trump signs the order", "POLL"),  # ...no transcript
        ("THE FACTS: True, but not to his credit.", "FACTS"),  # no given name first
        ("Dallas Police: Suspect arrested after the shooting", "Police"),  # a place's force
        ("China Daily: US tariffs will backfire", "Daily"),  # a place's outlet
        ("Merrill Lynch: Stocks to rally", "Lynch"),  # a firm NER reads whole
        ("Ferrari: 'Leclerc wins in Monaco'", "Ferrari"),  # NER's organisation
        ("Mercedes: Hamilton to leave the team", "Mercedes"),  # no quotation, no "I"
        ("CHUCK TODD:\nSo what happens next?", "TODD"),  # a heading on a line of its own
        ("He said it plainly, Yates: 'no'.", "Yates"),  # not at a line's start
    ],
)
def test_labels_outlets_and_headings_are_no_speakers(
    enricher: Enricher, body: str, name: str
) -> None:
    result = run(enricher, body)
    assert all(not (e.label == "PERSON" and name in e.name) for e in result.entities)


@pytest.mark.parametrize(
    "body",
    [
        # NER read "Ocasio-Cortez: Trump" as one organisation
        "Ocasio-Cortez: Trump's tax cuts are a scam",
        "Rep. Alexandria Ocasio-Cortez spoke. Ocasio-Cortez: Trump's tax cuts are a scam",
    ],
)
def test_a_name_ends_at_its_colon(enricher: Enricher, body: str) -> None:
    names = [e.name for e in run(enricher, body).entities]
    assert "Trump" in names and not any(":" in n for n in names)
