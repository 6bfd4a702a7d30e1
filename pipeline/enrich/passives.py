"""Passive and participle constructions the basic sources of :mod:`candidates` miss.

* ``passive_agent`` — agents the frames and stance verbs miss: a stance participle on its
  target ("the plan, *criticised by X*") and a stance noun with "from X" ("the plan drew
  *criticism from X*", "came under criticism from X", "a nod of approval from X");
* ``passive_feeling`` — "X was incensed / impressed by Y": the subject toward the agent;
* ``participle_opener`` — a clause opening the sentence shares the main subject: "Welcoming
  the ruling, X said", "Critical of the plan, X ...", "Angered by the ruling, X ..."; and an
  opening passive's agent takes a stance on it: "Backed by the unions, X ..." (unions favor X).

* ``passive_by`` — a passive stance verb whose "by" phrase the parser hangs elsewhere: "Y
  was applauded, *including by X*", "Y, who has been hammered as 'low energy' *by X*".

Passives with a subject ("Y was criticised by X") are the ``frame`` and ``verb`` sources'.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from spacy.tokens import Token

from pipeline.enrich import cues
from pipeline.enrich.constructions import prep_objects
from pipeline.enrich.frames import agent_of, negated

if TYPE_CHECKING:
    from pipeline.enrich.candidates import Candidate, SentenceReader

_NOMINAL = frozenset({"NOUN", "PROPN"})
_VERBAL = frozenset({"VERB", "AUX"})

# Verbs a stance noun with "from X" is the object of: "the plan drew criticism from X".
_RECEIVING = frozenset(
    {"draw", "receive", "get", "win", "earn", "face", "attract", "meet", "come", "provoke"}
    | {"spark", "prompt", "trigger", "gain", "garner", "have", "win", "elicit", "bring"}
    | {"enjoy", "secure", "retain"}
)


def passive_agent(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """Source ``passive_agent``: the agent the basic rules miss, a stance participle modifying
    its target ("the plan, *criticised by X*", "a tax *backed by X*") and a stance noun with
    "from X" ("the plan drew *criticism from X*", "a nod of *approval from X*") -> X toward
    the target (the noun's own object, else the subject of the verb it is received by)."""
    lemma = tok.lemma_.lower()
    if tok.pos_ == "VERB" and tok.dep_ == "acl" and tok.head.pos_ in _NOMINAL:
        agent = agent_of(tok)
        polarity = cues.VERBS.get(lemma, 0)
        if agent is not None and polarity:
            owners = s.owner.holders.agent(s.field, agent, [tok.head]).entities
            yield from s.emit((owners, "agent"), [tok.head], tok, "passive_agent", polarity, True)
    elif tok.pos_ == "NOUN" and lemma in cues.NOUNS and lemma not in cues.TARGET_OWNERS:
        top = tok
        if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.pos_ in _NOMINAL:
            top = tok.head.head  # "a nod of approval from X"
        given_by = givers(tok, top)
        owners = [e for a in given_by for e in s.owner.holders.resolve(s.field, a).entities]
        if not owners:
            return
        taken = {a.i for a in given_by}
        objects = [o for o in prep_objects(tok) if o.i not in taken] or _received_by(top)
        yield from s.emit((owners, "from"), objects, tok, "passive_agent", cues.NOUNS[lemma])


def received(noun: Token) -> bool:
    """Is ``noun`` the object of a verb by which its subject receives it ("drew criticism",
    "had the support of X")?"""
    return noun.dep_ == "dobj" and noun.head.lemma_.lower() in _RECEIVING


# Receiving verbs whose subject never holds what it receives, giver named or not: "X faced
# criticism for backing Y" is others' criticism of X. ("had concerns about Y", "gained
# support" can be the subject's own, so those verbs need a "from X" first.)
_ONLY_RECEIVING = frozenset(
    {"face", "draw", "receive", "earn", "win", "attract", "garner", "incur", "elicit"}
    | {"provoke", "spark", "trigger", "prompt"}
)


# What a subject wins for what it proposes is its own cause: "won approval for the budget",
# "garnered support for the amendment" (the subject favours them).
_SUPPORT = frozenset({"support", "approval", "backing", "endorsement", "votes", "vote"})


def received_only(noun: Token) -> bool:
    """Is ``noun`` a judgement of the subject by others, the object of a verb by which its
    subject only ever receives it ("faced criticism", "won praise", "sparked outrage"; not
    "won support for the bill")?"""
    return (
        noun.dep_ == "dobj"
        and noun.head.lemma_.lower() in _ONLY_RECEIVING
        and noun.lemma_.lower() not in _SUPPORT
    )


def givers(tok: Token, top: Token) -> list[Token]:
    """Who gives the stance noun ``tok`` (``top``: the phrase it heads, "a nod of approval")
    that a verb's subject receives: "from X" on the noun or on the receiving verb ("drew
    criticism from X"), and "of X" on the noun received ("had the support of X", "won the
    backing of X", where "of" names the giver, not what is supported)."""
    words = {tok.i: {"from"}, top.i: {"from"}}
    if received(top):
        words[top.head.i] = {"from"}  # "drew criticism from X": "from" hangs on the verb
        # "of" after "the" names the giver ("had the backing of X", "drew the criticism of
        # X"), except a criticism one has: "had harsh criticism of X" is about X
        the = any(d.dep_ == "det" and d.lower_ == "the" for d in top.children)
        had = top.head.lemma_.lower() == "have"
        if the and (not had or cues.NOUNS.get(tok.lemma_.lower(), 0) > 0):
            words[top.i] = {"from", "of"}
    doc = tok.doc
    return [
        o
        for i, allowed in words.items()
        for p in doc[i].children
        if p.dep_ == "prep" and p.lower_ in allowed
        for o in p.children
        if o.dep_ == "pobj"
    ]


def _received_by(noun: Token) -> list[Token]:
    """The subject of the verb that receives ``noun`` ("*the plan* drew criticism", "*the
    plan* came under criticism"; a relative pronoun stands for its noun)."""
    verb = noun.head
    if noun.dep_ == "pobj" and verb.dep_ == "prep":
        verb = verb.head
    if verb.pos_ not in _VERBAL or verb.lemma_.lower() not in _RECEIVING:
        return []
    subject = next((c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if subject is None:
        return []
    if subject.lower_ in {"that", "which"} and verb.dep_ == "relcl":
        subject = verb.head
    elif subject.pos_ == "PRON":
        return []
    # "a prayer fast, an event that drew ...": the event is the fast
    return [subject, subject.head] if subject.dep_ == "appos" else [subject]


# Feelings a subject has about an agent: "X was incensed by the allegation" -> X against it.
_FEELINGS: dict[str, int] = {
    **dict.fromkeys(
        {"incense", "anger", "outrage", "dismay", "trouble", "alarm", "disappoint", "upset"}
        | {"frustrate", "offend", "disgust", "infuriate", "enrage", "annoy", "irritate"}
        | {"appal", "appall", "horrify", "sicken"},
        -1,
    ),
    **dict.fromkeys(
        {"impress", "encourage", "please", "delight", "hearten", "reassure", "inspire"}, 1
    ),
}


def passive_feeling(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """Source ``passive_feeling``: "X was incensed / dismayed / impressed by Y" -> the
    subject's position toward the agent."""
    polarity = _FEELINGS.get(tok.lemma_.lower(), 0)
    if not polarity or tok.pos_ not in _VERBAL:
        return
    agent = agent_of(tok)
    if agent is None:
        return
    owners = s.reader.subject_holders(tok).entities
    prior = 0 if negated(tok) else polarity  # "not troubled by Y" is no favor of Y
    label = tok.lemma_.lower()
    yield from s.each(owners, [agent], tok, "passive_feeling", prior, "subject", label)


def participle_opener(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """Source ``participle_opener``: a clause opening the sentence before a comma, whose
    subject is the main clause's: "*Welcoming* the ruling, X said ..." (X favor the ruling),
    "*Critical of* the plan, X ...", "*Angered by* the ruling, X ..." (X against it), and
    with a stance verb's agent, "*Backed by* the unions, X ..." (the unions favor X)."""
    main = tok.head
    if (
        tok.dep_ != "advcl"
        or tok.left_edge.i != s.sent.start
        or main.i <= tok.i
        or tok.right_edge.i + 1 >= s.sent.end
        or s.sent.doc[tok.right_edge.i + 1].text != ","
    ):
        return
    lemma = tok.lemma_.lower()
    subjects = s.reader.subject_holders(main).entities
    if tok.pos_ == "ADJ" and lemma in cues.ADJECTIVES:
        objects = prep_objects(tok)
        yield from s.emit(
            (subjects, "subject"), objects, tok, "participle_opener", cues.ADJECTIVES[lemma]
        )
        return
    if tok.pos_ != "VERB":
        return
    agent = agent_of(tok)
    if agent is not None and lemma in _FEELINGS:
        prior = 0 if negated(tok) else _FEELINGS[lemma]
        yield from s.each(subjects, [agent], tok, "participle_opener", prior, "subject", lemma)
    elif agent is not None and lemma in cues.VERBS:
        subject = [c for c in main.children if c.dep_ in {"nsubj", "nsubjpass"}]
        owners = s.owner.holders.agent(s.field, agent, subject).entities
        yield from s.emit(
            (owners, "agent"), subject, tok, "participle_opener", cues.VERBS[lemma], True
        )
    elif agent is None:
        polarity, objects = s.reading(tok)
        if polarity:
            yield from s.emit(
                (subjects, "subject"), objects, tok, "participle_opener", polarity, True
            )


def passive_by(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """Source ``passive_by`` (see the module doc): X toward the passive's subject (a relative
    pronoun stands for the noun its clause modifies)."""
    polarity = cues.VERBS.get(tok.lemma_.lower(), 0) if tok.pos_ == "VERB" else 0
    if not polarity or agent_of(tok) is not None:
        return
    subject = next((c for c in tok.children if c.dep_ == "nsubjpass"), None)
    if subject is None:
        return
    if subject.lower_ in {"who", "that", "which"} and tok.dep_ == "relcl":
        subject = tok.head
    elif subject.pos_ == "PRON":
        return  # ``pronoun_target`` resolves those
    agents = [o for p in _stray_bys(tok) for o in p.children if o.dep_ == "pobj"]
    owners = [e for a in agents for e in s.owner.holders.resolve(s.field, a).entities]
    # "Jeb Bush, the former governor who has been hammered by X": the governor is Jeb Bush
    targets = [subject.head] if subject.dep_ == "appos" else [subject]
    yield from s.emit((owners, "agent"), targets, tok, "passive_by", polarity, True)


def _stray_bys(verb: Token) -> list[Token]:
    """ "by" phrases of a passive hung off its agent slot: on the verb as a plain preposition,
    after "including" ("applauded, including by X"), or in its "as" phrase ("hammered as
    'low energy' by X")."""
    found: list[Token] = []
    for child in verb.children:
        if child.dep_ == "prep" and child.lower_ == "by":
            found.append(child)
        elif child.lower_ in {"including", "as"}:
            inner = [g for g in child.children if g.dep_ in {"pobj", "prep"}]
            for g in inner:
                if g.dep_ == "prep" and g.lower_ == "by":
                    found.append(g)
                elif g.dep_ == "pobj":
                    found += [p for p in g.children if p.dep_ == "prep" and p.lower_ == "by"]
    return found
