"""Loading the spaCy pipeline and parsing an article's fields.

Text reaches spaCy through :func:`normalise` (and an all-caps title through
:func:`case_normalise`), which only ever replace one character by one character, so every
offset in the parsed ``Doc`` is also an offset into the original field.

Work per article is bounded before the parser runs: :class:`BoundedTokenizer` cuts
whitespace-free runs longer than :data:`MAX_RUN_CHARS` (spaCy peels prefixes and suffixes off
a run one at a time, which costs the square of its length: 20,000 ``!`` took 40 s), and
:func:`parse_article` enriches only the body's first ``max_body_chars`` characters,
``max_tokens`` tokens and ``max_sentences`` sentences, saying where it stopped.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Token

from pipeline.config import EnrichSettings
from pipeline.enrich import gazetteer as gz
from pipeline.enrich import surnames
from pipeline.enrich.fastpipes import speed_up
from pipeline.enrich.inference import lean_inference
from pipeline.models import RawArticle, TextField, Truncation

# Longer than any word, number or URL of prose; the cost of one run grows with its square.
MAX_RUN_CHARS = 300
_LONG_RUN = re.compile(rf"\S{{{MAX_RUN_CHARS + 1},}}")

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


# Acronyms kept in capitals when an all-caps headline is put in sentence case.
_ACRONYMS = frozenset(
    [
        "US", "USA", "UK", "EU", "UN", "UAE", "NATO", "FBI", "CIA", "IMF", "WTO", "OPEC", "NHS",
        "BBC", "CNN", "AP", "AFP", "GDP", "CEO", "AI", "NFL", "NBA", "FIFA", "UEFA", "IOC", "ECB",
        "ANC", "PLO", "ISIS",
    ]
)  # fmt: skip
_CAPS_WORD = re.compile(r"[^\W\d_]+")


def gz_key(word: str) -> str:
    return gz.COUNTRY_ALIASES.get(word, word)


def case_normalise(text: str) -> str:
    """An all-capitals text ("TRUMP SLAMS FED OVER RATES") in sentence case, known names
    capitalised ("Trump slams Fed over rates"), one character for one; any other text is
    returned unchanged. The small model finds almost no entities in capitals (measured in
    docs/enrichment.md)."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 4 or sum(c.isupper() for c in letters) < 0.8 * len(letters):
        return text

    def word(match: re.Match[str]) -> str:
        w = match.group()
        if w in _ACRONYMS:
            return w
        lower = w.lower()
        known = match.start() == 0 or gz.place_label(gz_key(lower)) is not None
        out = w[0] + lower[1:] if known else lower
        return out if len(out) == len(w) else w  # a case change that shifts offsets: keep

    return _CAPS_WORD.sub(word, text)


def normalise(text: str) -> str:
    """Map curly quotes and no-break spaces to ASCII, one character for one."""
    return text.translate(_CHAR_MAP)


# "KYIV, Ukraine (AP) —": an all-caps place, an optional region, an optional agency, a dash.
_DATELINE = re.compile(
    r"^\s*(?P<city>[A-Z][A-Z.'-]+(?: [A-Z][A-Z.'-]+){0,3})"
    r"(?:, (?P<region>[A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,2}))?"
    # a date after the place: "NAIROBI, June 18 -", "WASHINGTON, Dec. 5, 2026 (Reuters) -"
    r"(?:, (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:, \d{4})?)?"
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


class BoundedTokenizer:
    """spaCy's tokenizer, with every whitespace-free run of more than :data:`MAX_RUN_CHARS`
    characters cut into pieces of that length, each tokenised on its own.

    Text without such a run is tokenised exactly as before (one call); the pieces are joined
    with ``Doc.from_docs``, which keeps the text and every character offset.
    """

    def __init__(self, tokenizer: Callable[[str], Doc]) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        cuts = [
            cut
            for run in _LONG_RUN.finditer(text)
            for cut in range(run.start() + MAX_RUN_CHARS, run.end(), MAX_RUN_CHARS)
        ]
        if not cuts:
            return paragraph_starts(self.tokenizer(text))
        bounds = [0, *cuts, len(text)]
        pieces = [self.tokenizer(text[a:b]) for a, b in itertools.pairwise(bounds)]
        return paragraph_starts(Doc.from_docs(pieces, ensure_whitespace=False))


# Stops that end a sentence when a line break follows them; a closing quotation mark or
# bracket after one too. Not ":" ("Pelosi tweeted:⏎Trump is …" is one statement), nor ")"
# or "'" without a stop before them ("Nikki Haley (R)⏎criticized …", "the players'⏎union"),
# nor an abbreviation's own dot ("Sen.⏎Mitch McConnell"), which stays inside its token.
_STOPS = frozenset({".", "!", "?", "\u2026", "..."})
_CLOSERS = frozenset({'"', "'", ")"})
# What breaks a line (str.splitlines' set); a form feed or a paragraph separator alone ends
# a paragraph.
_LINE_BREAKS = ("\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
_PARAGRAPH_BREAKS = ("\x0c", "\x1c", "\x1d", "\x1e", "\u2029")


def _ends_sentence(token: Token) -> bool:
    """Does ``token`` end a line's last sentence: a stop, or a closing quote or bracket
    after one?"""
    while token.text in _CLOSERS and token.i > 0:
        token = token.nbor(-1)
    return token.text in _STOPS


def _blank(space: str) -> bool:
    """Is this whitespace a paragraph break of its own: a blank line or a separator?"""
    return any(b in space for b in _PARAGRAPH_BREAKS) or len(space.splitlines()) > 1


def _line_break(t: Token) -> bool:
    return t.is_space and any(b in t.text for b in _LINE_BREAKS)


def _line(doc: Doc, break_at: int, step: int) -> list[Token]:
    """The tokens of the line before (``step`` -1) or after (+1) the line break token at
    ``break_at``, up to the next line break or the end of the doc."""
    found: list[Token] = []
    i = break_at + step
    while 0 <= i < len(doc) and not _line_break(doc[i]):
        found.append(doc[i])
        i += step
    return found


def _caps(line: list[Token]) -> bool:
    """Two or more words, every letter a capital: "NEWSOM OFFERS RARE PRAISE FOR TRUMP"."""
    words = [t.text for t in line if any(c.isalpha() for c in t.text)]
    return len(words) >= 2 and all(w == w.upper() for w in words)


def _caps_heading(space: Token) -> bool:
    """Does the line break ``space`` end an all-capitals line above a line of ordinary
    text: a heading or a label ("SIGN UP FOR OUR NEWSLETTER"), which has no stop of its own
    and is no part of the sentence below it? Consecutive capital lines (an all-capitals
    story wrapped in lines, a table of results) stay as they are, and so does a speaker's
    label ("MICHAEL MORELL:", whose words follow) and a line the next one goes on from in
    lower case (a name in capitals inside a wrapped sentence)."""
    last = space.nbor(-1).text
    if last != last.upper() or last == ":":
        return False  # most line breaks: the line's last word is in lower case
    after = _line(space.doc, space.i, 1)
    if not after or after[0].text[:1].islower():
        return False
    return _caps(_line(space.doc, space.i, -1)) and not _caps(after)


def paragraph_starts(doc: Doc) -> Doc:
    """Mark a sentence start after every paragraph break: a blank line (or a paragraph
    separator), or a line break after a line's final stop. The parser keeps sentence starts
    set before it runs, and left alone it ran a headline, a quote's last line or a "Read
    more" on into the next paragraph (670 of the 4,306 sentences of the bench articles held
    a line break, and 74 stance tags read a holder or target across a blank line;
    docs/enrichment.md). A line wrapped inside a sentence (no stop before the break) stays
    one sentence, and so does a line without a stop before a single line break, unless it
    is an all-capitals heading above ordinary text.

    The word after the mark is marked as no sentence start: given one start, the parser
    sometimes opened another one word later ("Nancy | Pelosi criticized …" after a
    headline), which cut a name in two."""
    for t in doc[1:-1]:
        if not _line_break(t):
            continue
        if _blank(t.text) or _ends_sentence(t.nbor(-1)) or _caps_heading(t):
            following = t.nbor(1)
            if following.is_space:
                continue
            following.is_sent_start = True
            if following.i + 1 < len(doc):
                after = following.nbor(1)
                if not (after.is_space or after.is_punct):
                    after.is_sent_start = False
    return doc


def load_pipeline(model: str) -> Language:
    """Load the model once; every component of the small English model is used, its
    attribute ruler and lemmatizer swapped for :mod:`fastpipes`' equivalents and its
    networks run without training-time memory (:mod:`inference`; both the same output)."""
    # tagger+lemmatizer feed predicate lemmas, parser feeds stance and sentences, ner entities.
    nlp = spacy.load(model)
    nlp.tokenizer = BoundedTokenizer(nlp.tokenizer)
    surnames.learn_words(nlp)  # the census surnames that are words, for the entity rules
    speed_up(nlp)
    lean_inference(nlp)  # the parse's transient memory: ~5 KB a token instead of ~15
    return nlp


@dataclass(frozen=True)
class ParsedField:
    """One text field of an article with its parse; ``doc.text`` is the normalised text.

    ``text`` is the part of the field that was parsed: the whole field, or its first
    characters when ``truncated`` says which limit cut it.
    """

    field: TextField
    text: str
    doc: Doc
    dateline: Dateline | None = dataclasses.field(default=None)
    truncated: Truncation | None = dataclasses.field(default=None)


def parse_article(
    nlp: Language, article: RawArticle, limits: EnrichSettings | None = None
) -> list[ParsedField]:
    """The fields of one article, parsed (:func:`parse_articles` of a batch of one)."""
    return parse_articles(nlp, [article], limits)[0]


@dataclass(frozen=True)
class _Prepared:
    """An article's fields made into docs (tokenised, not yet parsed), cut to the limits."""

    article: RawArticle
    title: Doc | None
    body: Doc
    text: str  # the body's raw text, cut to max_body_chars
    dateline: Dateline | None
    truncated: Truncation | None


def _prepare(nlp: Language, article: RawArticle, limits: EnrichSettings) -> _Prepared:
    title = None
    if article.title.strip():
        title = nlp.make_doc(normalise(case_normalise(article.title)))
    text, truncated = article.body, None
    if len(text) > limits.max_body_chars:
        text = text[: limits.max_body_chars]
        truncated = Truncation(limit="max_body_chars", end=len(text))
    body = normalise(text)
    dateline = find_dateline(body)
    if dateline is not None:
        # Blank the dateline (same length) so that it does not derail the first sentence's
        # parse; its places are added as mentions from the regex instead.
        body = " " * dateline.end + body[dateline.end :]
    doc = nlp.make_doc(body)
    if len(doc) > limits.max_tokens:
        doc = doc[: limits.max_tokens].as_doc()
        truncated = Truncation(limit="max_tokens", end=len(doc.text))
    return _Prepared(article, title, doc, text, dateline, truncated)


def _fields(prepared: _Prepared, title: Doc | None, doc: Doc,
            limits: EnrichSettings) -> list[ParsedField]:  # fmt: skip
    truncated = prepared.truncated
    fields = [] if title is None else [ParsedField("title", prepared.article.title, title)]
    for count, sent in enumerate(doc.sents, start=1):
        if count > limits.max_sentences:
            doc = doc[: sent.start].as_doc()
            truncated = Truncation(limit="max_sentences", end=len(doc.text))
            break
    fields.append(
        ParsedField("body", prepared.text[: len(doc.text)], doc, prepared.dateline, truncated)
    )
    return fields


def parse_articles(
    nlp: Language, articles: list[RawArticle], limits: EnrichSettings | None = None
) -> list[list[ParsedField]]:
    """Parse the title (if any) and the body of every article in one ``nlp.pipe`` call: the
    same parse as one ``nlp()`` per field (every component reads each doc alone), with less
    fixed overhead per doc (a headline's own call costs ~5 ms, ~2 ms in a batch with its
    body) and per article (measured in docs/performance.md).

    A body is cut to ``limits.max_body_chars`` characters and ``max_tokens`` tokens before
    the parser runs, and to ``max_sentences`` sentences after it; the cut is recorded in
    the body's ``ParsedField.truncated``. The title is bounded by ``max_title_chars`` at
    validation.
    """
    limits = limits or EnrichSettings()
    prepared = [_prepare(nlp, article, limits) for article in articles]
    docs = [d for p in prepared for d in ([p.body] if p.title is None else [p.title, p.body])]
    parsed = iter(nlp.pipe(docs))
    out = []
    for p in prepared:
        title = None if p.title is None else next(parsed)
        out.append(_fields(p, title, next(parsed), limits))
    return out
