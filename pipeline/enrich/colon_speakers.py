"""Speakers named before a colon at the start of a line: "Yates: 'Flynn Was Compromised'",
"GJELTEN: The vote is close.", "CHUCK TODD: So what happens next?".

Headlines quote their speaker so, and broadcast transcripts open every turn so, often in
capitals, where the small model finds no entity or an organisation ("KARL" ORG). A line that
opens with one to three capitalised words and a colon, followed by more text on the line,
names a person when:

* two or three words: the first a census given name, the last a census surname ("CHUCK
  TODD", "Tim Alberta"; not "White House", "SEE ALSO", "THE FACTS");
* one word: a census surname that is no English word ("Yates", "Gjelten"), or any census
  surname in a transcript, a field where two or more different such names in capitals open
  lines ("MARTIN: …", "GJELTEN: …"). Section labels are census surnames too ("MORE:",
  "POLL:", "LETTERS:", "READ:") but English words, so outside a transcript a surname that is
  a word ("Martin", "Tapper") is not taken for a speaker here; where the text names the
  person in full, the surname rules of :mod:`pipeline.enrich.entities` join the two.

A place the gazetteer knows ("WASHINGTON:", "KYIV:") is no speaker. A title before the name
("Sen. Yates:") is the title rules' of :mod:`pipeline.enrich.mentions`.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from pipeline.enrich import gazetteer as gz
from pipeline.enrich import surnames

_MAX_WORDS = 3
# Titles, roles and calendar words: capitalised before a colon without naming anyone.
_NOT_NAMES = gz.PERSON_TITLES | gz.ORG_ROLES | gz.GPE_ROLES | gz.CALENDAR_WORDS
_TRANSCRIPT_LINES = 2  # speakers in capitals that make a field a transcript


def _line_start(doc: Doc, i: int) -> bool:
    if i == 0:
        return True
    before = doc[i - 1]
    return "\n" in before.whitespace_ or (before.is_space and "\n" in before.text)


def _word(tok: Token) -> bool:
    """A capitalised word of letters (an apostrophe or hyphen inside allowed) that can be part
    of a name: "Tapper", "TAPPER", "O'Reilly", "Ocasio-Cortez"."""
    text = tok.text
    return (
        len(text) > 1
        and text[0].isupper()
        and (tok.is_title or tok.is_upper)
        and text.replace("-", "").replace("'", "").isalpha()
        and tok.lower_ not in _NOT_NAMES
    )


def _runs(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) of each line-opening run of name-like words right before a colon that
    more text on the line follows."""
    found = []
    for i in range(len(doc)):
        if not _line_start(doc, i) or doc[i].is_space:
            continue
        start = end = i
        while end < len(doc) and end - start < _MAX_WORDS and _word(doc[end]):
            end += 1
        if end == start or end + 1 >= len(doc) or doc[end].text != ":":
            continue
        after = doc[end + 1]
        if (after.is_space and "\n" in after.text) or "\n" in doc[end].whitespace_:
            continue  # "Analysis:" on a line of its own: a heading
        found.append((start, end))
    return found


def _transcript(doc: Doc, runs: list[tuple[int, int]]) -> bool:
    """Do two or more different names in capitals, each ending with a census surname, open
    lines before a colon?"""
    names = {
        doc[a:b].text
        for a, b in runs
        if all(doc[k].is_upper for k in range(a, b))
        and doc[b - 1].lower_ in surnames.census_surnames()
    }
    return len(names) >= _TRANSCRIPT_LINES


def speakers(doc: Doc) -> list[tuple[int, int]]:
    """Token spans of the people named before a colon at a line's start (module doc)."""
    runs = _runs(doc)
    if not runs:
        return []
    transcript = _transcript(doc, runs)
    found = []
    for start, end in runs:
        words = [doc[k] for k in range(start, end)]
        last = words[-1]
        if last.lower_ not in surnames.census_surnames():
            continue
        if gz.place_label(" ".join(w.lower_ for w in words)) is not None:
            continue
        if len(words) > 1:
            if words[0].lower_ not in surnames.census_given_names():
                continue
        elif not (transcript or surnames.unfamiliar_surname(last)):
            continue
        found.append((start, end))
    return found
