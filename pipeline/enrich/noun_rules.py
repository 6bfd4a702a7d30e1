"""Stance nouns the parse hangs away from their holder, each under its own source so that the
model learns how far to trust it:

* ``noun_phrase`` — a stance act in a verb's "into" or "with" phrase, held by that verb's
  subject: "X launched *into an attack on* Y", "X ended her interview *with a jab at* Y";
* ``received_from`` — opposition or pressure a subject receives from someone: "Y faced *a
  backlash from* X", "Y has drawn *ire from* X", "Y came under *fire from* X" (X against Y),
  "Y faces *pressure from* X *to approve* Z" (X favor approving Z), a stance noun owned by
  whom it is about: "Y and *his endorsement from* X" (X favor Y), and one a subject wins:
  "Y won *X's endorsement*", "Y drew *X's scorn*" (X favor or against Y).

Each rule looks at the children of one token and of its head, so the pass stays linear.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from spacy.tokens import Token

from pipeline.enrich import cues
from pipeline.enrich import lexicon as lx
from pipeline.enrich.constructions import prep_objects
from pipeline.enrich.frames import Target, agent_of, negated, particle_of
from pipeline.enrich.moods import unstated_verb

if TYPE_CHECKING:
    from pipeline.enrich.candidates import Candidate, SentenceReader

_VERBAL = frozenset({"VERB", "AUX"})

# Acts, not people: "met with critics of Y" names no act of the subject, "launched into an
# attack on Y" does. Concerns and doubts are left out: "dealt with concerns about Y" is not the
# subject's.
_PHRASE_NOUNS: dict[str, int] = {
    **dict.fromkeys(
        {"attack", "assault", "criticism", "condemnation", "denunciation", "rebuke", "jab"}
        | {"broadside", "tirade", "swipe", "salvo", "diatribe", "screed", "harangue"},
        -1,
    ),
    **dict.fromkeys({"praise", "tribute", "endorsement"}, 1),
}
_PHRASE_PREPOSITIONS = frozenset({"into", "with"})


def noun_phrase(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """Source ``noun_phrase`` (see the module doc)."""
    polarity = _PHRASE_NOUNS.get(tok.lemma_.lower(), 0) if tok.pos_ == "NOUN" else 0
    prep = tok.head
    verb = prep.head
    if (
        not polarity
        or tok.dep_ != "pobj"
        or prep.dep_ != "prep"
        or prep.lower_ not in _PHRASE_PREPOSITIONS
        or verb.pos_ != "VERB"
        or verb.lemma_.lower() not in cues.LAUNCHING
    ):
        return
    if verb.lemma_.lower() == "break" and prep.lower_ == "with":
        return  # "broke with the criticism of Y" parts from it
    if agent_of(verb) is not None or any(c.dep_ == "nsubjpass" for c in verb.children):
        return  # "was hit with a lawsuit": the subject receives the act
    if any(c.dep_ == "poss" for c in tok.children):
        return  # "agreed with his criticism of Y": the possessor's act (``noun``)
    if _someone_elses(tok) or _by_or_from(verb) or particle_of(verb) == "up":
        return  # "opened with the attacks on Y by his opponents", "ended up with criticism"
    objects = prep_objects(tok)
    if not objects:
        return
    # Only the verb's own subject: "X said the meeting began with an attack on Y" is nobody's
    # act that X owns.
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    if subject is None:
        return
    holders = s.owner.holders.resolve(s.field, subject).entities
    yield from s.emit((holders, "subject"), objects, tok, "noun_phrase", polarity)


def _by_or_from(token: Token) -> bool:
    return any(c.dep_ in {"prep", "agent"} and c.lower_ in {"by", "from"} for c in token.children)


def _someone_elses(noun: Token) -> bool:
    """Does the act name its own author ("the attacks on Y by his opponents", "criticism of Y
    from his own party", "the criticism that Republicans had voiced")?"""
    for child in noun.children:
        if child.dep_ in {"relcl", "acl"}:
            return True
        if child.dep_ == "prep" and (
            child.lower_ in {"by", "from"}
            # "an attack on Y by X": the by-phrase may hang off the object
            or any(_by_or_from(inner) for inner in child.children)
        ):
            return True
    return False


# Nouns naming what a subject receives from someone: opposition, or pressure to act.
_RECEIVED: dict[str, int] = {
    **dict.fromkeys({"backlash", "ire", "fire", "heat", "flak", "flack", "wrath"}, -1),
    "pressure": 1,  # only with the act it presses for ("pressure from X to approve Z")
}
# Verbs whose subject receives such a noun: "faced a backlash", "drew ire", "came under fire".
_RECEIVING = frozenset(
    {"face", "draw", "come", "receive", "get", "attract", "provoke", "spark", "trigger"}
    | {"incur", "earn", "feel", "meet", "take", "endure", "weather"}
)
# Stance nouns owned by whom they are about when their holder follows "from" or "by":
# "his endorsement from X" is X's endorsement of him.
_OWNED_BY_TARGET = frozenset(
    {"endorsement", "support", "backing", "praise", "approval", "criticism", "condemnation"}
)


def received_from(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """Source ``received_from`` (see the module doc)."""
    lemma = tok.lemma_.lower()
    if lemma in _RECEIVED and tok.pos_ in {"NOUN", "ADJ"}:
        yield from _received(s, tok, _RECEIVED[lemma])
    elif lemma in _OWNED_BY_TARGET and tok.pos_ == "NOUN":
        yield from _owned_by_target(s, tok)
    if lemma in _WON and tok.pos_ == "NOUN":
        yield from _won(s, tok, _WON[lemma])


def _received(s: SentenceReader, tok: Token, polarity: int) -> Iterator[Candidate]:
    verb = tok.head
    if tok.dep_ == "pobj" and verb.dep_ == "prep" and verb.lower_ in {"under", "into"}:
        verb = verb.head  # "came under fire"
    elif tok.dep_ != "dobj":
        return
    if verb.pos_ not in _VERBAL or verb.lemma_.lower() not in _RECEIVING:
        return
    owners = [
        e for a in _from_agents(tok, verb) for e in s.owner.holders.resolve(s.field, a).entities
    ]
    if not owners:
        return
    if polarity < 0:
        objects = [
            c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"} and c.pos_ != "PRON"
        ]
        yield from s.emit((owners, "from"), objects, tok, "received_from", polarity)
        return
    # Pressure is for the act it presses for, not against the one pressed: the object of an
    # act that takes a side, in the act's direction ("to approve Y" favours Y, "to reject Y"
    # or "to block Y" opposes it), else the act itself ("to resign").
    for act in (c for c in tok.children if c.dep_ == "acl" and c.pos_ == "VERB"):
        if negated(act):
            continue  # "pressure to never oppose Y", "to not endorse Y": no side to read
        direction = _direction(act.lemma_.lower())
        objects = [o for o in act.children if o.dep_ == "dobj"]
        if any(o.lemma_.lower() in cues.ADDRESSED_NOUNS for o in objects):
            continue  # "pressure to reject calls to impeach Y": a nested act, not read here
        if direction and objects:
            yield from s.emit((owners, "from"), objects, tok, "received_from", direction)
        elif not objects:
            yield from s.emit((owners, "from"), [act], tok, "received_from", polarity)


def _direction(lemma: str) -> int:
    """The side an act takes toward its object: a stance verb's, else a reversing or
    sustaining verb's (:func:`lexicon.act_direction`)."""
    return cues.VERBS.get(lemma) or lx.act_direction(lemma)


def _from_agents(noun: Token, verb: Token) -> list[Token]:
    """The objects of "from" on the noun or on its verb ("drew ire from X"), also after
    "including" ("came under fire, including from X")."""
    preps = [p for head in (noun, verb) for p in head.children if p.dep_ == "prep"]
    preps += [p for inc in preps if inc.lower_ == "including" for p in inc.children]
    return [o for p in preps if p.lower_ == "from" for o in p.children if o.dep_ == "pobj"]


# Verbs whose subject gets the stance its object names: "won X's endorsement", "had X's
# backing", "drew X's criticism".
_WINNING = frozenset(
    {"win", "receive", "get", "earn", "secure", "gain", "land", "have", "draw", "attract"}
    | {"incur", "face"}
)
_WON: dict[str, int] = {
    **{lemma: cues.NOUNS[lemma] for lemma in _OWNED_BY_TARGET},
    **dict.fromkeys({"scorn", "wrath", "ire"}, -1),
    "blessing": 1,
}


def _won(s: SentenceReader, tok: Token, polarity: int) -> Iterator[Candidate]:
    """ "Y won X's endorsement", "Y drew X's criticism": X's stance toward Y, the subject of
    the verb whose object the noun is; not when either is denied ("never won X's
    endorsement" says no side) or only possible ("could win X's endorsement"). "the backing
    of X" is the ``passive_agent`` source's."""
    verb = tok.head
    if tok.dep_ != "dobj" or verb.pos_ not in _VERBAL or verb.lemma_.lower() not in _WINNING:
        return
    poss = next((c for c in tok.children if c.dep_ == "poss"), None)
    if poss is None or negated(verb) or negated(tok) or unstated_verb(verb):
        return  # "could win X's endorsement if …": none won
    subjects = [c for c in verb.children if c.dep_ == "nsubj" and c.pos_ != "PRON"]
    named = {id(s.owner.doc.entity_of(s.field, c)) for c in subjects}
    # "Y has his support": a possessive that stands for the subject itself is no one else's
    owners = [o for o in s.owner.holders.possessor(s.field, poss) if id(o) not in named]
    if owners and subjects:
        yield from s.emit((owners, "from"), subjects, tok, "received_from", polarity)


def _owned_by_target(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    poss = next((c for c in tok.children if c.dep_ == "poss"), None)
    if poss is None:
        return
    agents = [
        o
        for p in tok.children
        if p.dep_ in {"prep", "agent"} and p.lower_ in {"from", "by"}
        for o in p.children
        if o.dep_ == "pobj"
    ]
    owners = [e for a in agents for e in s.owner.holders.resolve(s.field, a).entities]
    if not owners:
        return
    targets = s.owner.holders.possessor(s.field, poss)
    label = tok.lemma_.lower()
    polarity = cues.NOUNS.get(label, 0)
    prior = -polarity if negated(tok) else polarity
    text = s.sentence.text
    for entity in targets:
        if any(entity is o for o in owners):
            continue
        target = Target(entity.name, "entity", 1)
        for h in owners:
            yield s.make(h, target, tok, "received_from", prior, "from", label, text, poss)
