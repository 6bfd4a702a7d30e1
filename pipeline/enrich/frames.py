"""Stance tags from the dependency parse.

Frames recognised (polarity +1 favor, -1 against, 0 neutral):

* attitude predicate with an object: "X backed Y", "X signed off on Y", passive "Y was
  rejected by X";
* control chains: "refused to back Y" flips, "agreed to back Y" keeps; an embedded action
  verb makes its own target: "agreed not to target Y" -> against "targeting Y", while
  reversing/sustaining verbs act on the object: "pledged to lift sanctions" -> against
  sanctions;
* reported speech: "X said Y would continue" -> X favor Y, "... must end" -> against.

"X said there was Y" is no frame: on real news it read facts as positions.

Matrix negation ("did not oppose Y", "did not endorse Y", "no longer opposes Y") gives no
direction (:func:`denied`), with lower confidence; a negation inside the chain still turns it
("agreed not to back Y" is against Y).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from spacy.tokens import Doc, Token

from pipeline.enrich import cues
from pipeline.enrich import gazetteer as gz
from pipeline.enrich import lexicon as lx
from pipeline.enrich.document import Document, Sentence
from pipeline.enrich.entities import Cluster
from pipeline.enrich.holders import HolderResolver, Holders, conjuncts, platform
from pipeline.enrich.targets import (
    GENERIC_HEADS,
    Catalogue,
    CatalogueHits,
    complement,
    core_tokens,
    phrase,
    words_of,
)
from pipeline.models import TextField

_NOUNS = frozenset({"NOUN", "PROPN"})
TargetKind = Literal["catalogue", "entity", "phrase"]
_SKIP_TARGETS = frozenset(
    {"it", "this", "that", "them", "which", "what", "those", "these", "others"}
)
BASE_CONFIDENCE = 0.9
EMBED_FACTOR = 0.9
PHRASE_FACTOR = 0.85
REPORTED_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Target:
    text: str
    kind: TargetKind
    polarity: int  # +1 keeps the frame's polarity, -1 reverses it ("an end to X")
    head: Token | None = None  # the word that named it, when there is one


@dataclass(frozen=True)
class Frame:
    """One predicate occurrence: who, toward what, which way, how sure."""

    holders: Holders
    targets: list[Target]
    polarity: int
    predicate: str
    confidence: float
    sentence: Sentence
    # The holder's own verb is negated and leaves no side ("is not calling on X to resign"):
    # no tag, and no other rule's candidate of the pair there either (:func:`stance.undenied`).
    denied: bool = False


# Entity types that name a time or an amount: "attacks on Friday", "a lawsuit on Wednesday",
# "fought for hours" hang a preposition on the stance word that names no target.
_AMOUNTS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})


def is_amount(tok: Token) -> bool:
    """Does ``tok`` name a time or an amount, never a stance target ("for the first time")?"""
    return tok.ent_type_ in _AMOUNTS or (tok.lower_ in {"time", "times"} and tok.pos_ == "NOUN")


def _fragment(tok: Token) -> bool:
    """Is ``tok`` a piece of a hyphenated word the parser made a phrase of its own: "backs
    his re-election" read as three objects "re", "-" and "election"?"""
    if not any(ch.isalnum() for ch in tok.text):
        return True
    doc = tok.doc
    glued = tok.i + 1 < len(doc) and not tok.whitespace_ and doc[tok.i + 1].text == "-"
    return glued and doc[tok.i + 1].head.i == tok.head.i


def prep_targets(prep: Token) -> list[Token]:
    """The objects of a preposition that can be a stance target: not a time or an amount,
    nor a bare adjective (a name the parser hung there: "called the allegations against Joyce
    disturbing"; "for the poor" is a target)."""
    return [
        c
        for c in prep.children
        if c.dep_ in {"pobj", "pcomp"} and not is_amount(c) and not bare_adjective(c)
    ]


# Verbs that give a name in a free relative: "denounced *what he called* a witch hunt".
_NAMING_VERBS = frozenset({"call", "describe", "term", "dub", "label", "characterize"})


def named_in_relative(tok: Token) -> Token | None:
    """The thing a free relative names: "a witch hunt" in "denounced what he called a witch
    hunt" or "against what she described as a smear" (``tok`` is the naming verb, whose
    object is "what"); else None. The speaker's own name for it is the stance's target."""
    if tok.lemma_.lower() not in _NAMING_VERBS:
        return None
    if not any(c.dep_ == "dobj" and c.lower_ in {"what", "whatever"} for c in tok.children):
        return None
    for c in tok.children:
        if c.dep_ in {"oprd", "attr", "xcomp"} and c.pos_ in {"NOUN", "PROPN"}:
            return c
        if c.dep_ == "prep" and c.lower_ == "as":
            return next((o for o in c.children if o.dep_ == "pobj"), None)
    return None


def named_clauses(verb: Token) -> list[Token]:
    """A verb's clauses that are a free relative naming its object ("denounced what he
    called a witch hunt": the parser makes "called" a clause of "denounced", with "what"
    its object); :meth:`FrameReader.targets` reads the name from each."""
    return [c for c in verb.children if c.dep_ == "ccomp" and named_in_relative(c) is not None]


def bare_adjective(tok: Token) -> bool:
    """Is ``tok`` an adjective with no noun phrase of its own, at most an adverb ("deeply
    disturbing"; not "the poor")?"""
    return tok.pos_ == "ADJ" and all(c.dep_ == "advmod" for c in tok.children)


# Leaving a post: "called for X to resign" is against X, not for X. "Leave" and "quit" only
# alone or with a post as object ("to quit smoking", "to leave the door open" are no
# leaving), "step down" / "stand down" only alone ("to stand down the troops"), "withdraw"
# and "drop out" alone or from a post ("to withdraw from Syria" is no leaving of a post).
_DEPARTURES = frozenset({"quit", "leave"})
_DEPARTURE_PARTICLES = frozenset(
    {("step", "down"), ("step", "aside"), ("stand", "down"), ("drop", "out")}
)
# The parser often hangs these particles as adverbs ("to step aside", a headline's "Down").
_PARTICLE_ADVERBS = frozenset({"down", "aside"})
_POSTS = frozenset(
    {"office", "post", "job", "seat", "position", "role", "race", "cabinet", "government"}
)
_RACES = _POSTS | {"contest", "campaign", "primary", "election", "presidency"}


def _infinitives(verb: Token) -> list[Token]:
    """The infinitive clauses hung on ``verb`` ("called for X *to resign*")."""
    return [
        c
        for c in verb.children
        if c.dep_ in {"xcomp", "advcl"}
        and any(a.dep_ == "aux" and a.lower_ == "to" for a in c.children)
    ]


# What "go" may carry and still mean leaving: "X must go", "for X to go", "must not go",
# "has to go now".
_BARE_GO = frozenset({"aux", "nsubj", "mark", "punct", "neg"})
_GO_NOW = frozenset({"now", "immediately", "soon"})


def _departs(clause: Token) -> bool:
    lemma = clause.lemma_.lower()
    objects = [o for o in clause.children if o.dep_ in {"dobj", "ccomp", "xcomp", "oprd"}]
    if lemma == "resign" or (lemma == "retire" and not objects):
        return True
    if lemma == "go" and all(c.dep_ in _BARE_GO or c.lower_ in _GO_NOW for c in clause.children):
        return True  # "X must go", "has to go": nothing else said, it is X who leaves
    particles = {particle_of(clause)} | {
        c.lower_ for c in clause.children if c.dep_ == "advmod" and c.lower_ in _PARTICLE_ADVERBS
    }
    if any((lemma, p) in _DEPARTURE_PARTICLES for p in particles) and not objects:
        return _left_a_post(clause)
    if lemma == "withdraw" and not objects:
        return _left_a_post(clause)
    # a post, not a room named like one ("to leave the Oval Office"; "his Senate seat" is one)
    return lemma in _DEPARTURES and all(
        o.dep_ == "dobj" and o.lemma_.lower() in _POSTS and o.pos_ != "PROPN" for o in objects
    )


# What "for X to …" asks of X besides leaving a post: to be put out or punished (against X),
# to stay or be put in (for X). Passives of ending a thing read against it too ("for the law
# to be repealed").
_REMOVALS = frozenset(
    {
        "fire", "impeach", "remove", "oust", "prosecute", "arrest", "jail", "indict", "expel",
        "sack", "dismiss", "punish", "censure", "sanction", "charge", "replace", "depose",
        "repeal", "scrap", "overturn", "abolish", "kill", "block", "end", "drop", "defund",
        "lift", "withdraw", "abandon", "reverse", "suspend", "cancel", "shelve", "ditch",
        "axe", "halt", "revoke", "rescind", "quash", "stop", "defeat", "reject", "veto", "ban",
    }
)  # fmt: skip
_STAYING = frozenset({"stay", "remain", "continue", "win", "succeed", "return"})
_INSTALLS = frozenset(
    {
        "confirm", "elect", "reelect", "reinstate", "appoint", "nominate", "pardon", "free",
        "approve", "adopt", "pass", "introduce", "restore", "extend", "implement", "enact",
    }
)  # fmt: skip
# Who can be asked to act: "called for Barr / Congress / China / them to …".
_ACTORS = frozenset({"PERSON", "ORG", "NORP", "GPE"})


def asks(clause: Token) -> int:
    """What an infinitive, or a clause of duty ("Pruitt should be fired"), asks of the one it
    is about: -1 that it go, be put out or ended, +1 that it stay or be put in, 0 another
    act."""
    lemma = clause.lemma_.lower()
    passive = is_passive(clause)
    if _departs(clause) or (passive and lemma in _REMOVALS):
        return -1
    if passive and lemma in _INSTALLS:
        return 1
    if not passive and lemma in _STAYING and _stays(clause):
        return 1
    return 0


def _asks_as_said(clause: Token) -> int:
    """:func:`asks`, turned when the clause is negated: "for X not to resign", "urged X not
    to quit" ask that X stay."""
    asked = asks(clause)
    return -asked if negated(clause) else asked


def _stays(clause: Token) -> bool:
    """Is a staying verb bare, "on", "in" or "as" a post ("to stay", "to stay on as speaker",
    "to stay in the race", "to win the seat")? Not "to stay calm / home / out of the race",
    "to return to talks", "to return the money"."""
    lemma = clause.lemma_.lower()
    for c in clause.children:
        if c.dep_ in {"aux", "neg", "nsubj", "mark", "punct"}:
            continue
        if c.lower_ == "on" and c.dep_ in {"prt", "advmod"}:
            continue
        if c.dep_ == "prep" and c.lower_ in {"in", "as"}:
            continue
        if lemma == "win" and c.dep_ == "dobj":  # "to win the seat", "to win the Senate"
            continue
        return False
    return True


def _left_a_post(clause: Token) -> bool:
    """Is what ``clause`` leaves, if it says ("from …", "of …"), a post or a race?"""
    left = [
        o
        for p in clause.children
        if p.dep_ == "prep" and p.lower_ in {"from", "of"}
        for o in p.children
        if o.dep_ == "pobj"
    ]
    return all(o.lemma_.lower() in _RACES for o in left)


def demanded_subjects(verb: Token) -> tuple[int, list[Token]]:
    """What ``verb`` asks of the subject of a clause "for X to …" that the parser read as a
    clause of its own ("for" its marker, X its subject) rather than "for X" and an
    infinitive: -1 that X leave a post or be put out ("for X to resign"), +1 that X stay
    or be put in ("for X to be confirmed"), with the subjects asked; (0, []) for none."""
    for c in _infinitives(verb):
        asked = _asks_as_said(c)
        if asked and any(m.dep_ == "mark" and m.lower_ == "for" for m in c.children):
            subjects = _subjects_of(c)
            if subjects:
                return asked, subjects
    return 0, []


# Verbs that ask a clause of its subject: "demanded that X resign".
_CLAUSE_ASKING = frozenset({"demand", "insist", "urge", "ask", "recommend"})


def addressee_asked(verb: Token) -> tuple[int, list[Token]]:
    """What an object-control verb asks of its addressee, or a demand of its clause's
    subject: -1 that they leave or be put out ("called on X to resign", "urged X to step
    down", "demanded that X resign"), +1 that they stay ("asked X to stay on"), with whom it
    is asked of; (0, []) for any other act."""
    lemma = verb.lemma_.lower()
    if lemma in lx.OBJECT_CONTROL:
        addressees = [c for c in verb.children if c.dep_ == "dobj"]
        if lemma == "call":
            addressees = [
                o
                for p in verb.children
                if p.dep_ in {"prep", "prt"} and p.lower_ in {"on", "upon"}
                for o in p.children
                if o.dep_ == "pobj"
            ]
        for c in _infinitives(verb):
            if c.lemma_.lower() == "go":
                continue  # "told him to go": more often an errand than leaving a post
            asked = _asks_as_said(c)
            if asked and addressees and not any(s.dep_ == "nsubj" for s in c.children):
                return asked, addressees
    if lemma in _CLAUSE_ASKING:
        for c in verb.children:
            if c.dep_ != "ccomp" or not _demand_form(c):
                continue
            if (asked := _asks_as_said(c)) and (subjects := _subjects_of(c)):
                return asked, subjects
    return 0, []


def _demand_form(clause: Token) -> bool:
    """Is ``clause`` what a demand asks ("that X resign", "that X be fired", "that X should
    go"), not a question ("asked whether X would resign") or a statement ("insisted that X
    had been fired")?"""
    if clause.tag_ not in {"VB", "VBP", "VBN"}:
        return False
    if any(t.tag_ in {"WDT", "WP", "WRB"} for t in clause.children):
        return False
    if any(m.dep_ == "mark" and m.lower_ != "that" for m in clause.children):
        return False
    return all(
        a.tag_ == "VB" or a.lower_ == "should"
        for a in clause.children
        if a.dep_ in {"aux", "auxpass"}
    )


def second_phrase(prep: Token) -> Token | None:
    """The same preposition coordinated after ``prep`` ("called for X and *for* Y to …")."""
    return next((c for c in prep.children if c.dep_ == "conj" and c.lower_ == prep.lower_), None)


def _subjects_of(clause: Token) -> list[Token]:
    return [c for c in clause.children if c.dep_ in {"nsubj", "nsubjpass"}]


def demand_reading(verb: Token, prep: Token) -> int:
    """How a stance verb's direction turns toward the object of ``prep`` when an infinitive
    follows. After "for" it says what is asked of the object: against it when it is to
    leave a post, be put out or be ended ("called for X to resign", "… to be impeached",
    "for the law to be repealed"), for it when it is to stay or be put in ("… to be
    confirmed"); another act asked of someone who can act is a demand of them, no side
    toward them ("called for Barr to release the report", "pushed for Congress to pass the
    bill"; the act's own object is the embedded-action frame's), while of a thing it says
    why ("called for sanctions to punish Putin" is for the sanctions). After another
    phrase the infinitive says why ("lashed out at X to rally her base"), but for a call
    to leave, read as before."""
    if prep.lower_ == "for" and second_phrase(prep) is not None:
        return 1  # "for X and for Y to resign": the infinitive is the second phrase's
    # a clause with a subject of its own ("… and for Y to resign" parsed as a clause) asks
    # something of that subject, not of this phrase's object (:func:`demanded_subjects`)
    clauses = [c for c in _infinitives(verb) if not _subjects_of(c)]
    asked = [_asks_as_said(c) for c in clauses]
    departs = any(_departs(c) and not negated(c) for c in clauses)
    if departs or (prep.lower_ == "for" and -1 in asked):
        return -1
    if not clauses or prep.lower_ != "for":
        return 1
    if 1 in asked:
        return 1
    objects = prep_targets(prep)
    actor = any(o.ent_type_ in _ACTORS or o.pos_ == "PRON" for o in objects)
    return 0 if actor else 1


def per_token(token: Token, key: str, compute: Callable[[Token], bool]) -> bool:
    """``compute(token)``, answered once per token and doc (kept in the doc's ``user_data``
    under ``key``): rules ask some questions of one verb for each of its phrases, and a verb
    with n phrases has n children to scan, so asking afresh would be quadratic."""
    memo: dict[int, bool] = token.doc.user_data.setdefault(key, {})
    found = memo.get(token.i)
    if found is None:
        found = memo[token.i] = compute(token)
    return found


_NEGATED = "newsflow.negated"  # the doc's user_data key of negated()'s answers


def negated(token: Token) -> bool:
    """Is ``token`` negated: "did *not* back", "*never* supported", "*no* support for",
    "*no longer* backs"? The one negation test of every stance rule (:func:`per_token`)."""
    return per_token(token, _NEGATED, _negated)


def _negated(token: Token) -> bool:
    for child in token.children:
        if child.dep_ == "neg" and _restricting(child):
            continue  # "did not just criticize Y; she called for …" criticizes, and more
        if child.dep_ == "neg" or child.lower_ in {"never", "no"}:
            return True
        if child.lower_ == "longer" and any(g.lower_ == "no" for g in child.children):
            return True
    if token.dep_ in {"acomp", "attr"} and token.head.lemma_ == "be" and token.head.i < token.i:
        # "is not opposed to Y", "wasn't concerned about Y", "is not a Trump supporter":
        # the copula carries the "not"; "is not the only critic of Y" is one
        if any(c.lower_ in {"only", "sole", "first", "last"} for c in token.children):
            return False
        return any(c.dep_ == "neg" and not _restricting(c) for c in token.head.children)
    return _shares_negation(token)


def _restricting(neg: Token) -> bool:
    """Is ``neg`` the "not" of "not just / only / merely / simply", which adds to the verb
    instead of denying it?"""
    doc = neg.doc
    return neg.i + 1 < len(doc) and doc[neg.i + 1].lower_ in {"just", "only", "merely", "simply"}


def _shares_negation(token: Token) -> bool:
    """A verb joined by "or" to a negated one, with no subject of its own, is negated too:
    "did not shame *or dismiss* Y" (not "did not shame X *and dismissed* Y"); one joined by
    "nor" is, with or without a subject ("nor did he praise Y")."""
    head = token.head
    if token.dep_ != "conj" or head.pos_ not in {"VERB", "AUX"} or token.pos_ not in {"VERB"}:
        return False
    # the coordinator that joins this conjunct: its own, else the last one before it
    own = [c for c in token.children if c.dep_ == "cc"]
    before = [c for c in head.children if c.dep_ == "cc" and c.i < token.i]
    joins = own or before[-1:]
    word = joins[0].lower_ if joins else ""
    if word == "nor":
        return True  # "nor did he praise Y" denies its clause whatever its subject
    if any(c.dep_ in {"nsubj", "nsubjpass"} for c in token.children):
        return False
    return word == "or" and negated(head)


def is_venue(tok: Token) -> bool:
    """Does ``tok`` name where or through what something was said ("on Twitter", "at a
    rally", "in an interview"), rather than what it is about? Not when the
    preposition is the one a stance word takes its target with ("turned on Fox News", "an
    attack on CNN", "a ban on TikTok")."""
    prep = tok.head
    if tok.dep_ != "pobj" or prep.dep_ != "prep":
        return False
    word, owner = prep.lower_, prep.head
    if word not in lx.VENUE_PREPOSITIONS or _takes_target_with(owner, word):
        return False
    if owner.pos_ in {"NOUN", "PROPN"} and owner.lemma_.lower() not in lx.SAID_NOUNS:
        return False  # "the restrictions on the media", "the bill on TikTok": the topic
    lemma = tok.lemma_.lower()
    # "on Fox News", "on his Twitter account"
    return _names_medium(tok, lemma in lx.MEDIA_HEADS) or lemma in lx.VENUE_NOUNS


def is_medium(tok: Token) -> bool:
    """Is ``tok`` a venue that is a medium ("on Twitter", "on Fox News"), not an event ("at
    a rally backing X": the rally backs X)?"""
    return is_venue(tok) and _names_medium(tok, True)


def _names_medium(tok: Token, compounds: bool) -> bool:
    """Does ``tok`` (or, with ``compounds``, a name compounded with it) name a medium?"""
    names = {tok.lemma_.lower(), tok.lower_}
    if compounds:
        names |= {c.lower_ for c in tok.children if c.dep_ == "compound"}
    return bool(names & lx.MEDIA)


def _complement(noun: Token) -> Token | None:
    """:func:`targets.complement`, unless it names a venue: "Sessions' move on Twitter" is
    the move, not Twitter."""
    inner = complement(noun)
    return None if inner is None or is_venue(inner) else inner


def _takes_target_with(owner: Token, word: str) -> bool:
    """Does the stance word ``owner`` name its target after ``word`` ("lashed out *at*",
    "an attack *on*", "a ban *on*")?"""
    lemma = owner.lemma_.lower()
    if (lemma, word) in lx.PHRASAL or (lemma, word) in cues.PHRASAL:
        return True
    stance_noun = lemma in cues.NOUNS or lemma in cues.FRAMED_NOUNS or lemma in lx.REVERSING_NOUNS
    return stance_noun and word in cues.NOUN_PREPOSITIONS


# What one asks for without taking a side: "declined when asked for comment", "asked
# reporters for patience", "asked for help".
_QUESTIONS = frozenset(
    {"comment", "detail", "information", "name", "identification", "clarification"}
    | {"explanation", "permission", "direction", "advice", "reaction", "response"}
    | {"statement", "opinion", "view", "assessment", "thought", "interview", "specific"}
    | {"estimate", "confirmation", "evidence", "source", "list", "copy", "document"}
    | {"file", "briefing", "update", "proof", "clarity", "guidance", "help", "forgiveness"}
    | {"patience", "asylum", "favor", "favour", "water", "lawyer", "silence", "hand"}
    | {"trouble", "input", "feedback", "answer", "number", "figure", "data"}
)


def not_a_demand(verb: Token, key: tuple[str, str]) -> bool:
    """Is "call ... for" a summons, its own object called ("called all the ministers for a
    special meeting"; a day is no object: "called Tuesday for a ceasefire"), not a demand?
    Or "ask for" a question or a request of no side ("asked for comment", "asked for
    help"), or not asking ("would not ask for a recount" opposes nothing)?"""
    if key == ("ask", "for"):
        asked = [o for p in verb.children if p.lower_ == "for" for o in p.children]
        return negated(verb) or any(o.lemma_.lower() in _QUESTIONS for o in asked)
    return key == ("call", "for") and any(
        c.dep_ == "dobj" and c.ent_type_ not in {"DATE", "TIME"} for c in verb.children
    )


# Short verbs stressed on their first syllable, whose last consonant stays single.
_UNDOUBLED = frozenset({"open", "edit", "exit", "vomit"})


def _gerund(lemma: str) -> str:
    """ "target" -> "targeting", "hit" -> "hitting", "halve" -> "halving", "open" ->
    "opening"."""
    if lemma in _UNDOUBLED:
        return lemma + "ing"
    if lemma.endswith("ie"):
        return lemma[:-2] + "ying"
    if lemma.endswith("e") and not lemma.endswith("ee") and len(lemma) > 2:
        return lemma[:-1] + "ing"
    vowels = "aeiou"
    if (
        len(lemma) <= 4
        and len(lemma) >= 3
        and lemma[-1] not in vowels + "wxy"
        and lemma[-2] in vowels
        and lemma[-3] not in vowels
    ):
        return lemma + lemma[-1] + "ing"
    return lemma + "ing"


# What an act's phrase keeps after its verb: the object, a particle, the complements and the
# phrases that say how, to whom or where to ("put our differences *to the side*", "direct
# money *toward schools*", "keep teachers *in the classroom*", "invest *in schools*"), as
# the text words it; at most _ACT_WORDS tokens.
_ACT_DEPS = frozenset({"dobj", "prt", "dative", "prep", "oprd", "acomp", "xcomp"})
_ACT_WORDS = 12


def act_span(verb: Token) -> str:
    """The act a verb names: its verb as a gerund, then its object and complements as the
    text words them, normalised as every phrase target is (:func:`targets.phrase`):
    "securing borders", "putting political differences to side", "directing money from
    state's cash reserves toward helping schools" (was the object's core alone: "putting
    political differences"). A phrase saying when or where ("at its summit in Brussels on
    Thursday", "before the election") is no part of the act, and a complement that would
    pass _ACT_WORDS is left out whole, never cut."""
    end = verb.i
    for c in sorted(verb.children, key=lambda t: t.i):
        if c.i < verb.i or c.dep_ not in _ACT_DEPS or _circumstance(c):
            continue
        if c.right_edge.i - verb.i >= _ACT_WORDS:
            break
        end = max(end, c.right_edge.i)
    doc = verb.doc
    while end > verb.i and (doc[end].is_punct or doc[end].is_space):
        end -= 1
    rest = phrase(list(doc[verb.i + 1 : end + 1]), _ACT_WORDS)
    return f"{_gerund(verb.lemma_.lower())} {rest}".strip()


_WHEN = frozenset({"before", "after", "until", "during", "since", "at"})
_PLACES = frozenset({"GPE", "LOC", "FAC"})


def _circumstance(prep: Token) -> bool:
    """Is ``prep`` a phrase of time or place the act happens at: "before the election", "on
    Thursday", "at the summit", "in Geneva" (not "in schools", "in the classroom")?"""
    if prep.dep_ != "prep":
        return False
    objects = [o for o in prep.children if o.dep_ == "pobj"]
    if any(o.ent_type_ in {"DATE", "TIME"} for o in objects):
        return True
    placed = prep.lower_ in {"in", "on"} and any(o.ent_type_ in _PLACES for o in objects)
    return placed or prep.lower_ in _WHEN


class FrameReader:
    """Reads the stance frames anchored on each token of one field."""

    def __init__(
        self, doc: Document, field_name: TextField, holders: HolderResolver, catalogue: Catalogue
    ) -> None:
        self.doc = doc
        self.field: TextField = field_name
        self.holders = holders
        self.catalogue = catalogue
        self._modified: dict[str, list[int]] | None = None
        self._hits: CatalogueHits | None = None
        # Many rules ask for the holders of one verb (~2.5 asks per verb on news): read once.
        self._subjects: dict[int, Holders] = {}

    def _catalogue(self, doc: Doc) -> CatalogueHits:
        """The catalogue's matches in this field, found on first use."""
        if self._hits is None:
            self._hits = self.catalogue.find(doc)
        return self._hits

    def frames(self, token: Token) -> list[Frame]:
        """Frames whose stance-bearing word is ``token``."""
        if token.pos_ not in {"VERB", "AUX"}:
            return []
        found = [self._attitude(token), self._clause_demand(token), self._embedded_action(token)]
        found += [self._reported_change(token), self._addressee_demand(token)]
        return [f for f in found if f is not None and f.targets and f.holders.entities]

    # -- frame kinds ----------------------------------------------------------------------

    def _attitude(self, verb: Token) -> Frame | None:
        """ "X backed Y", "X signed off on Y", "Y was rejected by X", in any control chain."""
        return self._attitude_frame(verb, *self._attitude_objects(verb))

    def _clause_demand(self, verb: Token) -> Frame | None:
        """ "called for X to resign" where the parser read "for X to resign" as a clause of
        its own: against X ("… for X to be confirmed": for X), beside any phrase of the verb
        ("called for an inquiry and for X to resign" is for the inquiry as well), and the
        same where the parser read it as a second "for" phrase coordinated with the first."""
        lemma = verb.lemma_.lower()
        demand = lx.PHRASAL.get((lemma, "for"), 0)
        if not demand:
            return None
        asked, named = demanded_subjects(verb)
        if not named:  # "for X and for Y to resign" read as two phrases: Y's turn
            second = next(
                (
                    c
                    for p in verb.children
                    if p.dep_ == "prep" and p.lower_ == "for"
                    if (c := second_phrase(p)) is not None
                ),
                None,
            )
            if second is not None:
                asked, named = demand_reading(verb, second), prep_targets(second)
        return self._attitude_frame(verb, demand * asked, named, f"{lemma} for")

    def _addressee_demand(self, verb: Token) -> Frame | None:
        """ "called on X to resign", "urged X to step down", "demanded that X resign": against
        X ("… to stay": for X), as "called for X to resign" is (:meth:`_clause_demand`); an
        act that says nothing of X's place leaves the clause to the other frames."""
        asked, named = addressee_asked(verb)
        return self._attitude_frame(verb, asked, named, f"{verb.lemma_.lower()} to leave")

    def _attitude_frame(
        self, verb: Token, polarity: int, objects: list[Token], label: str
    ) -> Frame | None:
        if polarity == 0 or not objects:
            return None
        targets = [t for o in objects for t in self.targets(o)]
        agent = agent_of(verb)
        if agent is not None:  # passive: the agent holds the stance
            holders = self.holders.agent(self.field, agent, objects)
            return self._frame(holders, targets, polarity, label, BASE_CONFIDENCE, verb)
        return self._chained(verb, polarity, targets, label)

    def _embedded_action(self, verb: Token) -> Frame | None:
        """An action under a control verb: "agreed not to target Y", "pledged to lift sanctions"."""
        lemma = verb.lemma_.lower()
        if lemma in lx.ATTITUDE_VERBS or _is_phrasal(verb) or _embedded_in(verb) is None:
            return None
        return self._chained(verb, 1, self._action_targets(verb), lemma)

    def _reported_change(self, verb: Token) -> Frame | None:
        """ "X said Y would continue" -> X favor Y; "... Y must end" -> X against Y."""
        lemma = verb.lemma_.lower()
        if lemma not in lx.CONTINUE_VERBS and lemma not in lx.STOP_VERBS:
            return None
        if any(c.dep_ == "dobj" for c in verb.children):
            return None
        subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        speech = _speech_head(verb)
        if subject is None or speech is None or subject.lower_ in _SKIP_TARGETS:
            return None
        if subject.pos_ == "PRON":
            return None
        polarity = 1 if lemma in lx.CONTINUE_VERBS else -1
        if negated(verb):
            polarity = -polarity
        return self._reported_frame(speech, subject, polarity, verb)

    # -- pieces ---------------------------------------------------------------------------

    def _reported_frame(
        self, speech: Token, subject: Token, polarity: int, verb: Token
    ) -> Frame | None:
        """The speaker of ``speech`` holds ``polarity`` toward what ``subject`` names."""
        return self._frame(
            self.subject_holders(speech),
            self.targets(subject),
            polarity,
            _speech_label(speech),
            REPORTED_CONFIDENCE,
            verb,
        )

    def _attitude_objects(self, verb: Token) -> tuple[int, list[Token], str]:
        lemma = verb.lemma_.lower()
        particled = particle_reading(verb)
        if particled is not None:
            return particled
        for prep in with_particle_preps(verb):
            key = (lemma, prep.lower_)
            if prep.dep_ in {"prep", "prt"} and key in lx.PHRASAL and not not_a_demand(verb, key):
                needed = lx.PARTICLES.get(key)
                if needed is not None and particle_of(verb) != needed:
                    continue
                objects = [c for c in prep.children if c.dep_ in {"pobj", "pcomp"}]
                if prep.dep_ == "prt":
                    objects = [c for c in verb.children if c.dep_ == "dobj"]
                elif objects and all(is_amount(c) for c in objects):
                    continue  # "pushed for months for the bill": the next phrase
                if retreat_from_stance(verb, objects):
                    continue
                label = " ".join(w for w in (lemma, needed, prep.lower_) if w)
                # "called for X to resign" is against X, "… to release the report" no side
                turn = demand_reading(verb, prep) if prep.dep_ == "prep" else 1
                return lx.PHRASAL[key] * turn, objects, label
        if lemma in lx.ATTITUDE_VERBS and not sideless_sense(verb):
            if lemma in lx.OBJECT_CONTROL and any(c.dep_ == "xcomp" for c in verb.children):
                return 0, [], lemma  # the object is the addressee; the clause is the target
            deps = {"nsubjpass"} if agent_of(verb) is not None else {"dobj"}
            objects = [c for c in verb.children if c.dep_ in deps]
            return lx.ATTITUDE_VERBS[lemma], objects, lemma
        return 0, [], lemma

    def _chained(
        self, verb: Token, polarity: int, targets: list[Target], label: str
    ) -> Frame | None:
        """Climb control verbs to the subject's verb, composing polarity and negation."""
        if not targets:
            return None  # :meth:`frames` keeps no frame without one: skip the holders
        node, confidence, words = verb, BASE_CONFIDENCE, [label]
        while (above := _embedded_in(node)) is not None:
            negation = ["not"] if negated(node) else []
            if negation:
                polarity = -polarity
            node = above
            polarity *= _embedding_polarity(node)
            confidence *= EMBED_FACTOR
            words = [node.lemma_.lower(), *negation, "to", *words]
        denial = False
        if negated(node):
            turned = _at_top(verb, node, polarity)
            denial = polarity != 0 and turned == 0 and self._denies_alone(node)
            polarity = turned
            confidence, words = (confidence if polarity else 0.5), ["not", *words]
        holders = self.subject_holders(node)
        return self._frame(holders, targets, polarity, " ".join(words), confidence, verb, denial)

    def _denies_alone(self, top: Token) -> bool:
        """May a denial at ``top`` silence the pair's other candidates in the sentence? Only
        when its own subject names the holder (not a speaker the clause is reported by: "X
        says it is a disgrace that the minister has not asked Y to stand down") and no verb
        coordinated with it may say more ("has not called on Y to resign, but has described
        her handling as a disgrace")."""
        if any(c.dep_ == "conj" and c.pos_ in _VERBAL for c in top.children):
            return False
        subject = subject_of(top)
        return subject is not None and bool(self.holders.resolve(self.field, subject).entities)

    def subject_holders(self, verb: Token) -> Holders:
        """Holders of ``verb``: its subject, a shared subject of coordinated verbs, or, in
        reported speech whose subject is no entity, the speaker."""
        found = self._subjects.get(verb.i)
        if found is None:
            found = self._subjects[verb.i] = self._subject_holders(verb)
        return found

    def _subject_holders(self, verb: Token) -> Holders:
        if asked_clause(verb):
            return self.subject_holders(verb.head)  # "Merkel wants Greece to accept": Merkel
        node = verb
        subject = subject_of(node)
        while (
            subject is None
            and node.dep_ in {"conj", "advcl"}
            and node.head.pos_ in {"VERB", "AUX"}
            and not mismatched_conjunct(node)
        ):
            node = node.head
            subject = subject_of(node)
        if subject is None:
            return Holders([], 0.0)
        holders = self.holders.resolve(self.field, subject)
        speech = _speech_head(node)
        # a verb that shares a coordinated verb's subject may be the speaker's own, hung
        # there by the parser ("Park said the two governments had turned a new page and
        # praised Tanabe"): only the verb's own subject rules the speaker out
        own = node.i == verb.i
        # a platform's account ("a Twitter account claiming to be X has disputed this,
        # stating that he is not a Y supporter") speaks for itself, not for the speaker of
        # the clause above it, in its own verb and in the clauses it reaches
        others = platform(subject) or (own and _third_parties(subject))
        if not holders.entities and speech is not None and not others:
            speaker = self.subject_holders(speech)
            return Holders(speaker.entities, speaker.factor * 0.8)
        return holders

    def targets(self, head: Token) -> list[Target]:
        """Targets named by a noun (and nouns coordinated with it), or by a gerund clause."""
        named = named_in_relative(head)
        if named is not None:  # "against what he called a smear campaign"
            return self.targets(named)
        if head.pos_ in {"VERB", "AUX"}:  # "warned against rushing the process"
            return self._action_targets(head)
        if is_venue(head):  # "fired back on Twitter"
            return []
        inner = _complement(head)
        if head.lemma_.lower() in lx.REVERSING_NOUNS and inner is not None:
            # "a cessation of aid" is against aid; "a freeze of the front line" stays a phrase
            inside = self.targets(inner)
            if any(t.kind != "phrase" for t in inside):
                word = head.lower_
                return [
                    replace(t, polarity=-t.polarity)
                    if t.kind != "phrase"
                    else Target(f"{word} of {t.text}", "phrase", t.polarity)
                    for t in inside
                ]
        found: list[Target] = []
        for noun in [head, *conjuncts(head, _NOUNS)]:
            target = self._target(noun)
            if target is not None and all(t.text != target.text for t in found):
                found.append(target if target.head is not None else replace(target, head=noun))
        return found

    def _action_targets(self, verb: Token) -> list[Target]:
        """What an action is about: "lift sanctions" -> against sanctions (reversing verb),
        "send aid" -> favor aid (sustaining verb), "target X" -> the phrase "targeting X"."""
        dobj = next((c for c in verb.children if c.dep_ == "dobj"), None)
        obj = dobj or wanted_object(verb)
        if obj is None or obj.lower_ in _SKIP_TARGETS:
            return []
        lemma = verb.lemma_.lower()
        sign = lx.act_direction(lemma)
        if sign:
            if lemma == "phase" and particle_of(verb) != "out":
                return []
            if lemma == "lift" and particle_of(verb) == "up":
                sign = 1  # "lifting up our communities" raises them; "lift sanctions" ends them
            return [replace(t, polarity=sign * t.polarity) for t in self.targets(obj)]
        hits = self._catalogue(verb.doc)
        named = self._phrase_tokens(obj)
        entry = hits.match([verb, *named], joining=verb)
        # Only aliases naming the action itself ("joining NATO"), not ones inside the object.
        if entry is not None and entry != hits.match(named):
            return [Target(entry.target_id, "catalogue", 1)]
        if dobj is None:  # the subject of a wanted passive: "firing Jeff Sessions"
            done_to = phrase(list(obj.subtree), _ACT_WORDS)
            return [Target(f"{_gerund(lemma)} {done_to}", "phrase", 1)]
        return [Target(act_span(verb), "phrase", 1)]

    def _target(self, noun: Token) -> Target | None:
        if noun.lower_ in {"that", "which", "who", "whom"} and noun.head.dep_ == "relcl":
            noun = noun.head.head  # "the ceasefire that Trump proposed", "X, whom he called …"
        if noun.lower_ in _SKIP_TARGETS or noun.pos_ in {"PRON", "NUM"} or _fragment(noun):
            return None
        entity = self.doc.entity_of(self.field, noun)
        if entity is not None:
            return Target(entity.name, "entity", 1)
        named = (
            self._apposed(noun)
            or self.holders.titled_person(self.field, noun)
            or self.holders.described_organisation(self.field, noun)
        )
        if named is not None:
            return Target(named.name, "entity", 1)
        found = self._catalogue_target(core_tokens(noun))
        if found is not None:
            return found
        if noun.lemma_.lower() in GENERIC_HEADS or noun.lemma_.lower() in _PROPOSALS:
            return self._generic_target(noun)
        earlier = self._named_before(noun)
        if earlier is not None:
            return self._target(earlier)
        return self._phrase_target(noun)

    def _named_before(self, noun: Token) -> Token | None:
        """The fuller mention a bare definite noun repeats: "welcomed *the duties*" after
        "provisional anti-subsidy duties on heat pumps", "the levy" after "the mobile money
        levy" — the latest earlier noun of the same lemma with modifiers or a complement.
        Roles are left to the role rules ("the company", "the minister")."""
        if noun.pos_ != "NOUN" or noun.lemma_.lower() in _ROLE_NOUNS:
            return None
        children = list(noun.children)
        if not children or any(
            c.dep_ != "det" or c.lower_ not in {"the", "this", "these"} for c in children
        ):
            return None
        earlier = self._earlier_mention(noun)
        if earlier is None or earlier.dep_ == "poss" or earlier.tag_ != noun.tag_:
            return None  # "the drivers" are not "the average driver's" pay
        if any(_another_one(c) for c in earlier.children):
            return None  # "a similar ban in Australia", "an earlier offensive": another one
        return earlier

    def _apposed(self, noun: Token) -> Cluster | None:
        """The entity a description is apposed to: "L.A.'s mayor, Democrat Eric Garcetti" is
        Eric Garcetti, as a target the name and not the role."""
        for child in noun.children:
            if child.dep_ == "appos":
                return self.doc.entity_of(self.field, child)
        return None

    def _catalogue_target(self, core: list[Token]) -> Target | None:
        if not core:
            return None
        entry = self._catalogue(core[0].doc).match(core)
        if entry is None:
            return None
        words = set(words_of(" ".join(t.text for t in core)))
        qualifier = next((q for q, ws in sorted(entry.qualifiers.items()) if words & ws), None)
        text = f"{entry.target_id} ({qualifier})" if qualifier else entry.target_id
        return Target(text, "catalogue", 1)

    def _generic_target(self, noun: Token) -> Target | None:
        """Generic heads: "a bill on gun control", "the nomination of X", "a plan to expand X"."""
        # "an amendment to scrap the levy" is against the levy; "the amendment to the
        # Patriot Act" and "a petition to Parliament" are about neither
        inner = None if noun.lemma_.lower() in _PROPOSALS else _complement(noun)
        if inner is not None:
            # "vetoed a resolution *against* Israel" is for Israel: the phrase is turned round
            sign = -1 if inner.head.lower_ == "against" else 1
            entity = self.doc.entity_of(self.field, inner)
            if entity is not None and not _actor_of_act(noun, inner, entity.label):
                return Target(entity.name, "entity", sign)
            found = self._catalogue_target(core_tokens(inner))
            if found is not None:
                return replace(found, polarity=sign * found.polarity)
        acl = next((c for c in noun.children if c.dep_ == "acl" and c.pos_ == "VERB"), None)
        if acl is not None:
            actions = self._action_targets(acl)
            if actions:
                return actions[0]
        modified = any(
            c.dep_ in {"compound", "amod", "relcl", "poss", "nmod"} for c in noun.children
        )
        if inner is None and not modified:
            earlier = self._earlier_mention(noun)
            # A bare "the bill" is the bill named before ("the euthanasia bill"), if any;
            # otherwise it stays the phrase as written.
            if earlier is not None:
                return self._target(earlier)
        return self._phrase_target(noun)

    def _phrase_target(self, noun: Token) -> Target | None:
        """The noun's phrase as the target, unless its complement is a title cut from its
        name: in "praised the efforts of U.S. Ambassador to the United Nations Nikki Haley"
        the parser hangs the name elsewhere, and "efforts of U.S. Ambassador" names no one
        (the complement rule takes the names)."""
        inner = _complement(noun)
        if inner is not None and self._bare_title(inner):
            return None
        text = self._phrase(noun)
        return Target(text, "phrase", 1) if text else None

    def _bare_title(self, tok: Token) -> bool:
        """Is ``tok`` a capitalised person title that names no entity and is written as the
        start of a name ("U.S. *Ambassador*" before the name the parser hung elsewhere), not
        as an office ("the impeachment of *the President*" is a target)?"""
        return (
            tok.pos_ == "PROPN"
            and tok.lower_ in gz.PERSON_ROLES
            and self.doc.entity_of(self.field, tok) is None
            and (
                not any(c.dep_ in {"det", "poss"} for c in tok.children)
                or any(c.dep_ == "appos" for c in tok.children)  # "the U.S. Ambassador, X"
            )
        )

    def _earlier_mention(self, noun: Token) -> Token | None:
        """The latest earlier noun with the same lemma that carries modifiers or a complement
        (an index of the field's modified nouns is built once, so each look-up is O(log n))."""
        if self._modified is None:
            self._modified = {}
            for tok in noun.doc:
                if tok.pos_ == "NOUN" and (
                    complement(tok) is not None
                    or any(c.dep_ in {"compound", "amod", "nmod"} for c in tok.children)
                ):
                    self._modified.setdefault(tok.lemma_, []).append(tok.i)
        positions = self._modified.get(noun.lemma_, [])
        k = bisect_left(positions, noun.i)
        return noun.doc[positions[k - 1]] if k > 0 else None

    def _phrase_tokens(self, noun: Token) -> list[Token]:
        """The tokens of :meth:`_phrase`: the core, and the complement's preposition and core."""
        inner = _complement(noun)
        if inner is None:
            return core_tokens(noun)
        return [*core_tokens(noun), inner.head, *core_tokens(inner)]

    def _phrase(self, noun: Token) -> str:
        """The noun's core phrase plus one complement: "attack on refugee camp"."""
        text = phrase(core_tokens(noun))
        inner = _complement(noun)
        if inner is not None:
            text = f"{text} {inner.head.lower_} {phrase(core_tokens(inner))}"
        return text.strip()

    def _frame(
        self,
        holders: Holders,
        targets: list[Target],
        polarity: int,
        predicate: str,
        confidence: float,
        anchor: Token,
        denial: bool = False,
    ) -> Frame | None:
        sentence = self.doc.sentence_of(self.field, anchor.i)
        if sentence is None:
            return None
        return Frame(holders, targets, polarity, predicate, confidence, sentence, denial)


_ROLE_NOUNS = gz.PERSON_ROLES | gz.ORG_ROLES | gz.GPE_ROLES
# Heads whose infinitive, never their "to" phrase, says what they propose.
_PROPOSALS = frozenset({"amendment", "petition"})
# Words that mark a noun as another of its kind than the one a later "the <noun>" repeats.
_ANOTHER_ONE = frozenset(
    {"earlier", "similar", "other", "another", "previous", "former", "prior", "separate"}
    | {"different", "past", "existing", "original", "last", "rival", "old", "comparable"}
)


def _another_one(modifier: Token) -> bool:
    """Does ``modifier`` mark its noun as one of several: "a similar ban", "the first
    offensive", "higher duties", "Tanzania's levy"?"""
    return (
        modifier.lower_ in _ANOTHER_ONE
        or modifier.ent_type_ == "ORDINAL"
        or modifier.tag_ in {"JJR", "RBR"}
        or modifier.dep_ == "poss"
    )


# Acts whose "of" / "by" / "for" / "from" names who acts, not what the act is about.
_ACTS = frozenset({"decision", "move", "step", "action", "announcement", "ruling", "choice"})
_ACTOR_PREPOSITIONS = frozenset({"of", "by", "for", "from"})


def _actor_of_act(noun: Token, inner: Token, label: str) -> bool:
    """Does the complement name the act's actor: "condemned the decision of the Reserve
    Bank" (or "a decision for the Reserve Bank") is against the decision, not the bank?"""
    act = noun.lemma_.lower() in _ACTS
    return act and inner.head.lower_ in _ACTOR_PREPOSITIONS and label in _ACTORS


def compose(verb: Token, polarity: int) -> tuple[int, Token]:
    """Climb the control verbs above ``verb`` ("refused to *back*"), composing polarity and
    negation; returns the composed polarity and the verb whose subject holds it."""
    node = verb
    while True:
        if (embedding := _embedded_in(node)) is not None:
            above, sign = embedding, _embedding_polarity(embedding)
        elif (phrasal := _phrasal_above(node)) is not None:
            above, sign = phrasal
        else:
            break
        if negated(node):
            polarity = -polarity
        node = above
        polarity *= sign
    return _at_top(verb, node, polarity), node


def without_object(verb: Token, key: tuple[str, str]) -> bool:
    """Does a phrasal predicate that takes a side only with its object lack it ("takes in
    the crowd at an event": no aim taken; :data:`cues.PHRASAL_OBJECTS`)? And is "agreed
    with" a deal struck with a party ("agreed with Iran to resume talks", "… on a
    ceasefire", "agreed with Britain a deal on fishing"), not a view shared?"""
    if key == ("agree", "with"):
        return any(
            c.dep_ in {"xcomp", "dobj"} or (c.dep_ == "prep" and c.lower_ in {"on", "to"})
            for c in verb.children
        )
    needed = cues.PHRASAL_OBJECTS.get(key)
    if needed is None:
        return False
    # the object itself, or what it measures out: "a barrage of insults", "a bucket of cold
    # water"
    objects = [c for c in verb.children if c.dep_ == "dobj"]
    measured = [o for c in objects for p in c.children if p.lower_ == "of" for o in p.children]
    return not any(o.lemma_.lower() in needed for o in [*objects, *measured])


def _phrasal_above(node: Token) -> tuple[Token, int] | None:
    """The stance verb whose preposition takes the gerund ``node``, and its direction:
    "balked at *committing* to Y" is against Y, "called for *boycotting* Y" too."""
    prep = node.head
    if node.dep_ != "pcomp" or node.tag_ != "VBG" or prep.dep_ != "prep":
        return None
    verb = prep.head
    key = (verb.lemma_.lower(), prep.lower_)
    sign = cues.PHRASAL.get(key) or lx.PHRASAL.get(key)
    needed = lx.PARTICLES.get(key)
    if not sign or without_object(verb, key) or (needed and particle_of(verb) != needed):
        return None  # "put the emphasis on defending Y" is no brake put on it
    return verb, sign


def _at_top(verb: Token, top: Token, polarity: int) -> int:
    """The direction composed up to ``top``, the verb whose subject holds it, once its own
    negation is read: a refusal or a stop denied turns back ("never stopped criticizing Y"
    is against Y, "did not fail to praise Y" favours Y), any other denial leaves no side
    (:func:`denied`)."""
    if top.i != verb.i and negated(top) and _embedding_polarity(top) < 0:
        return -polarity
    return denied(top, polarity)


def denied(top: Token, polarity: int) -> int:
    """The direction of a stance word whose holder's own verb is ``top``: none when that verb
    is negated. "X did not criticise Y", "never endorsed Y", "no longer opposes Y" say what X
    does not do, not which side X takes (docs/annotation.md: no tag), unlike "refused to back
    Y", a refusal composed in the chain below it — and unlike a refusal said with a modal,
    "will never accept Y", "cannot support Y", "won't back Y": against."""
    if not negated(top):
        return polarity
    if _modal(top) and _emphatic(top):
        return polarity  # "cannot thank the NHS enough": praise, emphatically
    return -polarity if polarity > 0 and _modal(top) else 0


def _emphatic(verb: Token) -> bool:
    """ "cannot thank X *enough*", "can't praise X *too highly*" or "*highly enough*": no
    measure is enough."""
    for c in verb.children:
        near = [c, *c.children]
        if any(t.lower_ == "enough" for t in near):
            return True
        if c.dep_ == "advmod" and any(t.lower_ == "too" for t in c.children):
            return True
    return False


# Modals whose negation refuses ("will not", "won't", "cannot", "would never").
_REFUSING_MODALS = frozenset({"will", "wo", "would", "can", "ca", "cannot", "could", "shall"})


def _modal(verb: Token) -> bool:
    """A refusing modal, and not a counterfactual ("would not have voted for Y")."""
    auxes = [c.lower_ for c in verb.children if c.dep_ == "aux"]
    return any(a in _REFUSING_MODALS for a in auxes) and "have" not in auxes


def mismatched_conjunct(verb: Token) -> bool:
    """Is ``verb`` a gerund the parser coordinated with a verb of another form? Coordinated
    verbs share their form, so "worked to get Clinton elected and bashing Trump" joins
    "bashing" to "worked", not to "elected": the subject of "elected" is not the basher."""
    if verb.dep_ != "conj" or verb.tag_ != "VBG" or verb.head.tag_ == "VBG":
        return False
    # "voted against the bill and is criticizing X" is a verb phrase of its own: its
    # auxiliary makes the forms agree
    return not any(c.dep_ in {"aux", "auxpass", "nsubj", "nsubjpass"} for c in verb.children)


def is_passive(verb: Token) -> bool:
    """Is ``verb`` passive ("was fired", "must be repealed")?"""
    return any(c.dep_ == "auxpass" for c in verb.children)


def subject_of(verb: Token) -> Token | None:
    return next((c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}), None)


def agent_of(verb: Token) -> Token | None:
    """The agent of a passive verb ("vetoed *by X*"), if any."""
    for child in verb.children:
        if child.dep_ == "agent":
            return next((g for g in child.children if g.dep_ == "pobj"), None)
    return None


_ADVERB_PARTICLES = frozenset({"back", "out", "away", "off"})


def particle_reading(verb: Token) -> tuple[int, list[Token], str] | None:
    """A verb + particle whose object is the target (:data:`lexicon.PARTICLE_VERBS`): its
    direction (0 when it deploys forces), its objects and its label; None for any other
    verb. The parser makes some particles a preposition ("voted *down* the repeal"), whose
    object is then the target."""
    lemma = verb.lemma_.lower()
    for c in verb.children:
        key = (lemma, c.lower_)
        if c.dep_ in {"prt", "prep", "advmod"} and key in lx.PARTICLE_VERBS:
            # "called out Trump for ..." is sometimes parsed with Trump as a predicate
            objects = [o for o in verb.children if o.dep_ in {"dobj", "oprd"}]
            objects = objects or [o for o in c.children if o.dep_ == "pobj"]
            label = f"{lemma} {c.lower_}"
            if _deploys(verb, objects):
                return 0, [], label  # "called out the National Guard (for 30 days)"
            return lx.PARTICLE_VERBS[key], objects, label
    return None


def _deploys(verb: Token, objects: list[Token]) -> bool:
    """Is "called out" deploying a force rather than criticising it: the Guard, the reserves
    or a militia unless blamed "for" a wrong ("called out the National Guard over the
    weekend", "as a precaution"), any force sent to do something ("called out the military
    to guard the border")? "Called out the police over the shooting" criticises."""
    lemmas = {o.lemma_.lower() for o in objects}
    if lemmas & lx.FORCES and any(c.dep_ == "xcomp" for c in verb.children):
        return True
    if not lemmas & lx.MUSTERED:
        return False
    return not any(
        c.dep_ == "prep"
        and c.lower_ == "for"
        and any(o.dep_ == "pobj" and o.lemma_.lower() in lx.BLAME_NOUNS for o in c.children)
        for c in verb.children
    )


def sideless_sense(verb: Token) -> bool:
    """Is a stance verb used in a sense that takes no side toward its object: a retreat
    ("backed down", :data:`lexicon.RETREATS`), a race run ("contest the seat"), a welcome
    somewhere ("welcoming Walker's staff to his team", "welcomes to the island any and all
    Rosies"), which is hospitality, force used on a thing ("F-16s blasted security
    targets in Gaza City", "slammed his squad car door on him"), an event, or an honour
    or invitation accepted ("accepted the Nobel Peace Prize")?"""
    lemma = verb.lemma_.lower()
    if (lemma, particle_of(verb)) in lx.RETREATS:
        return True
    if lemma == "contest":  # "to contest a presidential election": to run in it
        return any(c.dep_ == "dobj" and c.lemma_.lower() in _CONTESTED for c in verb.children)
    if lemma in _FORCE_VERBS:  # "blasted the targets", "the convoy was attacked by X"
        return any(
            c.dep_ in {"dobj", "nsubjpass"} and c.lemma_.lower() in _THINGS_HIT
            for c in verb.children
        )
    if lemma == "accept":  # "accepted the Nobel Peace Prize", "an invitation": no side
        return any(c.dep_ == "dobj" and c.lemma_.lower() in _HONOURS for c in verb.children)
    return lemma == "welcome" and any(
        c.dep_ == "prep" and c.lower_ in {"to", "into"} for c in verb.children
    )


# Verbs of force that are also stance words ("blasted the plan", "hammered the president").
_FORCE_VERBS = frozenset(
    {"blast", "slam", "strike", "hit", "fire", "shoot", "hammer", "pound", "bomb", "attack"}
    | {"target", "knock", "storm", "raid", "torch", "shell", "ram", "smash", "batter"}
)
# Things force is used on, never a side's target. Not nouns that also name an institution,
# a group or a policy: "the House", "the office", "his base", "the Clinton camp", "the wall",
# "the school", "the station", "the think tank", "their positions".
_THINGS_HIT = frozenset(
    {"target", "door", "heliport", "airport", "building", "convoy", "vehicle", "car"}
    | {"window", "bridge", "compound", "headquarters", "infrastructure", "village", "town"}
    | {"area", "ship", "plane", "aircraft", "truck", "tunnel", "depot", "warehouse"}
    | {"checkpoint", "airfield", "runway", "barracks", "outpost", "bunker"}
)


# What one accepts without taking a side (not "accepted the deal", "accepted the ruling").
_HONOURS = frozenset(
    {"prize", "award", "nomination", "invitation", "honour", "honor", "medal", "trophy"}
)

# What a candidate contests by running in it (not "contested the election results").
_CONTESTED = frozenset(
    {"election", "seat", "race", "primary", "leadership", "presidency", "nomination", "poll"}
    | {"by-election", "ballot", "constituency", "caucus", "runoff", "title", "final"}
)


def particle_of(verb: Token) -> str | None:
    """The verb's particle ("signed *off* on"); the parser often attaches "back" / "out" /
    "away" / "off" as an adverb instead ("pushed back against"), or as a preposition with
    nothing hung on it ("backed off the comment", the comment the verb's object), which
    count too."""
    adverb = None
    for c in verb.children:
        if c.dep_ == "prt":
            return c.lower_
        if adverb is None and c.lower_ in _ADVERB_PARTICLES and _particle_like(c):
            adverb = c.lower_
    return adverb


def retreat_from_stance(verb: Token, objects: list[Token]) -> bool:
    """ "backed away from her support for Y": a stance given up, which the noun rule reads
    (no side, as a denial), not a retreat from Y."""
    retreat = (verb.lemma_.lower(), particle_of(verb)) in lx.RETREATS
    return retreat and any(o.lemma_.lower() in cues.NOUNS for o in objects)


def with_particle_preps(verb: Token) -> list[Token]:
    """The verb's children, and the prepositions the parser hung on its particle read as an
    adverb ("backed *away from* the deal", "walked *away from* the talks")."""
    hung = [
        p
        for a in verb.children
        if a.dep_ == "advmod" and a.lower_ in _ADVERB_PARTICLES
        for p in a.children
        if p.dep_ == "prep"
    ]
    return [*verb.children, *hung]


def _particle_like(word: Token) -> bool:
    if word.dep_ == "advmod":
        return True
    # nothing hung on it: "backed off the comment", not "backed Trump out of loyalty"
    return word.dep_ == "prep" and not (word.n_lefts or word.n_rights)


def _embedding_polarity(node: Token) -> int:
    lemma = node.lemma_.lower()
    if node.pos_ == "ADJ":
        return lx.EMBEDDING_ADJECTIVES.get(lemma, 1)
    if lemma in lx.EMBEDDING_VERBS:
        return lx.EMBEDDING_VERBS[lemma]
    return lx.ATTITUDE_VERBS.get(lemma, 1)


def _third_parties(subject: Token) -> bool:
    """Is a reported clause's subject people other than the speaker: someone else's ("the
    union's members", "Russia's allies") or people a speaker never speaks for ("saying
    taxpayers had already approved two measures" is the taxpayers' act)? A speaker's own
    people stay the speaker's ("Unite said members had rejected the offer", "its members")."""
    if subject.tag_ != "NNS":
        return False
    owners = [c for c in subject.children if c.dep_ == "poss"]
    if owners:
        return any(o.pos_ != "PRON" for o in owners)
    return subject.lemma_.lower() in _THIRD_PARTIES


# People a speaker reports on but does not speak for.
_THIRD_PARTIES = frozenset(
    {"taxpayer", "voter", "critic", "opponent", "expert", "analyst", "economist", "investor"}
    | {"consumer", "resident", "observer", "scientist", "researcher", "rival", "judge"}
    | {"lawmaker", "legislator", "regulator", "prosecutor", "investigator", "court"}
)


# Verbs of wishing that ask an act of someone: "wants / would like Greece to accept Y".
WISHING = frozenset({"want", "like"})
# Verbs that ask an act of someone: "wants / urged Greece to accept the bailout".
_ASKING_VERBS = lx.OBJECT_CONTROL | WISHING


def asked_clause(node: Token) -> bool:
    """Is ``node`` an infinitive with a subject of its own that a verb of wanting or asking
    governs, or an act wanted done to someone (:func:`wanted_object`)? The parser reads
    "Merkel wants Greece to accept the bailout" as a clause whose subject is Greece; Greece
    is whom the act is asked of, the stance is Merkel's."""
    if wished_act(node):
        return True  # "would like Greece (object) to accept Y": the wisher's
    if node.dep_ != "ccomp" or node.head.lemma_.lower() not in _ASKING_VERBS:
        return False
    if node.tag_ != "VB":
        return wanted_object(node) is not None
    return _to_infinitive(node) and any(c.dep_ == "nsubj" for c in node.children)


def wanted_object(verb: Token) -> Token | None:
    """What an act is wanted done to, where the wanting verb's clause is passive: "wants
    Sessions to be fired", "urged the sanctions to be lifted", or "wants the tariffs removed"
    (a participle the parser gives a subject of its own). The act's target is that subject;
    the holder is whoever wants it (:func:`asked_clause`). "Would like Sessions to be fired"
    the parser reads as an object and a passive infinitive of "like"."""
    head = verb.head.lemma_.lower()
    if wished_act(verb) and is_passive(verb):
        return next((c for c in verb.head.children if c.dep_ == "dobj"), None)
    if verb.dep_ != "ccomp" or verb.tag_ not in {"VBN", "VBD"}:
        return None
    if head not in _ASKING_VERBS or any(c.dep_ == "dobj" for c in verb.children):
        return None
    if is_passive(verb):
        wanted = _to_infinitive(verb)
        deps = {"nsubjpass"}
    else:  # "wants X fired": no auxiliary at all, and only under "want"
        wanted = head == "want" and not any(c.dep_ in {"aux", "auxpass"} for c in verb.children)
        deps = {"nsubj", "nsubjpass"}
    subject = next((c for c in verb.children if c.dep_ in deps), None)
    return subject if wanted else None


def wished_act(verb: Token) -> bool:
    """Is ``verb`` an infinitive a verb of wishing governs beside an object of its own
    ("would like Sessions *to be fired*", "would like Greece *to accept* Y")?"""
    return (
        verb.dep_ in {"xcomp", "ccomp"}
        and verb.head.lemma_.lower() in WISHING
        and _to_infinitive(verb)
        and any(c.dep_ == "dobj" for c in verb.head.children)
    )


def _to_infinitive(verb: Token) -> bool:
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)


_VERBAL = frozenset({"VERB", "AUX"})
_OWN_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj", "expl"})


def _embedded_in(node: Token) -> Token | None:
    """The control verb or adjective ``node`` is the complement of (:func:`_is_embedded`),
    also for the second of two coordinated complements that has no subject of its own:
    "urged the council to end the regime and *recognize* Guaido" is asked of the council as
    "to end" is, and "refused to back Y or to *endorse* Z" refuses both. The first
    complement's own negation is not the second's. Only an infinitive joined to an
    infinitive: not a finite verb ("is running an ad … and has defended Y", where the parser
    hung "running" on a later verb), one with a modal ("and cannot support Y"), or one
    joined to a gerund ("to stop funding X and support Y" supports Y)."""
    if _is_embedded(node):
        return node.head
    first = node.head
    if node.dep_ != "conj" or node.tag_ != "VB" or first.tag_ != "VB":
        return None  # infinitives: not "to stop funding X and support Y" (a gerund's)
    if any(c.dep_ in _OWN_SUBJECTS for c in node.children) or not _is_embedded(first):
        return None
    if any(c.dep_ in {"aux", "auxpass"} and c.lower_ != "to" for c in node.children):
        return None  # "refused to stop the boats and cannot support Y": a clause of its own
    return first.head


def _is_embedded(node: Token) -> bool:
    """Is ``node`` the complement of a control verb/adjective ("refused *to back*"), or an
    act one asks of someone (:func:`asked_clause`)?"""
    head = node.head
    if head is node or node.dep_ not in {"xcomp", "ccomp", "dobj", "pcomp"}:
        return False
    if asked_clause(node):
        return True
    if node.dep_ in {"dobj", "ccomp", "pcomp"} and node.tag_ != "VBG":
        return False
    lemma = head.lemma_.lower()
    if head.pos_ == "ADJ":
        return lemma in lx.EMBEDDING_ADJECTIVES
    return lemma in lx.EMBEDDING_VERBS or lemma in lx.ATTITUDE_VERBS


def _speech_head(verb: Token) -> Token | None:
    """The speech verb whose reported clause contains ``verb`` (up to two levels up)."""
    node = verb
    for _ in range(3):
        if node.dep_ not in {"ccomp", "conj", "advcl", "xcomp", "acomp", "oprd"}:
            return None
        node = node.head
        if node.lemma_.lower() in lx.SPEECH_VERBS or (
            node.lemma_ == "make" and any(c.lower_ == "clear" for c in node.children)
        ):
            return node
    return None


def _is_phrasal(verb: Token) -> bool:
    lemma = verb.lemma_.lower()
    return any((lemma, c.lower_) in lx.PHRASAL for c in verb.children)


def _speech_label(speech: Token) -> str:
    lemma = speech.lemma_.lower()
    return "make clear" if lemma == "make" else lemma
