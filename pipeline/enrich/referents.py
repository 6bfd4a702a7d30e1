"""Bare references resolved: "backed *the move*", "condemned *the decision*", "oppose *it*".

Source ``bare_reference``: a stance verb's bare object stands for the nearest thing named
before it within two sentences (an entity other than a person, a catalogue target, a noun
with modifiers or a complement; for an act noun also the nearest action; for a noun never
an organisation, which does acts and passes bills but is none), in the headline
when the body has none; else the headline's subject; else it stays as written.
Referents are indexed once per field and at most ``_REFERENT_STEPS`` are looked through, so
the pass stays linear.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import TYPE_CHECKING

from spacy.tokens import Doc, Token

from pipeline.enrich import cues
from pipeline.enrich import gazetteer as gz
from pipeline.enrich import lexicon as lx
from pipeline.enrich.constructions import clause_owner
from pipeline.enrich.document import Document, Sentence
from pipeline.enrich.frames import FrameReader, Target, agent_of, compose, denied
from pipeline.enrich.targets import core_tokens, phrase
from pipeline.models import TextField

if TYPE_CHECKING:
    from pipeline.enrich.candidates import Candidate, SentenceReader

_NOMINAL = frozenset({"NOUN", "PROPN"})

# Nouns that only point back at something named before: "backed *the move*".
_BARE_NOUNS = frozenset(
    {"move", "decision", "step", "action", "announcement", "plan", "idea", "proposal"}
    | {"measure", "policy", "bill", "deal", "law", "legislation", "effort", "initiative"}
    | {"order", "ruling", "program", "programme", "scheme", "change"}
)
# Of those, the ones that name an act: their referent may be the action itself.
_ACT_NOUNS = frozenset({"move", "decision", "step", "action", "announcement", "change"})
_BARE_PRONOUNS = frozenset({"it", "this", "that"})
_POINTERS = frozenset({"the", "this", "that", "these", "those", "such"})
_REFERENT_DEPS = frozenset({"dobj", "nsubj", "nsubjpass", "pobj", "attr", "ROOT"})
_AMOUNTS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
# Named things that a policy, a deal or an act never is: people, places and peoples ("In
# Brussels, X backed the plan" does not back Brussels).
_NOT_REFERENTS = frozenset({"PERSON", "GPE", "LOC", "FAC", "NORP"})
# A source or an addressee, not a thing done: "a statement released by the Sierra Club", "an
# interview with CNN", "a report from the GAO"; and "to" after speech ("according to the
# Washington Post", "speaking to CNN"), not in "opposition to the Affordable Care Act".
_SOURCE_PREPOSITIONS = frozenset({"by", "with", "from"})
_SPEAKING_TO = lx.SPEECH_VERBS | {"accord", "speak", "talk"}
_REPORTING = lx.SPEECH_VERBS | {"report"}  # their subject is a source: "Politico reported"
_REFERENT_STEPS = 6  # earlier referents looked through: bounded, so linear
_REFERENT_SENTENCES = 2  # a bare reference points at most this many sentences back


def is_bare(tok: Token) -> bool:
    """Does ``tok`` only point back: "it", "this", or "the move" / "the decision" without a
    modifier or complement of its own?"""
    if tok.pos_ == "PRON":
        return tok.lower_ in _BARE_PRONOUNS and tok.dep_ in {"dobj", "pobj", "nsubjpass"}
    if tok.pos_ != "NOUN" or tok.lemma_.lower() not in _BARE_NOUNS:
        return False
    return all(c.dep_ == "det" and c.lower_ in _POINTERS for c in tok.children)


class _Positions:
    """What a bare reference can point at, indexed once per parsed field: named things (an
    entity other than a person, a catalogue target, a noun with modifiers or a complement,
    in a subject or object position) and actions (a verb with an object)."""

    def __init__(self, doc: Document, field_name: TextField, parsed: Doc) -> None:
        self.things: list[int] = []
        self.actions: list[int] = []
        for tok in parsed:
            objects = [c for c in tok.children if c.dep_ == "dobj"]
            if tok.pos_ == "VERB" and objects and not any(is_bare(o) for o in objects):
                self.actions.append(tok.i)  # not "backed the move" itself
            elif (
                tok.pos_ in _NOMINAL
                and tok.dep_ in _REFERENT_DEPS
                and tok.ent_type_ not in _AMOUNTS
                and tok.lemma_.lower() not in gz.PERSON_ROLES  # "the association's president"
                and not is_bare(tok)
            ):
                named = doc.entity_of(field_name, tok)
                modified = any(
                    c.dep_ in {"compound", "amod", "nmod", "poss", "prep", "acl"}
                    for c in tok.children
                )
                if (
                    named is not None
                    and named.label not in _NOT_REFERENTS
                    and not _source_position(tok)
                ) or (named is None and (modified or tok.pos_ == "PROPN")):
                    self.things.append(tok.i)
        self._things = frozenset(self.things)

    def whole(self, parsed: Doc, i: int) -> int:
        """The thing a thing is part of through a preposition, up to the largest: a bare
        reference means all of "a ban on imports of beef" or "an end to all attacks on
        Israelis", never the "imports" banned or the "attacks" ended."""
        tok = parsed[i]
        while tok.dep_ == "pobj" and tok.head.dep_ == "prep" and tok.head.head.i in self._things:
            tok = tok.head.head
        return tok.i

    @staticmethod
    def before(positions: list[int], i: int) -> list[int]:
        """The nearest ``_REFERENT_STEPS`` positions before ``i``, nearest first."""
        k = bisect_left(positions, i)
        return positions[max(0, k - _REFERENT_STEPS) : k][::-1]


def _source_position(tok: Token) -> bool:
    """Is ``tok`` where news names a source or an addressee: the object of "by", "with" or
    "from", of "to" after speech, of a speech verb ("told Reuters"), or its subject
    ("Politico reported that X opposes the plan": the plan is no Politico)?"""
    if tok.dep_ == "pobj":
        prep = tok.head
        if prep.lower_ == "to":
            return prep.head.lemma_.lower() in _SPEAKING_TO
        return prep.lower_ in _SOURCE_PREPOSITIONS
    verb = tok.head.lemma_.lower()
    if tok.dep_ == "nsubj":
        return verb in _REPORTING
    return tok.dep_ in {"dobj", "dative"} and verb in lx.SPEECH_VERBS


class ReferentIndex:
    """What bare references of one article stand for; the per-field indexes built on first
    use."""

    def __init__(self, doc: Document, readers: dict[TextField, FrameReader]) -> None:
        self.doc = doc
        self.readers = readers
        self._positions: dict[TextField, _Positions] = {}

    def of(self, field_name: TextField, bare: Token) -> list[tuple[Target, Token]]:
        """What a bare reference stands for (see the module doc), each with the token that
        names it."""
        found: list[tuple[Target, Token]] = []
        act = bare.lemma_.lower() in _ACT_NOUNS
        noun = bare.pos_ == "NOUN"  # "the move", "the bill": a thing or an act, never who
        here = self.doc.sentence_of(field_name, bare.i)
        for parsed in reversed(self.doc.fields[: self._field_index(field_name) + 1]):
            index = self._positions.get(parsed.field)
            if index is None:
                index = _Positions(self.doc, parsed.field, parsed.doc)
                self._positions[parsed.field] = index
            limit = bare.i if parsed.field == field_name else len(parsed.doc)
            # never its own verb's subject, nor, for a noun, a phrase it is part of ("Obama's
            # call on Congress to approve the bill" is no referent of "the bill"; a relative
            # "that" means the very noun it hangs under)
            skip = set(_own_subject(bare)) if parsed.field == field_name else set()
            if noun and parsed.field == field_name:
                skip.update(a.i for a in bare.ancestors)
            things = [index.whole(parsed.doc, i) for i in _Positions.before(index.things, limit)]
            kinds = [things, _Positions.before(index.actions, limit)] if act else [things]
            for nearest in kinds:
                hit = self._nearest(parsed.field, parsed.doc, nearest, here, skip, noun)
                if hit is not None:
                    found.append(hit)
            if found:
                return found
        headline = self._headline()
        if headline is not None:
            return [headline]
        text = "it" if bare.pos_ == "PRON" else phrase(core_tokens(bare)) or bare.lower_
        return [(Target(text, "phrase", 1), bare)]

    def _field_index(self, field_name: TextField) -> int:
        return next(n for n, p in enumerate(self.doc.fields) if p.field == field_name)

    def _nearest(
        self,
        field_name: TextField,
        parsed: Doc,
        nearest: list[int],
        here: Sentence | None,
        skip: set[int],
        thing: bool = False,
    ) -> tuple[Target, Token] | None:
        """The first of the positions ``nearest`` (nearest first) that can be the referent
        (for a ``thing``, a noun like "the decision" or "the bill", not an organisation)."""
        reader = self.readers[field_name]
        for i in nearest:
            if i in skip:
                continue
            if thing and self._organisation(field_name, parsed[i]):
                # "the ACTU condemned the decision" is the Reserve Bank's decision, not the
                # bank: an act or a bill is what an organisation does or passes, never the
                # organisation ("Obama's call on Congress to approve the bill")
                continue
            sentence = self.doc.sentence_of(field_name, i)
            if (
                here is not None
                and sentence is not None
                and sentence.field == here.field
                and here.index - sentence.index > _REFERENT_SENTENCES
            ):
                return None
            targets = reader.targets(parsed[i])
            if targets:
                return targets[0], parsed[i]
        return None

    def _organisation(self, field_name: TextField, tok: Token) -> bool:
        named = self.doc.entity_of(field_name, tok)
        return named is not None and named.label == "ORG"

    def _headline(self) -> tuple[Target, Token] | None:
        """The subject of the title's main clause, as a target."""
        title = next((p for p in self.doc.fields if p.field == "title"), None)
        if title is None or not len(title.doc):
            return None
        root = next(iter(title.doc.sents)).root
        subject = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
        head = subject if subject is not None else root
        targets = self.readers["title"].targets(head)
        return (targets[0], head) if targets else None


def _own_subject(bare: Token) -> range:
    """Token positions of the subject of the verb a bare reference depends on: "Republican
    officials criticized the plan" never means the officials are the plan."""
    verb = bare.head
    while verb.pos_ not in {"VERB", "AUX"} and verb.head is not verb:
        verb = verb.head
    subject = next((c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if subject is None:
        return range(0)
    return range(subject.left_edge.i, subject.right_edge.i + 1)


def bare_reference(s: SentenceReader, tok: Token) -> Iterator[Candidate]:
    """Source ``bare_reference``: a stance verb's bare object ("backed the move", "condemned
    the decision", "oppose it") stands for the nearest thing named before it in the document
    (and, for an act noun, the nearest action), else the headline's subject, else it is kept
    as written."""
    if tok.pos_ != "VERB":
        return
    agent = agent_of(tok)
    if agent is not None:  # "the move was condemned by X"
        polarity = cues.VERBS.get(tok.lemma_.lower(), 0)
        objects = [c for c in tok.children if c.dep_ == "nsubjpass"]
    else:
        polarity, objects = s.reading(tok)
    bare = [o for o in objects if is_bare(o)]
    if not polarity or not bare:
        return  # most verbs: resolving their holders (below) is what costs
    if agent is not None:
        owners = s.owner.holders.resolve(s.field, agent).entities
        prior, via = denied(tok, polarity), "agent"
    else:
        prior, top = compose(tok, polarity)
        owners = s.reader.subject_holders(top).entities or clause_owner(s, top)
        via = "subject"
    if not owners:
        return
    label, text = tok.lemma_.lower(), s.sentence.text
    for obj in bare:
        for target, at in s.owner.referents.of(s.field, obj):
            for h in owners:
                if target.kind == "entity" and target.text == h.name:
                    continue
                yield s.make(
                    h, target, tok, "bare_reference", prior * target.polarity, via, label, text, at
                )
