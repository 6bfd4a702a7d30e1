"""Loading the spaCy pipeline and parsing an article's fields.

Text reaches spaCy through :func:`normalise`, which only ever replaces one character by one
character, so every offset in the parsed ``Doc`` is also an offset into the original field.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.models import RawArticle, TextField

# The small model was trained on straight quotes; curly ones glue onto names ("‘’very").
_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2032": "'",
        "\u00a0": " ",
    }
)


def normalise(text: str) -> str:
    """Map curly quotes and no-break spaces to ASCII, one character for one."""
    return text.translate(_CHAR_MAP)


# "KYIV, Ukraine (AP) —": an all-caps place, an optional region, an optional agency, a dash.
_DATELINE = re.compile(
    r"^\s*(?P<city>[A-Z][A-Z.'-]+(?: [A-Z][A-Z.'-]+){0,3})"
    r"(?:, (?P<region>[A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,2}))?"
    r"(?: \((?P<agency>[^()]{1,40})\))?"
    r"\s*(?:\u2014|\u2013|--|-)\s"
)


@dataclass(frozen=True)
class Dateline:
    """Character spans (start, end) of a body's dateline parts; ``end`` is where text starts."""

    places: tuple[tuple[int, int], ...]
    agency: tuple[int, int] | None
    end: int


def find_dateline(text: str) -> Dateline | None:
    """The dateline at the start of a body, if there is one."""
    match = _DATELINE.match(normalise(text))
    if match is None:
        return None
    places = tuple(match.span(g) for g in ("city", "region") if match.group(g))
    agency = match.span("agency") if match.group("agency") else None
    return Dateline(places, agency, match.end())


def load_pipeline(model: str) -> Language:
    """Load the model once; every component of the small English model is used."""
    # tagger+lemmatizer feed predicate lemmas, parser feeds stance and sentences, ner entities.
    return spacy.load(model)


@dataclass(frozen=True)
class ParsedField:
    """One text field of an article with its parse; ``doc.text`` is the normalised text."""

    field: TextField
    text: str
    doc: Doc
    dateline: Dateline | None = dataclasses.field(default=None)


def parse_article(nlp: Language, article: RawArticle) -> list[ParsedField]:
    """Parse the title (if any) and the body: one ``nlp()`` call per field."""
    fields: list[ParsedField] = []
    if article.title.strip():
        fields.append(ParsedField("title", article.title, nlp(normalise(article.title))))
    body = normalise(article.body)
    dateline = find_dateline(body)
    if dateline is not None:
        # Blank the dateline (same length) so that it does not derail the first sentence's
        # parse; its places are added as mentions from the regex instead.
        body = " " * dateline.end + body[dateline.end :]
    fields.append(ParsedField("body", article.body, nlp(body), dateline))
    return fields
