"""Who holds a stance: the subject of a predicate, resolved to an entity of the article.

Besides names, subjects can be pronouns ("he", "they"), relative pronouns ("Putin, who
refused ..."), or definite descriptions ("the minister"); these resolve to the nearest
preceding compatible entity, preferring recent sentence subjects, as news prose does.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Token

from pipeline.enrich import gazetteer as gz
from pipeline.enrich.document import Document
from pipeline.enrich.entities import Cluster
from pipeline.enrich.lexicon import SPEECH_VERBS
from pipeline.models import TextField

HOLDER_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})
_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
_GROUP_LABELS = frozenset({"ORG", "GPE", "NORP"})
_MEMBER_NOUNS = frozenset(
    {"leader", "leadership", "member", "head", "spokesman", "spokeswoman", "official"}
)
_RELATIVES = frozenset({"who", "which", "that", "whom"})
_NOMINAL = frozenset({"he", "him", "she", "her", "they", "them", "it"})
_POSSESSIVE_LABELS: dict[str, tuple[frozenset[str], bool]] = {
    "his": (frozenset({"PERSON"}), False),
    "hers": (frozenset({"PERSON"}), False),
    "their": (frozenset({"ORG", "GPE", "NORP"}), True),
    "its": (frozenset({"ORG", "GPE"}), False),
}
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
_LOOKBACK_SENTENCES = 3

# Confidence factors: the less direct the resolution, the less sure the tag.
PRONOUN_FACTOR = 0.85
DESCRIPTION_FACTOR = 0.75
LINKED_FACTOR = 0.9


@dataclass(frozen=True)
class Occurrence:
    """A mention's position and role, for looking back from a pronoun."""

    order: tuple[int, int]
    sentence: int
    cluster: Cluster
    subject: bool
    conjoined: tuple[int, ...]  # ids of entities coordinated with it as one subject


@dataclass(frozen=True)
class Holders:
    entities: list[Cluster]
    factor: float


class HolderResolver:
    """Resolves subject tokens; built once per article."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self._occurrences = sorted(self._index(), key=lambda o: o.order)

    def _index(self) -> list[Occurrence]:
        found: list[Occurrence] = []
        by_field = {p.field: p for p in self.doc.fields}
        for c in self.doc.clusters:
            for m in c.mentions:
                parsed = by_field[m.field]
                root = parsed.doc[m.tok_start : m.tok_end].root
                sent = self.doc.sentence_of(m.field, root.i)
                partners = tuple(
                    id(e)
                    for t in _coordinated(root)
                    if (e := self.doc.entity_of(m.field, t)) is not None
                )
                found.append(
                    Occurrence(
                        (_field_order(m.field), root.i),
                        sent.index if sent else -1,
                        c,
                        _is_subject(root),
                        partners,
                    )
                )
        return found

    def resolve(self, field_name: TextField, token: Token) -> Holders:
        """Entities the subject ``token`` (and its conjuncts) stands for."""
        entities: list[Cluster] = []
        factor = 1.0
        for t in [token, *_conjuncts(token)]:
            found, f = self._resolve_one(field_name, t)
            for c in found:
                if c not in entities:
                    entities.append(c)
            factor = min(factor, f)
        return Holders(entities, factor if entities else 0.0)

    def pronoun_mentions(self) -> list[tuple[TextField, Token, Cluster]]:
        """Personal and possessive pronouns with the entity each refers to, for tone."""
        found: list[tuple[TextField, Token, Cluster]] = []
        for parsed in self.doc.fields:
            for t in parsed.doc:
                lower = t.lower_
                if t.pos_ != "PRON" or (lower not in _POSSESSIVE_LABELS and lower not in _NOMINAL):
                    continue
                if lower in _POSSESSIVE_LABELS:
                    labels, plural = _POSSESSIVE_LABELS[lower]
                    clusters = self._look_back(parsed.field, t, labels, plural)
                else:
                    clusters = self._resolve_one(parsed.field, t)[0]
                found += [(parsed.field, t, c) for c in clusters]
        return found

    def _resolve_one(self, field_name: TextField, t: Token) -> tuple[list[Cluster], float]:
        c = self._entity(field_name, t)
        if c is not None:
            return [c], 1.0
        linked = self._linked(field_name, t)
        if linked is not None:
            return [linked], LINKED_FACTOR
        lower = t.lower_
        if lower in _RELATIVES and t.head.dep_ == "relcl":
            found, f = self._resolve_one(field_name, t.head.head)
            return found, f * 0.95
        speaker = _speaker_subject(t)
        if lower in _PERSON_PRONOUNS | {"they"} and speaker is not None:
            found, f = self._resolve_one(field_name, speaker)
            if found and (lower == "they" or all(c.label == "PERSON" for c in found)):
                return found, f * PRONOUN_FACTOR
        if lower in _PERSON_PRONOUNS:
            return self._look_back(field_name, t, {"PERSON"}, plural=False), PRONOUN_FACTOR
        if lower in {"they", "them"}:
            return self._look_back(field_name, t, _GROUP_LABELS, plural=True), PRONOUN_FACTOR
        if lower == "it":
            return self._look_back(field_name, t, {"ORG", "GPE"}, plural=False), PRONOUN_FACTOR
        return self._description(field_name, t), DESCRIPTION_FACTOR

    def _linked(self, field_name: TextField, t: Token) -> Cluster | None:
        """An entity naming a noun subject: "his adviser, X", "the Trump administration",
        "China's commerce ministry", "leaders of the X union"."""
        lemma = t.lemma_.lower()
        for child in t.children:
            c = self._entity(field_name, child)
            if c is None:
                continue
            if child.dep_ == "appos":
                return c
            if child.dep_ == "compound" and lemma not in gz.PERSON_ROLES:
                return c  # "UN chief" is a person we cannot name, not the UN
            if child.dep_ in {"poss", "amod", "compound"} and lemma in gz.ORG_ROLES:
                return c if c.label == "GPE" else None
        for prep in t.children:
            if prep.dep_ == "prep" and prep.lower_ == "of" and lemma in _MEMBER_NOUNS:
                for obj in prep.children:
                    c = self._entity(field_name, obj) or self._linked(field_name, obj)
                    if c is not None and c.label in _GROUP_LABELS:
                        return c
        return None

    def _entity(self, field_name: TextField, t: Token) -> Cluster | None:
        c = self.doc.entity_of(field_name, t)
        return c if c is not None and c.label in HOLDER_LABELS else None

    def _look_back(
        self, field_name: TextField, t: Token, labels: set[str] | frozenset[str], plural: bool
    ) -> list[Cluster]:
        """Nearest preceding compatible entity, preferring subjects of recent sentences."""
        here = (_field_order(field_name), t.i)
        sent = self.doc.sentence_of(field_name, t.i)
        current = sent.index if sent else 0
        before = [o for o in self._occurrences if o.order < here]
        if plural:
            groups = [o for o in before if o.subject and len(o.conjoined) > 1]
            if groups and current - groups[-1].sentence <= 1:
                ids = set(groups[-1].conjoined)
                return [o.cluster for o in before if id(o.cluster) in ids][: len(ids)]
        fits = [o for o in before if o.cluster.label in labels]
        same = [o for o in fits if o.sentence == current and o.subject]
        if same:
            return [same[-1].cluster]
        for back in range(1, _LOOKBACK_SENTENCES + 1):
            subjects = [o for o in fits if o.sentence == current - back and o.subject]
            if subjects:
                return [subjects[0].cluster]
        return [fits[-1].cluster] if fits else []

    def _description(self, field_name: TextField, t: Token) -> list[Cluster]:
        """ "the minister" -> the nearest person titled minister, else the nearest person."""
        if not any(c.dep_ == "det" and c.lower_ in {"the", "this"} for c in t.children):
            return []
        lemma = t.lemma_.lower()
        if lemma in gz.PERSON_ROLES:
            if self._introduced_anonymously(field_name, t):
                return []  # "a senior official ... the official said": not a named entity
            labels = {"PERSON"}
        elif lemma in gz.ORG_ROLES:
            labels = {"ORG"}
        elif lemma in gz.GPE_ROLES:
            labels = {"GPE"}
        else:
            return []
        here = (_field_order(field_name), t.i)
        fits = [o for o in self._occurrences if o.order < here and o.cluster.label in labels]
        titled = [o for o in fits if lemma in o.cluster.titles]
        pick = titled or fits
        return [pick[-1].cluster] if pick else []

    def _introduced_anonymously(self, field_name: TextField, t: Token) -> bool:
        """Did an earlier indefinite "a/an ... <role>" without a name introduce someone?"""
        for parsed in self.doc.fields:
            if _field_order(parsed.field) > _field_order(field_name):
                break
            for tok in parsed.doc:
                if parsed.field == field_name and tok.i >= t.i:
                    break
                if tok.lemma_.lower() != t.lemma_.lower():
                    continue
                indefinite = any(c.lower_ in {"a", "an"} for c in tok.children)
                named = any(
                    self.doc.entity_of(parsed.field, c) is not None
                    for c in tok.children
                    if c.dep_ in {"appos", "compound"}
                )
                if indefinite and not named:
                    return True
        return False


def _speaker_subject(pronoun: Token) -> Token | None:
    """In "X said he/they would ...", the pronoun most likely refers to the speaker X."""
    verb = pronoun.head
    if pronoun.dep_ != "nsubj" or verb.dep_ != "ccomp":
        return None
    speech = verb.head
    if speech.lemma_.lower() not in SPEECH_VERBS:
        return None
    while speech.dep_ == "conj" and not any(c.dep_ == "nsubj" for c in speech.children):
        speech = speech.head
    subject = next((c for c in speech.children if c.dep_ == "nsubj"), None)
    if subject is None or subject.lower_ in _PERSON_PRONOUNS | {"they", "it", "we", "i"}:
        return None
    return subject


def _field_order(field_name: TextField) -> int:
    return 0 if field_name == "title" else 1


def _is_subject(root: Token) -> bool:
    node = root
    while node.dep_ in {"conj", "appos"}:  # "Her husband, Bill Clinton, said"
        node = node.head
    return node.dep_ in _SUBJECT_DEPS


def _conjuncts(token: Token) -> list[Token]:
    found: list[Token] = []
    for child in token.children:
        if child.dep_ == "conj":
            found += [child, *_conjuncts(child)]
    return found


def _coordinated(root: Token) -> list[Token]:
    """All tokens of the coordination a mention's root is part of (itself included)."""
    top = root
    while top.dep_ == "conj":
        top = top.head
    return [top, *_conjuncts(top)]
