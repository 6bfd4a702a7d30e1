"""Who holds a stance: the subject of a predicate, resolved to an entity of the article.

Besides names, subjects can be pronouns ("he", "they"), relative pronouns ("Putin, who
refused ..."), or definite descriptions ("the minister"); these resolve to the nearest
preceding compatible entity, preferring recent sentence subjects, as news prose does.

Cost: the resolver indexes the article's mentions once (by position, label, sentence and
title), so each look-up takes logarithmic time, and it walks parse trees with loops, never
with recursion that a deep tree or a long list of names could exhaust.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections import defaultdict
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
# Links followed from one subject (relative pronoun to its noun, "leader of the X of the Y"):
# more are not news prose, and they must not exhaust the stack.
_MAX_HOPS = 25


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
        self._orders = [o.order for o in self._occurrences]
        # Positions in _occurrences: by cluster; by label; subjects by (label, sentence);
        # by (label, title) of the cluster.
        self._by_cluster: defaultdict[int, list[int]] = defaultdict(list)
        self._by_label: defaultdict[str, list[int]] = defaultdict(list)
        self._subjects: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
        self._titled: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
        titles = {id(c): c.titles for c in doc.clusters}
        for k, o in enumerate(self._occurrences):
            label = o.cluster.label
            self._by_cluster[id(o.cluster)].append(k)
            self._by_label[label].append(k)
            if o.subject:
                self._subjects[(label, o.sentence)].append(k)
            for title in titles[id(o.cluster)]:
                self._titled[(label, title)].append(k)
        self._groups = [
            k for k, o in enumerate(self._occurrences) if o.subject and len(o.conjoined) > 1
        ]
        self._anonymous: dict[str, tuple[int, int]] | None = None
        self._speech_tops: dict[tuple[int, int], Token] = {}

    def _index(self) -> list[Occurrence]:
        found: list[Occurrence] = []
        by_field = {p.field: p for p in self.doc.fields}
        coordinations: dict[tuple[TextField, int], tuple[int, ...]] = {}
        for c in self.doc.clusters:
            for m in c.mentions:
                parsed = by_field[m.field]
                root = parsed.doc[m.tok_start : m.tok_end].root
                sent = self.doc.sentence_of(m.field, root.i)
                top = _coordination_top(root)
                # One tuple per coordination, shared by its members: a list of k names
                # costs k, not k * k.
                partners = coordinations.get((m.field, top.i))
                if partners is None:
                    partners = tuple(
                        id(e)
                        for t in [top, *_conjuncts(top)]
                        if (e := self.doc.entity_of(m.field, t)) is not None
                    )
                    coordinations[(m.field, top.i)] = partners
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

    def _resolve_one(
        self, field_name: TextField, t: Token, hops: int = 0
    ) -> tuple[list[Cluster], float]:
        c = self._entity(field_name, t)
        if c is not None:
            return [c], 1.0
        linked = self._linked(field_name, t)
        if linked is not None:
            return [linked], LINKED_FACTOR
        if hops >= _MAX_HOPS:
            return [], 0.0
        lower = t.lower_
        if lower in _RELATIVES and t.head.dep_ == "relcl":
            found, f = self._resolve_one(field_name, t.head.head, hops + 1)
            return found, f * 0.95
        speaker = self._speaker_subject(t)
        if lower in _PERSON_PRONOUNS | {"they"} and speaker is not None:
            found, f = self._resolve_one(field_name, speaker, hops + 1)
            if found and (lower == "they" or all(c.label == "PERSON" for c in found)):
                return found, f * PRONOUN_FACTOR
        if lower in _PERSON_PRONOUNS:
            return self._look_back(field_name, t, {"PERSON"}, plural=False), PRONOUN_FACTOR
        if lower in {"they", "them"}:
            return self._look_back(field_name, t, _GROUP_LABELS, plural=True), PRONOUN_FACTOR
        if lower == "it":
            return self._look_back(field_name, t, {"ORG", "GPE"}, plural=False), PRONOUN_FACTOR
        return self._description(field_name, t), DESCRIPTION_FACTOR

    def _linked(self, field_name: TextField, t: Token, hops: int = 0) -> Cluster | None:
        """An entity naming a noun subject: "his adviser, X", "the Trump administration",
        "China's commerce ministry", "leaders of the X union"."""
        if hops > _MAX_HOPS:
            return None
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
                    c = self._entity(field_name, obj) or self._linked(field_name, obj, hops + 1)
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
        sent = self.doc.sentence_of(field_name, t.i)
        current = sent.index if sent else 0
        before = bisect.bisect_left(self._orders, (_field_order(field_name), t.i))
        if plural:
            g = bisect.bisect_left(self._groups, before) - 1
            if g >= 0 and current - self._occurrences[self._groups[g]].sentence <= 1:
                return self._first_of(self._occurrences[self._groups[g]].conjoined, before)
        same = [_last_below(self._subjects[(label, current)], before) for label in labels]
        if max(same) >= 0:
            return [self._occurrences[max(same)].cluster]
        for back in range(1, _LOOKBACK_SENTENCES + 1):
            earlier = [self._subjects[(label, current - back)] for label in labels]
            firsts = [ks[0] for ks in earlier if ks and ks[0] < before]
            if firsts:
                return [self._occurrences[min(firsts)].cluster]
        last = max(_last_below(self._by_label[label], before) for label in labels)
        return [self._occurrences[last].cluster] if last >= 0 else []

    def _first_of(self, ids: tuple[int, ...], before: int) -> list[Cluster]:
        """The first len(set(ids)) occurrences (before position ``before``) of the clusters
        with these ids, in article order."""
        wanted = set(ids)
        lists = [self._by_cluster[i] for i in wanted]
        merged = heapq.merge(*lists)
        firsts = itertools.islice(itertools.takewhile(lambda k: k < before, merged), len(wanted))
        return [self._occurrences[k].cluster for k in firsts]

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
        before = bisect.bisect_left(self._orders, (_field_order(field_name), t.i))
        (label,) = labels
        pick = _last_below(self._titled[(label, lemma)], before)
        if pick < 0:
            pick = _last_below(self._by_label[label], before)
        return [self._occurrences[pick].cluster] if pick >= 0 else []

    def _introduced_anonymously(self, field_name: TextField, t: Token) -> bool:
        """Did an earlier indefinite "a/an ... <role>" without a name introduce someone?"""
        if self._anonymous is None:
            self._anonymous = {}
            for parsed in self.doc.fields:
                for tok in parsed.doc:
                    lemma = tok.lemma_.lower()
                    if lemma not in self._anonymous and self._is_anonymous(parsed.field, tok):
                        self._anonymous[lemma] = (_field_order(parsed.field), tok.i)
        first = self._anonymous.get(t.lemma_.lower())
        return first is not None and first < (_field_order(field_name), t.i)

    def _is_anonymous(self, field_name: TextField, tok: Token) -> bool:
        indefinite = any(c.lower_ in {"a", "an"} for c in tok.children)
        named = any(
            self.doc.entity_of(field_name, c) is not None
            for c in tok.children
            if c.dep_ in {"appos", "compound"}
        )
        return indefinite and not named

    def _speaker_subject(self, pronoun: Token) -> Token | None:
        """In "X said he/they would ...", the pronoun most likely refers to the speaker X."""
        verb = pronoun.head
        if pronoun.dep_ != "nsubj" or verb.dep_ != "ccomp":
            return None
        speech = verb.head
        if speech.lemma_.lower() not in SPEECH_VERBS:
            return None
        speech = self._speech_top(speech)
        subject = next((c for c in speech.children if c.dep_ == "nsubj"), None)
        if subject is None or subject.lower_ in _PERSON_PRONOUNS | {"they", "it", "we", "i"}:
            return None
        return subject

    def _speech_top(self, speech: Token) -> Token:
        """Up a chain of conjoined verbs without a subject ("said ... and added ..."), to the
        verb that has one; remembered for every verb passed, so a long chain is walked once."""
        path: list[Token] = []
        while (id(speech.doc), speech.i) not in self._speech_tops and (
            speech.dep_ == "conj" and not any(c.dep_ == "nsubj" for c in speech.children)
        ):
            path.append(speech)
            speech = speech.head
        top = self._speech_tops.get((id(speech.doc), speech.i), speech)
        for passed in [*path, speech]:
            self._speech_tops[(id(passed.doc), passed.i)] = top
        return top


def _field_order(field_name: TextField) -> int:
    return 0 if field_name == "title" else 1


def _is_subject(root: Token) -> bool:
    node = root
    while node.dep_ in {"conj", "appos"}:  # "Her husband, Bill Clinton, said"
        node = node.head
    return node.dep_ in _SUBJECT_DEPS


def _conjuncts(token: Token) -> list[Token]:
    """Tokens conjoined with ``token`` below it, depth first in document order."""
    found: list[Token] = []
    stack = [c for c in reversed(list(token.children)) if c.dep_ == "conj"]
    while stack:
        child = stack.pop()
        found.append(child)
        stack += [c for c in reversed(list(child.children)) if c.dep_ == "conj"]
    return found


def _coordination_top(root: Token) -> Token:
    """The first token of the coordination a mention's root is part of."""
    top = root
    while top.dep_ == "conj" and top.head.i != top.i:
        top = top.head
    return top


def _last_below(positions: list[int], limit: int) -> int:
    """The largest of the sorted ``positions`` below ``limit``, or -1."""
    k = bisect.bisect_left(positions, limit)
    return positions[k - 1] if k else -1
