"""Target-side token rules, run by :class:`~pipeline.enrich.candidates.SentenceReader` on
every token through one hook (:func:`each_token`):

* :func:`reasons.reason` — the act a judgement gives as its ground ("criticised X *for
  backing Y*"; sources ``reason_actor`` and ``reason``), and :func:`reasons.received_reason`
  — the act a received judgement names ("faced criticism *for backing Y*"; ``reason_actor``);
* :func:`stance_adverbial` — a stance noun in an "in ... of / to" phrase ("voted *in favor of*
  the bill", "came out *in opposition to* the plan"; source ``stance_adverbial``);
* the rules of :mod:`noun_rules` — stance nouns hung away from their holder ("launched into
  an attack on Y", "faced a backlash from X"; sources ``noun_phrase``, ``received_from``);
* :func:`headlines.headline_verb` — a headline's stance verb the tagger took for a noun
  ("Trump *mocks* Franken"; source ``headline_verb``);
* :func:`passives.passive_by` — a passive's "by" phrase hung off its agent slot ("was
  applauded, including by X"; source ``passive_by``);
* :func:`constructions.relative_object` — a stance verb whose object is a relative pronoun
  ("Mr. Cohn, whom he has criticized"; source ``relative_object``).

Each rule looks at a bounded neighbourhood of one token, so the pass stays linear.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from spacy.tokens import Token

from pipeline.enrich import cues, headlines, noun_rules, passives, reasons
from pipeline.enrich.constructions import clause_owner, noun_owner, relative_object
from pipeline.enrich.frames import compose, denied

if TYPE_CHECKING:
    from pipeline.enrich.candidates import Candidate, SentenceReader

_VERBAL = frozenset({"VERB", "AUX"})
_NOMINAL = frozenset({"NOUN", "PROPN"})
# The prepositions that name the target after them ("in support *of* Y").
_ADVERBIAL_PREPOSITIONS = frozenset({"of", "to", "with", "against", "at", "over"})
# "The judge ruled in favor of Apple" states an outcome, not the judge's position.
_OUTCOME_VERBS = frozenset({"rule", "find", "decide", "settle"})


def each_token(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    yield from reasons.reason(s, tok)
    yield from reasons.received_reason(s, tok)
    yield from stance_adverbial(s, tok)
    yield from noun_rules.noun_phrase(s, tok)
    yield from noun_rules.received_from(s, tok)
    yield from headlines.headline_verb(s, tok)
    yield from passives.passive_by(s, tok)
    yield from relative_object(s, tok)


def stance_adverbial(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """ "X voted *in favor of* Y", "X came out *in opposition to* Y", "X's letter *in support
    of* Y": the holder is the subject of the verb the phrase hangs on (a control chain
    composed: "refused to vote in favor of Y" is against Y) or the owner of the noun."""
    polarity = cues.ADVERBIAL_NOUNS.get(tok.lower_, 0) if tok.pos_ == "NOUN" else 0
    prep = tok.head
    if not polarity or tok.dep_ != "pobj" or prep.lower_ != "in" or prep.dep_ != "prep":
        return
    objects = [
        o
        for p in tok.children
        if p.dep_ == "prep" and p.lower_ in _ADVERBIAL_PREPOSITIONS
        for o in p.children
        if o.dep_ in {"pobj", "pcomp"}
    ]
    owner = prep.head
    if not objects or owner.lemma_.lower() in _OUTCOME_VERBS:
        return
    if owner.pos_ in _VERBAL:
        prior, top = compose(owner, polarity)
        holders = s.reader.subject_holders(top).entities or clause_owner(s, top)
    elif owner.pos_ in _NOMINAL:
        prior = denied(owner, polarity)
        holders = noun_owner(s, owner)
    else:
        return
    label = f"in {tok.lower_}"
    yield from s.each(holders, objects, tok, "stance_adverbial", prior, "subject", label)
