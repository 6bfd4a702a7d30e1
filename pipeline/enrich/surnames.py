"""People news names in full once and by surname after: evidence the small model misses.

en_core_web_sm reads many unfamiliar full names as organisations or places ("Carly Fiorina"
ORG, "Reeva Steenkamp" LOC) and their surnames alone likewise, or not at all ("Yates was
fired"). News style gives signs that do not depend on having seen the name:

* a full name whose first word is a given name (the ``nicknames`` package's table of
  English given names and their short forms, Apache-2.0) and whose last word the same field
  also writes alone is a person's: "Carly Fiorina ... Fiorina later led HP". An organisation
  named after a person is not shortened to its last word ("Morgan Stanley", "Harris Scarfe"),
  so the surname written alone is what tells the two apart;
* that surname written alone elsewhere in the field, where NER found nothing, is the same
  person ("Sally Yates ... Yates was fired");
* a lone given name NER tagged as a person, followed by a word that can be a surname and
  that NER left out, is the full name ("Attorney General *Sally* Yates").

A word that names a place in the gazetteer ("Virginia Tech", "Jordan") is never taken for a
given name or a surname here.

A surname written alone with no full name beside it ("Rubio came in second", "Gorsuch now
counts 55 supporters") is a person's when it is a US census surname (the ``names`` package's
copy of the 1990 census list, 88,799 names, MIT) and no English word: the small model misses
such subjects at a sentence's start, where capitals say nothing, and the census list alone
would take "Walker", "King" or "Christmas" for people. The English words are the model's own:
its rule lemmatizer's index and exceptions (:func:`learn_words`). The entity rules of
:mod:`pipeline.enrich.mentions` ask the same after a person's title ("Acting Attorney General
Yates"), and ask only the census list of a lone surname NER labelled otherwise when its
sentence goes on with "he" or "she" ("Trump hasn't said what he wants").
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from spacy.language import Language
from spacy.tokens import Doc, Token

from pipeline.enrich import gazetteer as gz

if TYPE_CHECKING:
    from pipeline.enrich.mentions import RawMention

PERSON = "PERSON"
# The vocabulary's lookup table of census surnames that are English words (:func:`learn_words`).
WORDS_TABLE = "newsflow_surnames_that_are_words"


@cache
def given_names() -> frozenset[str]:
    """Lower-case English given names and their nicknames ("carly", "sally", "bob")."""
    table = resources.files("nicknames").joinpath("names.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(table.splitlines())
    return frozenset(name.lower() for row in rows for name in (row["name1"], row["name2"]))


def _census(*files: str) -> frozenset[str]:
    """The lower-case names of the ``names`` package's census files (a name, then figures,
    on each line)."""
    found: set[str] = set()
    for file in files:
        table = resources.files("names").joinpath(file).read_text(encoding="ascii")
        found.update(line.split(maxsplit=1)[0].lower() for line in table.splitlines() if line)
    return frozenset(found)


@cache
def census_surnames() -> frozenset[str]:
    """Lower-case US census surnames (1990, the ``names`` package's ``dist.all.last``)."""
    return _census("dist.all.last")


@cache
def census_given_names() -> frozenset[str]:
    """Lower-case given names of the same census (``dist.male.first`` and
    ``dist.female.first``, 5,163 names): "sean" and "shane" too, which have no nickname."""
    return _census("dist.male.first", "dist.female.first")


def learn_words(nlp: Language) -> None:
    """Keep the census surnames that are English words ("walker", "bell", "christmas") in
    the vocabulary's lookups, where :func:`unfamiliar_surname` reads them from any token. The
    words are the model's own: every lemma its rule lemmatizer knows, and the irregular
    forms. Only the 6,887 such surnames are kept, not the ~90,000 words (18 MB a process). A
    model without a rule lemmatizer gets no table, and no surname is then unfamiliar."""
    if "lemmatizer" not in nlp.pipe_names:
        return
    pipe = nlp.get_pipe("lemmatizer")
    pipe = getattr(pipe, "lemmatizer", pipe)  # fastpipes' lemmatizer keeps spaCy's inside
    lookups = getattr(pipe, "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return
    words: set[str] = set()
    for lemmas in lookups.get_table("lemma_index").values():
        words.update(lemmas)
    if lookups.has_table("lemma_exc"):
        for forms in lookups.get_table("lemma_exc").values():
            words.update(forms)
    if nlp.vocab.lookups.has_table(WORDS_TABLE):
        nlp.vocab.lookups.remove_table(WORDS_TABLE)
    nlp.vocab.lookups.add_table(WORDS_TABLE, dict.fromkeys(census_surnames() & words, True))


def unfamiliar_surname(tok: Token) -> bool:
    """Is the word a census surname that is no English word ("Rubio", "Gorsuch"; not
    "Walker", "Bell")? A plural word's form is not looked up ("Sanders", "Sessions"): the
    callers ask only of proper nouns (NNP), and "Millions" or "Talks" are no census
    surnames."""
    lookups = tok.vocab.lookups
    if tok.lower_ not in census_surnames() or not lookups.has_table(WORDS_TABLE):
        return False
    return tok.lower_ not in lookups.get_table(WORDS_TABLE)


# Titles, roles and calendar words are capitalised in names without being names.
_NOT_NAMES = gz.PERSON_TITLES | gz.ORG_ROLES | gz.GPE_ROLES | gz.CALENDAR_WORDS


def name_shaped(tok: Token) -> bool:
    """A title-case proper noun of three letters or more (a hyphen or apostrophe allowed)
    that is no title, role, month or weekday: what a person's name word looks like."""
    text = tok.text
    return (
        tok.pos_ == "PROPN"
        and tok.is_title
        and len(text) > 2
        and text.replace("-", "").replace("'", "").isalpha()
        and tok.lower_ not in _NOT_NAMES
    )


def _place(word: str) -> bool:
    return gz.place_label(word.lower()) is not None


def _person_like(votes: dict[str, float]) -> bool:
    """Do a mention's votes so far make it a person (ties included)?"""
    return votes.get(PERSON, 0.0) > 0 and votes[PERSON] >= max(votes.values())


def surname_at(doc: Doc, i: int) -> str | None:
    """The word at ``i`` if it can be a surname written alone: a title-case proper noun of
    letters (a hyphen or apostrophe allowed), not a place's name."""
    tok = doc[i]
    if not name_shaped(tok) or _place(tok.text):
        return None  # "the Governor-General", "Attorney General": titles
    if (i > 0 and doc[i - 1].text == "-" and not doc[i - 1].whitespace_) or (
        not tok.whitespace_ and i + 1 < len(doc) and doc[i + 1].text == "-"
    ):
        return None  # part of a hyphenated word: "al-Qaeda", "Governor-General"
    return tok.lower_


def surname_after(doc: Doc, start: int, end: int) -> int:
    """The end of a person's name NER cut after its given name: "Attorney General *Sally*
    Yates" gives ``end`` + 1 when the word after a lone given name can be a surname and is in
    no entity of NER's; else ``end``."""
    if end - start != 1 or end >= len(doc) or doc[start].lower_ not in given_names():
        return end
    after = doc[end]
    if after.ent_iob_ != "O" or doc[start].whitespace_ != " " or surname_at(doc, end) is None:
        return end
    return end + 1


def vote_and_find(doc: Doc, mentions: list[RawMention], vote: float) -> list[int]:
    """Add ``vote`` for PERSON to each full name whose first word is a given name and whose
    surname the field also writes alone; return the positions of the surnames, written
    alone, of every full name that is a person's, where no mention covers them. The caller
    makes those mentions voted PERSON: they are evidence for the surname's own label where
    NER tagged it elsewhere as something else ("Al Franken ... Franken" read as a place)."""
    covered = {i for m in mentions for i in range(m.tok_start, m.tok_end)}
    in_names = {
        i for m in mentions if m.tok_end - m.tok_start > 1 for i in range(m.tok_start, m.tok_end)
    }
    alone: dict[str, list[int]] = {}
    for i in range(len(doc)):
        if i not in in_names and (word := surname_at(doc, i)) is not None:
            alone.setdefault(word, []).append(i)
    found: set[int] = set()
    for m in mentions:
        words = [doc[i] for i in range(m.tok_start, m.tok_end)]
        if not 2 <= len(words) <= 3:
            continue
        first = words[0].lower_
        # the surname alone, not the full name again where NER left it untagged
        shortened = [
            i for i in alone.get(words[-1].lower_, ()) if i == 0 or doc[i - 1].lower_ != first
        ]
        if not shortened:
            continue
        if not _person_like(m.votes):
            if not given_name_first(words, m.text):
                continue
            m.votes[PERSON] += vote
        found.update(shortened)
    return sorted(found - covered)


def given_name_first(words: list[Token], text: str) -> bool:
    """Is a name of title-case words a given name and a surname ("Carly Fiorina"), and no
    place's or organisation's name ("Virginia Tech", "Victoria Police")?"""
    if not all(w.is_title or w.is_upper for w in words):
        return False  # "west Nablus", "Hillary for President"
    if words[0].lower_ not in given_names() or _place(words[0].text):
        return False
    return words[-1].lower_ not in gz.ORG_SUFFIXES and gz.place_label(text.lower()) is None
