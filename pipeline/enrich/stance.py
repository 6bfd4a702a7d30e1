"""Stance tags: candidates proposed by rules (:mod:`candidates`), judged by the trained model.

Each (holder, target) pair of an article becomes at most one tag: the candidate the model is
surest of, emitted when its favor or against probability reaches ``min_confidence``. Two tags
of one holder, one sentence and one direction whose targets nest ("praised Mr. Harkin's record
of service" gives both "Mr. Harkin's record of service" and "Harkin") are one statement: only
the surer is kept (:func:`merge_nested`). Only candidates of rules the model was trained on are
judged (``src=<rule>`` among its weights).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

from pipeline.enrich.candidates import Candidate, CandidateReader
from pipeline.enrich.document import Document
from pipeline.enrich.holders import HolderResolver
from pipeline.enrich.stance_model import CLASSES, Moods, StanceModel, sources_by_pair
from pipeline.enrich.targets import Catalogue
from pipeline.models import StanceTag, StanceValue

Judged = TypeVar("Judged", bound=tuple[float, str, Candidate])


class StanceExtractor:
    """Holds the catalogue and the model across articles."""

    def __init__(self, catalogue: Catalogue, model: StanceModel, min_confidence: float) -> None:
        self.catalogue = catalogue
        self.model = model
        self.min_confidence = min_confidence

    def candidates(self, doc: Document, holders: HolderResolver | None = None) -> list[Candidate]:
        return CandidateReader(doc, self.catalogue, holders).candidates()

    def extract(self, doc: Document, holders: HolderResolver | None = None) -> list[StanceTag]:
        best: dict[tuple[str, str], tuple[float, StanceValue, Candidate]] = {}
        # A model judges only the rules it was trained on: a rule added since (its candidates
        # never seen in training) waits for `newsflow train stance` instead of being scored
        # by features learnt on other rules.
        weights = self.model.model.weights
        found = [c for c in self.candidates(doc, holders) if f"src={c.source}" in weights]
        sources = sources_by_pair(found)  # as training reads them: before the denials
        moods: Moods = {}
        for c, p, k in judge(found, lambda c: self.model.probabilities(c, sources, moods)):
            stance: StanceValue = "favor" if CLASSES[k] == "favor" else "against"
            if p < self.min_confidence:
                continue
            if c.key not in best or best[c.key][0] < p:
                best[c.key] = (p, stance, c)
        tags = [_tag(c, stance, p) for p, stance, c in merge_nested(list(best.values()))]
        return sorted(
            tags,
            key=lambda t: (t.evidence.field != "title", t.evidence.start, t.holder, t.target),
        )


class _Proposal(Protocol):
    @property
    def key(self) -> tuple[str, str]: ...
    @property
    def where(self) -> tuple[str, int]: ...
    @property
    def denied(self) -> bool: ...
    @property
    def prior(self) -> int: ...
    @property
    def rule(self) -> str: ...


Proposal = TypeVar("Proposal", bound=_Proposal)


def undenied(found: list[Proposal]) -> list[Proposal]:
    """The candidates left once those a rule read as denied ("X did not criticize Y") are
    dropped, with every candidate of the same holder and target in that sentence that reads
    no direction of its own (the entity-pair rule's, a frame's that read the same denial): a
    denied side is no tag (docs/annotation.md). A candidate there with a direction of its
    own, from another stance word ("who never supported Y, attacked her"), stays."""
    denied = {(c.key, c.where) for c in found if c.denied}
    if not denied:
        return found
    return [c for c in found if not c.denied and not (c.prior == 0 and (c.key, c.where) in denied)]


def judgeable(found: list[Proposal]) -> list[Proposal]:
    """The candidates the model judges: those left by :func:`undenied`, but for any whose
    target is its holder (holder and target are never the same referent) and any of the
    entity-pair rule whose holder and target no other rule proposes in the article (a pair
    alone is no stance: :meth:`CandidateReader.candidates`, which extraction asks not to
    make them at all)."""
    proposed = {c.key for c in found if c.rule != "pair"}
    return [
        c
        for c in undenied(found)
        if c.key[0] != c.key[1] and (c.rule != "pair" or c.key in proposed)
    ]


class _Read(_Proposal, Protocol):
    @property
    def reading(self) -> int: ...


# A (holder, target) in one sentence: ``Candidate.key`` and ``Candidate.where``.
PairInSentence = tuple[tuple[str, str], tuple[str, int]]
Readings = dict[PairInSentence, int]


Key = TypeVar("Key")


def _agreed(directions: Iterable[tuple[Key, int]]) -> dict[Key, int]:
    """The one direction given for each key, where every direction given for it agrees."""
    seen: dict[Key, set[int]] = {}
    for key, direction in directions:
        seen.setdefault(key, set()).add(direction)
    return {key: next(iter(v)) for key, v in seen.items() if len(v) == 1}


def _opposed(direction: int, k: int) -> bool:
    """Is class ``k`` (1 favor, 2 against) the other way from a read ``direction`` (0: none)?"""
    return direction != 0 and (1 if direction > 0 else 2) != k


def readings(found: Sequence[_Read]) -> Readings:
    """The one direction the rules read toward each (holder, target) in each sentence, where
    they read one and agree (:attr:`Candidate.reading`)."""
    return _agreed(((c.key, c.where), c.reading) for c in found if c.reading)


def contradicts(c: _Read, k: int, read: Readings) -> bool:
    """Is ``c``, a candidate that reads no direction of its own (the entity-pair rule's),
    judged in class ``k`` against the direction a stance word read for its holder and
    target in its sentence? Then it is no tag: "vetoed a resolution against Israel" is
    read for Israel, and the pair rule, judged by the stance word "veto" alone, would call
    it against. Not turned round either: the rule's reading can be the wrong one."""
    return not c.reading and _opposed(read.get((c.key, c.where), 0), k)


Read = TypeVar("Read", bound=_Read)


def settle(
    judged: Sequence[tuple[Read, float, int]], read: Readings
) -> list[tuple[Read, float, int]]:
    """The judged candidates (candidate, confidence, class) left once the model and the
    rules disagree: a candidate without a reading judged against the rules' direction
    (:func:`contradicts`) is dropped, and so is every candidate of that holder, target and
    sentence that the model is less sure of than of the contrary judgement. Neither side
    wins a disagreement the model is unsure of: "vetoed a resolution against Israel" gives
    no tag, where the pair rule said against and the stance word for (a tag of the rule's
    side needs the model surer of it than of the contrary)."""
    contrary: dict[PairInSentence, float] = {}
    for c, p, k in judged:
        if contradicts(c, k, read):
            where = (c.key, c.where)
            contrary[where] = max(contrary.get(where, 0.0), p)
    said = stated(c for c, _, _ in judged)
    return [
        (c, p, k)
        for c, p, k in judged
        if not contradicts(c, k, read)
        and p >= contrary.get((c.key, c.where), 0.0)
        and not (c.prior == 0 and _opposed(said.get(c.key, 0), k))
    ]


# Rules whose direction is a stance word's toward its own object ("defended the reform").
_DIRECT_RULES = frozenset({"verb", "frame"})


def stated(found: Iterable[_Proposal]) -> dict[tuple[str, str], int]:
    """The one direction stance words state for each (holder, target) of an article, where
    they state one and agree. A candidate with no direction of its own (a quote's or a
    reported clause's, prior 0) is not judged the other way: "Marchand defended the reform"
    and, two sentences on, her '"This reform is about saving our pension system"' were a tag
    against the reform (0.74) from the quote alone."""
    return _agreed(
        (c.key, 1 if c.prior > 0 else -1) for c in found if c.prior and c.rule in _DIRECT_RULES
    )


def judge(
    found: list[Read], probabilities: Callable[[Read], Sequence[float]]
) -> list[tuple[Read, float, int]]:
    """Each candidate the model judges (:func:`judgeable`) with its confidence and class
    (:func:`side`), once the disagreements are settled (:func:`settle`): the one decision
    extraction and training (``train_stance._decide``) both make, so that they cannot drift
    apart."""
    kept = judgeable(found)
    judged = []
    for c in kept:
        probs = probabilities(c)
        k = side(probs, c.reading)
        judged.append((c, probs[k], k))
    return settle(judged, readings(kept))


def side(probs: Sequence[float], prior: int) -> int:
    """The class a candidate is judged in: favor (1) or against (2), whichever is likelier,
    except that a rule which read a direction toward an entity (``prior``,
    :attr:`Candidate.reading`) only lets its candidate be judged in that direction.

    Why: a source with few training examples ("Obama Endorses Clinton" as a headline verb)
    can come out against while its stance word says favor; a candidate whose model direction
    contradicts its own reading is left out, not turned round."""
    if prior > 0:
        return 1
    if prior < 0:
        return 2
    return 1 if probs[1] >= probs[2] else 2


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"\w+", text.lower().replace("\u2019", "'"))) + " "


def merge_nested(judged: Sequence[Judged]) -> list[Judged]:
    """Drop a judged candidate when a surer one has the same holder, sentence and direction
    and a target whose words contain its target's words, or the other way round.

    Why: the complement and frame rules read one clause twice ("X's record" and "X"); two
    tags would count one statement twice. Keeping the surer one at every threshold is what
    dropping the other gives, since whenever the weaker clears a threshold so does the surer.
    """
    kept: list[tuple[Judged, str]] = []  # with its target's words
    for item in sorted(judged, key=lambda j: -j[0]):
        _, stance, c = item
        words = _words(c.surface)
        if not any(
            k[1] == stance
            and k[2].holder.name == c.holder.name
            and k[2].sentence is c.sentence
            and (words in other or other in words)
            for k, other in kept
        ):
            kept.append((item, words))
    return [item for item, _ in kept]


def _tag(c: Candidate, stance: StanceValue, probability: float) -> StanceTag:
    return StanceTag(
        holder=c.holder.name,
        target=c.target.text,
        target_text=c.surface,
        target_kind=c.target.kind,
        stance=stance,
        confidence=round(probability, 3),
        predicate=c.cue or c.source,
        evidence=c.sentence.evidence(),
    )
