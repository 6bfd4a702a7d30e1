"""Speakers named before a colon at the start of a line: "Yates: 'Flynn Was Compromised'",
"CHUCK TODD: So what happens next?", the turns of a broadcast transcript ("KARL: …").

Headlines quote their speaker so, and transcripts open every turn so, often in capitals,
where the small model finds no entity or an organisation ("KARL" ORG, "TODD" of "CHUCK
TODD"). But a colon also follows section labels ("MORE:", "POLL:", "UPDATE:"), outlets and
companies ("China Daily:", "Ferrari:"), places ("WASHINGTON:") and roles ("HOST:",
"CALLER:"), so a line that opens with one to three capitalised words, a colon and more text
names a person only when:

* two or three words: a given name and a census surname that name no place or
  organisation (:func:`surnames.given_name_first`: not "Victoria Police", "Dallas Police"),
  and, unless in capitals, not a name NER read whole as something else ("Merrill Lynch");
* one word in capitals (a transcript's turn), a census surname that is no English word
  ("KARL:", "GJELTEN:") or one the text also writes after a given name ("MARTIN:" with
  "RACHEL MARTIN, HOST:"); section labels and roles that are census surnames are English
  words ("MORE:", "POLL:", "HOST:", "CALLER:");
* one word in title case, a census surname that is no English word, that NER left untagged
  or took for a place the gazetteer does not know ("Ferrari:" is NER's organisation) and
  that speaks: a quotation mark or "I"/"we" follows on its line ("Yates: 'Flynn Was
  Compromised'"; not "Mercedes: Hamilton to leave").
"""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from pipeline.enrich import gazetteer as gz
from pipeline.enrich import surnames

_MAX_WORDS = 3
# Titles, roles and calendar words: capitalised before a colon without naming anyone.
_NOT_NAMES = gz.PERSON_TITLES | gz.ORG_ROLES | gz.GPE_ROLES | gz.CALENDAR_WORDS
# What says a one-word name speaks in the rest of its line: a quotation or its own voice.
_SPEECH = frozenset({'"', "'", "\u201c", "\u2018", "i", "we", "my", "our", "me", "us"})


def _line_start(doc: Doc, i: int) -> bool:
    """Does token ``i`` open a line (spaCy keeps line breaks in whitespace tokens)?"""
    if i == 0:
        return True
    before = doc[i - 1]
    return before.is_space and ("\n" in before.text or before.i == 0)


def _word(tok: Token) -> bool:
    """A capitalised word of letters that can be part of a name: "Tapper", "TAPPER"."""
    return (
        len(tok.text) > 1
        and tok.is_alpha
        and (tok.is_title or tok.is_upper)
        and tok.lower_ not in _NOT_NAMES
    )


def _runs(doc: Doc) -> list[Span]:
    """Each line-opening run of name-like words right before a colon that more text on the
    line follows (not a heading on a line of its own)."""
    found = []
    for i in range(len(doc)):
        if not _line_start(doc, i) or doc[i].is_space:
            continue
        end = i
        while end < len(doc) and end - i < _MAX_WORDS and _word(doc[end]):
            end += 1
        if end == i or end + 1 >= len(doc) or doc[end].text != ":":
            continue
        if doc[end + 1].is_space and "\n" in doc[end + 1].text:
            continue  # "Yates:" on a line of its own: a heading
        found.append(doc[i:end])
    return found


def _surname(tok: Token) -> bool:
    return tok.lower_ in surnames.census_surnames()


def _speaks(run: Span) -> bool:
    """Does the rest of the run's line quote someone or speak as "I" or "we"?"""
    doc = run.doc
    for tok in doc[run.end + 1 : run.end + 6]:
        if tok.is_space and "\n" in tok.text:
            return False
        if tok.lower_ in _SPEECH:
            return True
    return False


def _unclaimed(word: Token, labelled: dict[tuple[int, int], str], covered: set[int]) -> bool:
    """Is a lone word free for a speaker's name: untagged, or taken by NER for a place the
    gazetteer does not know ("Gjelten" GPE), not for an organisation ("Ferrari:")?"""
    if word.i not in covered:
        return True
    label = labelled.get((word.i, word.i + 1))
    return label in {"PERSON", "GPE", "LOC"} and gz.place_label(word.lower_) is None


def _named_in_full(doc: Doc) -> set[str]:
    """The words the text writes after a given name ("martin" of "RACHEL MARTIN, HOST:")."""
    given = surnames.given_names()
    return {t.lower_ for t in doc[1:] if doc[t.i - 1].lower_ in given}


def speakers(doc: Doc, labelled: dict[tuple[int, int], str]) -> list[tuple[int, int]]:
    """Token spans of the people named before a colon at a line's start (module doc).
    ``labelled``: the spans of the mentions found so far, and the label each leans to."""
    runs = _runs(doc)
    if not runs:
        return []  # nearly every field: nothing to read of the mentions
    found = []
    covered = {i for a, b in labelled for i in range(a, b)}
    in_full: set[str] | None = None  # read once, for the first turn that needs it
    for run in runs:
        words = list(run)
        # in capitals the small model's labels say little ("KARL", "ERIC GELLER" ORG)
        caps = all(w.is_upper for w in words)
        if len(words) > 1:
            other = labelled.get((run.start, run.end), "PERSON") != "PERSON"
            named = surnames.given_name_first(words, run.text) and _surname(words[-1])
            if named and (caps or not other):
                found.append((run.start, run.end))
            continue
        word = words[0]
        if not _surname(word):
            continue
        unfamiliar = surnames.unfamiliar_surname(word)
        if caps:
            # a transcript's turn: "KARL:", "MARTIN:" after "RACHEL MARTIN, HOST:"; not a
            # section label ("MORE:", "POLL:") or a role ("HOST:", "CALLER:"), both words
            if not unfamiliar and in_full is None:
                in_full = _named_in_full(doc)
            if unfamiliar or word.lower_ in (in_full or ()):
                found.append((run.start, run.end))
        elif unfamiliar and _unclaimed(word, labelled, covered) and _speaks(run):
            found.append((run.start, run.end))
    return found
