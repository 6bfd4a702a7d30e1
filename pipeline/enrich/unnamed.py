"""Holders the entity recogniser missed: a capitalised name in a holder's place.

The small English model misses many lone surnames, most of all in the one-sentence excerpts
news feeds carry ("Emanuel is leveling his argument at ...", "Cummings writes to Ross");
it even tags some as common nouns. Such a word, where a holder stands (the
subject, the passive agent, the possessor), is read as the name of a person when the parse
gives it away as one:

* a proper-noun tag (``NNP``), or a common-noun tag away from the sentence's first word
  (capitals there mark a name, not the start of a sentence);
* a plural tag (``NNS``/``NNPS``: "Sanders", "Sessions") only with a verb in the singular
  ("Sessions *was* ...", "Cummings *writes* ..."): "Prosecutors said" stays a common noun;
* never a title or role ("President", "Minister"), a month or weekday, a known place or
  institution, an all-capitals word (section labels: "UPDATE", "VIDEO"), a word with a
  determiner ("the Senate").

The name is the word with the capitalised proper nouns compounded to its left ("Glenda
Hart"), titles left out. Such a holder is no entity of the article: it gets no tone and no
entity mention. A subject the recogniser did name but labelled a thing (WORK_OF_ART,
PRODUCT, FAC: "Schaeuble was quoted as saying") is read the same way.
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from pipeline.enrich import gazetteer as gz
from pipeline.enrich.mentions import name_key

_NOUN_POS = frozenset({"NOUN", "PROPN"})
_PLURAL_TAGS = frozenset({"NNS", "NNPS"})
_SINGULAR_VERB_TAGS = frozenset({"VBZ"})
_SINGULAR_AUX = frozenset({"is", "was", "has", "does", "'s"})
_MAX_NAME_WORDS = 4


def _capitalised(t: Token) -> bool:
    text = t.text
    return (
        len(text) >= 2
        and text.isalpha()
        and text[0].isupper()
        and any(ch.islower() for ch in text[1:])
    )


def _title_word(lower: str) -> bool:
    """Titles, roles and calendar words: capitalised, yet never a name."""
    return (
        lower in gz.PERSON_TITLES
        or lower in gz.ORG_ROLES
        or lower in gz.GPE_ROLES
        or lower in gz.CALENDAR_WORDS
    )


def _known_word(lower: str) -> bool:
    """A title, role or calendar word, or a known place or institution: no person."""
    return _title_word(lower) or gz.place_label(name_key(lower)) is not None


def _sentence_initial(t: Token) -> bool:
    """The first word of its sentence, or of a line, quote or clause after punctuation."""
    return t.i == t.sent.start or not t.nbor(-1).is_alpha


def _singular_verb(t: Token) -> bool:
    """Does the verb ``t`` is the subject of agree with a singular subject?"""
    verb = t.head
    if verb.tag_ in _SINGULAR_VERB_TAGS or verb.lower_ in _SINGULAR_AUX:
        return True
    auxiliaries = (c for c in verb.children if c.dep_ in {"aux", "auxpass"})
    return any(c.lower_ in _SINGULAR_AUX for c in auxiliaries)


def looks_like_name(t: Token) -> bool:
    """Is ``t`` (no entity of the article) the name of a person, by the tests above?"""
    if t.pos_ not in _NOUN_POS or not _capitalised(t) or _known_word(t.lower_):
        return False
    if any(c.dep_ == "det" for c in t.children):
        return False
    if t.tag_ in _PLURAL_TAGS:
        return t.dep_ in {"nsubj", "nsubjpass"} and _singular_verb(t)
    return t.pos_ == "PROPN" or not _sentence_initial(t)


def name_span(t: Token) -> Span:
    """The name ``t`` ends: with the capitalised proper nouns compounded to its left."""
    start = t.i
    while (
        start > t.sent.start
        and t.i - start + 1 < _MAX_NAME_WORDS
        and (prev := t.doc[start - 1]).dep_ == "compound"
        and prev.head.i == t.i
        and prev.pos_ == "PROPN"
        and _capitalised(prev)
        and not _title_word(prev.lower_)  # a first name may be a place's too ("Ana")
    ):
        start -= 1
    return t.doc[start : t.i + 1]
