"""Headline verbs the tagger reads as nouns: "Trump *mocks* Franken", "Ben Sasse *attacks* Trump
spiritual adviser", "President Trump *Attacked* Hillary Clinton" (source ``headline_verb``).

Headlines drop articles and capitalise words, so the tagger often takes a stance verb's
inflected form between two names for a noun or a proper noun, and no rule reading the parse
finds its subject or object. Here a stance verb's form ("-s", "-es", "-ies", "-ed", "-d") that
the parse does not read as a verb with a subject, standing right between a holder-type entity
and another entity (after a title or an article), makes the first hold the verb's direction
toward the second. Each token looks only at its neighbours, so the pass stays linear.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from spacy.tokens import Token

from pipeline.enrich import cues
from pipeline.enrich.frames import Target
from pipeline.enrich.holders import HOLDER_LABELS

if TYPE_CHECKING:
    from pipeline.enrich.candidates import Candidate, SentenceReader

# Inflections a headline verb carries, and what replaces them to give the lemma.
_ENDINGS: tuple[tuple[str, str], ...] = (
    ("ies", "y"), ("ied", "y"), ("es", ""), ("es", "e"), ("s", ""), ("ed", ""), ("ed", "e"),
    ("d", ""),
)  # fmt: skip


@lru_cache(maxsize=1 << 16)  # asked of every noun and verb of a text: words repeat
def verb_lemma(word: str) -> str | None:
    """The stance verb ``word`` inflects ("mocks" -> "mock", "Attacked" -> "attack"), if any."""
    lower = word.lower()
    for ending, replacement in _ENDINGS:
        if lower.endswith(ending) and len(lower) > len(ending) + 2:
            lemma = lower[: -len(ending)] + replacement
            if lemma in cues.VERBS:
                return lemma
    return None


def headline_verb(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """Source ``headline_verb`` (see the module doc)."""
    if tok.pos_ not in {"NOUN", "PROPN", "VERB"} or not tok.is_alpha:
        return
    lemma = verb_lemma(tok.text)  # memoised, and None for nearly every word: asked first
    if lemma is None:
        return
    if tok.pos_ == "VERB" and any(c.dep_ in {"nsubj", "nsubjpass"} for c in tok.children):
        return  # a verb the parse reads: the ``verb`` and ``frame`` sources' own
    sent, doc = s.sent, tok.doc
    if tok.i <= sent.start or tok.i + 1 >= sent.end:
        return
    entities = s.owner.doc
    if entities.entity_of(s.field, tok) is not None:
        return
    holder = entities.entity_of(s.field, doc[tok.i - 1])
    after = doc[tok.i + 1]
    if entities.entity_of(s.field, after) is None and after.pos_ in {"PROPN", "DET"}:
        # a title or an article before the name: "Attacked Governor Rosa Diaz"
        after = doc[min(tok.i + 2, sent.end - 1)]
    target = entities.entity_of(s.field, after)
    if holder is None or target is None or holder is target or holder.label not in HOLDER_LABELS:
        return
    polarity = cues.VERBS[lemma]
    yield s.make(
        holder,
        Target(target.name, "entity", 1),
        tok,
        "headline_verb",
        polarity,
        "subject",
        lemma,
        s.sentence.text,
        after,
    )
