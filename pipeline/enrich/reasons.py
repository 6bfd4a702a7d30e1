"""The grounds a judgement gives: "Sanders hammered Clinton *for supporting regime change*".

A stance verb whose object is a person or group ("criticised X", "praised X", "accused X")
often names the act it judges in a "for" (or, after accuse, "of") phrase. That act carries two
stances the ordinary rules miss, each under its own source so that the model learns how far
to trust it:

* ``reason_actor`` — the one judged holds the stance of the act: "hammered Clinton for
  *supporting* regime change" -> Clinton favor regime change; "Wexton was criticized for
  voting for the bill" -> Wexton favor the bill; "for *his support of* visas" -> favor visas;
* ``reason`` — the judge's stance on what the act is about, when the act favours it: the
  judgement's direction ("criticised X for supporting Y" is against Y, "praised X for
  backing Y" favours Y). Not for an act against Y ("praised X for opposing Y"): the
  candidate is read from the judging verb, whose word then outweighs the composed direction
  in the model; nor for a negated or turned judgement ("did not criticise X for ...").

A judgement its subject receives names the subject's own act the same way: "X faced criticism
for backing Y", "won praise for opposing Y", "came under fire for praising Y" -> X toward Y
(``reason_actor``, :func:`received_reason`).

Only acts with a direction of their own (a stance verb or noun of :mod:`cues`) count: "for
being careless" names no target. Each rule looks at the children of one verb, so the pass
stays linear.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from spacy.tokens import Token

from pipeline.enrich import cues, passives
from pipeline.enrich import lexicon as lx
from pipeline.enrich.constructions import REASON_OF_VERBS, prep_objects, verb_reading
from pipeline.enrich.entities import Cluster
from pipeline.enrich.frames import agent_of, compose, negated

if TYPE_CHECKING:
    from pipeline.enrich.candidates import Candidate, SentenceReader


def reason(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """Sources ``reason_actor`` and ``reason`` (see the module doc) for a judging verb."""
    if tok.pos_ != "VERB":
        return
    lemma = tok.lemma_.lower()
    judgement = cues.VERBS.get(lemma, 0)
    if not judgement:
        return
    acts = _acts(tok, lemma)
    if not acts:
        return
    agent = agent_of(tok)
    if agent is not None or any(c.dep_ == "nsubjpass" for c in tok.children):
        judged = [c for c in tok.children if c.dep_ == "nsubjpass"]
        judges = s.owner.holders.resolve(s.field, agent).entities if agent is not None else []
        direction = -judgement if negated(tok) else judgement
    else:
        judged = [c for c in tok.children if c.dep_ == "dobj"]
        direction, top = compose(tok, judgement)
        judges = s.reader.subject_holders(top).entities
    actors = [e for j in judged for e in s.owner.holders.resolve(s.field, j).entities]
    for act in acts:
        found = _act_reading(s, act)
        if found is None:
            continue
        polarity, objects, label = found
        yield from _each(s, actors, objects, act, "reason_actor", polarity, label)
        if polarity > 0 and direction == judgement:
            # Only where the judge's stance runs the judgement's way: the candidate is read
            # from the judging verb, so for "praised X for opposing Y" (against Y) the model
            # sees "praise" and said favor; a negated judge ("did not criticise X for ...")
            # states no position on Y.
            yield from _each(s, judges, objects, tok, "reason", direction, lemma, actors)


# Nouns of judgement a subject receives besides the stance nouns of :mod:`cues`: "came under
# fire", "drew ire", "faced a backlash".
_RECEIVED_JUDGEMENTS = frozenset({"fire", "ire", "backlash", "heat", "flak", "flack", "wrath"})


def received_reason(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """Source ``reason_actor`` for a judgement the subject receives: "X faced criticism for
    backing Y" -> X favor Y (the criticism is others'; see :func:`passives.received_only`)."""
    lemma = tok.lemma_.lower()
    if tok.pos_ != "NOUN" or not (lemma in cues.NOUNS or lemma in _RECEIVED_JUDGEMENTS):
        return
    if passives.received_only(tok):
        verb = tok.head
    elif tok.dep_ == "pobj" and tok.head.lower_ == "under" and tok.head.head.lemma_ == "come":
        verb = tok.head.head  # "came under fire for ..."
    else:
        return
    acts = _phrase_objects((tok, verb), {"for"})
    subjects = [c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}]
    actors = [e for j in subjects for e in s.owner.holders.resolve(s.field, j).entities]
    for act in acts if actors else []:
        owner = next((c for c in act.children if c.dep_ == "poss"), None)
        if owner is not None and owner.pos_ != "PRON":
            continue  # "faced criticism for her husband's support of Y": not her act
        found = _act_reading(s, act)
        if found is not None:
            polarity, objects, label = found
            yield from _each(s, actors, objects, act, "reason_actor", polarity, label)


def _acts(verb: Token, lemma: str) -> list[Token]:
    """The gerunds or nouns of the verb's "for" phrase ("of" for accuse), also when the
    parser hangs the phrase on the object ("criticized X for ...")."""
    words = {"for", "of"} if lemma in REASON_OF_VERBS else {"for"}
    heads = [verb, *(c for c in verb.children if c.dep_ in {"dobj", "nsubjpass"})]
    return _phrase_objects(heads, words)


def _phrase_objects(heads: Iterable[Token], words: set[str]) -> list[Token]:
    """The objects (gerunds or nouns) of the heads' prepositions ``words``, in order."""
    return [
        obj
        for head in heads
        for prep in head.children
        if prep.dep_ == "prep" and prep.lower_ in words
        for obj in prep.children
        if obj.dep_ in {"pcomp", "pobj"}
    ]


def _act_reading(s: SentenceReader, act: Token) -> tuple[int, list[Token], str] | None:
    """The act's direction (negation applied), the tokens naming what it is about, and its
    stance word: a stance verb ("supporting Y", "voting for Y") or a stance noun ("his
    support of Y")."""
    if act.pos_ == "VERB":
        polarity, objects = _verb_act(s, act)
    elif act.pos_ == "NOUN" and act.lemma_.lower() in cues.NOUNS:
        polarity, objects = cues.NOUNS[act.lemma_.lower()], prep_objects(act)
    else:
        return None
    if not polarity or not objects:
        return None
    return (-polarity if negated(act) else polarity), objects, act.lemma_.lower()


def _verb_act(s: SentenceReader, act: Token, depth: int = 0) -> tuple[int, list[Token]]:
    """A verb act's direction and objects: a stance verb ("backing Y"), a verb acting on its
    object ("lifting sanctions" is against sanctions, "extending the truce" favor), or a
    control verb's complement ("moving to dismantle the rules", "refusing to back Y")."""
    polarity, objects = s.reading(act) if depth == 0 else verb_reading(act)
    if polarity and objects:
        return polarity, objects
    lemma = act.lemma_.lower()
    sign = lx.act_direction(lemma)
    if sign:
        return sign, [c for c in act.children if c.dep_ == "dobj"]
    inner = next((c for c in act.children if c.dep_ == "xcomp" and c.pos_ == "VERB"), None)
    if inner is None or depth > 0 or lemma not in lx.EMBEDDING_VERBS:
        return polarity, objects
    polarity, objects = _verb_act(s, inner, depth + 1)
    if negated(inner):
        polarity = -polarity
    return lx.EMBEDDING_VERBS[lemma] * polarity, objects


def _each(
    s: SentenceReader,
    holders: list[Cluster],
    objects: list[Token],
    cue: Token,
    source: str,
    prior: int,
    label: str,
    skip: list[Cluster] | None = None,
) -> Iterator[Candidate]:
    """Candidates of ``holders`` toward ``objects``, never a holder's own name nor, for the
    judge, the one judged (the ordinary verb rule proposes that pair)."""
    names = {h.name for h in holders} | {h.name for h in skip or []}
    for c in s.each(holders, objects, cue, source, prior, "reason", label):
        if not (c.target.kind == "entity" and c.target.text in names):
            yield c
