"""All-capitals headlines are parsed in sentence case, offsets one for one."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from pipeline.enrich.nlp import case_normalise
from pipeline.models import RawArticle


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TRUMP SLAMS FED OVER RATES", "Trump slams Fed over rates"),
        ("PROTESTS IN HONG KONG AS EU TALKS STALL", "Protests in hong kong as EU talks stall"),
        ("RIOTS IN PARIS", "Riots in Paris"),
        ("Mixed Case Stays", "Mixed Case Stays"),
        ("NATO", "NATO"),
    ],
)
def test_case_normalise(text: str, expected: str) -> None:
    out = case_normalise(text)
    assert len(out) == len(text)
    assert out == expected


def test_entities_of_an_all_caps_headline_are_found(enricher: Enricher) -> None:
    title = "PUTIN WARNS NATO OVER UKRAINE"
    result = enricher.enrich(RawArticle(id="t", title=title, body="No details were given."))
    found = {e.name: e.label for e in result.entities}
    assert found == {"PUTIN": "PERSON", "NATO": "ORG", "UKRAINE": "GPE"}
    for e in result.entities:
        for m in e.mentions:
            assert title[m.start : m.end] == m.text
