"""Teams next to a score in results lines are organisations, even when named after a place."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from pipeline.enrich.results import team_offsets
from pipeline.models import RawArticle


def _teams(text: str) -> list[str]:
    return [text[a:b] for a, b in team_offsets(text)]


@pytest.mark.parametrize(
    ("line", "teams"),
    [
        ("Arsenal 2 Chelsea 1", ["Arsenal", "Chelsea"]),
        ("Brazil 2-1 Germany", ["Brazil", "Germany"]),
        ("Aston Villa 0 Wigan Athletic 2", ["Aston Villa", "Wigan Athletic"]),
        ("15:00  Aston Villa      0-2 (0-1)  Wigan Athletic", ["Aston Villa", "Wigan Athletic"]),
        ("(28) 14 June    West Germany  3-2 a.e.t. (2-2)   England    @ Estadio Nou Camp, León",
         ["West Germany", "England"]),
        ("3 June Belgium 3-0 El Salvador", ["Belgium", "El Salvador"]),
    ],
)  # fmt: skip
def test_teams_next_to_a_score(line: str, teams: list[str]) -> None:
    assert _teams(line) == teams


@pytest.mark.parametrize(
    "text",
    [
        "Brazil beat Germany 2-1 in the final on Sunday.",
        "March 3-5 Paris",
        "In 2016-17 Congress passed the bill.",
        "Sat Aug 15 2009 - Sun May 9 2010 (267d)",
        "Matchday 2 |   6 June - 7 June",
    ],
)
def test_no_teams_in_prose_or_dates(text: str) -> None:
    assert _teams(text) == []


def test_offsets_index_the_whole_text() -> None:
    text = "Results\nArsenal 2 Chelsea 1\nBrazil 2-1 Germany\n"
    assert _teams(text) == ["Arsenal", "Chelsea", "Brazil", "Germany"]


def test_teams_named_after_places_are_org(enricher: Enricher) -> None:
    body = "Brazil 2-1 Germany\nAston Villa 0 Wigan Athletic 2\nManchester City 4-2 Arsenal FC"
    found = {e.name: e.label for e in enricher.enrich(RawArticle(id="r", body=body)).entities}
    assert found == {
        "Brazil": "ORG",
        "Germany": "ORG",
        "Aston Villa": "ORG",
        "Wigan Athletic": "ORG",
        "Manchester City": "ORG",
        "Arsenal FC": "ORG",
    }


def test_countries_in_prose_stay_places(enricher: Enricher) -> None:
    body = "Brazil and Germany signed a trade agreement in Berlin on Monday."
    found = {e.name: e.label for e in enricher.enrich(RawArticle(id="p", body=body)).entities}
    assert found["Brazil"] == "GPE" and found["Germany"] == "GPE"
