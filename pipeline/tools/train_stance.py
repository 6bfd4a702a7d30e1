"""Train the stance model on the development half of the gold set (``newsflow train stance``).

Every candidate the rules propose on a development document is labelled by the gold tags
(holder and target matched as :mod:`pipeline.tools.evaluate` matches them): ``favor``,
``against`` or ``none``. A multinomial logistic regression is fitted on their features with a
fixed seed; grouped cross-validation over documents (three shuffles into folds, their curves
averaged) picks the regularisation and the threshold and reports the figures. The test half
is never read here.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.enrich import Enricher
from pipeline.enrich.candidates import Candidate, CandidateReader
from pipeline.enrich.linear import Features, LinearModel
from pipeline.enrich.stance import judge, merge_nested
from pipeline.enrich.stance_model import (
    CLASSES,
    FEATURE_SET_VERSION,
    features,
    sources_by_pair,
)
from pipeline.models import RawArticle
from pipeline.tools.matching import holders_match, targets_match

C_GRID = (0.03, 0.05, 0.1)
# The operating point the regularisation is chosen for: most recall at this precision.
TARGET_PRECISION = 0.7
FOLDS = 5
# Fold shuffles whose curves are averaged. Over the ~1,700 training documents one shuffle
# moves the best recall clearing the standard by up to 0.02 for one ``C`` (0.139 to 0.157),
# more than the grid's ``C`` values differ by, so a single shuffle picks ``C`` and the
# threshold by chance and a change of a dozen candidates can flip both.
REPEATS = 3
# The thresholds the curves are read at: every hundredth, so that the operating point moves
# with the data by a hundredth, not by a twentieth. On a 0.05 grid a precision 0.007 lower at
# one point (0.751 to 0.744, 16 candidates of 36,600 changed) dropped it below the standard
# there and cost 0.018 of recall at the next point up.
THRESHOLDS: tuple[float, ...] = tuple(round(x / 100, 2) for x in range(10, 96))


@dataclass(frozen=True)
class Example:
    doc: int
    candidate: Candidate
    feats: Features
    label: str
    gold_index: int | None = None  # which gold tag of the document it names


def gold_of(c: Candidate, gold: list[dict[str, Any]]) -> tuple[str, int | None]:
    """The gold stance of the tag this candidate names and its index, or ``none``."""
    for i, g in enumerate(gold):
        if holders_match(str(g["holder"]), c.holder.name) and (
            targets_match(str(g["target"]), c.surface)
            or targets_match(str(g["target"]), c.target.text)
        ):
            return str(g["stance"]), i
    return "none", None


def label_of(c: Candidate, gold: list[dict[str, Any]]) -> str:
    """The gold stance of the tag this candidate names, or ``none``."""
    return gold_of(c, gold)[0]


def examples(enricher: Enricher, datasets: list[Path]) -> tuple[list[Example], int]:
    """Labelled candidates of every document, and the number of gold tags."""
    found: list[Example] = []
    gold_total = 0
    lines = [x for d in datasets for x in d.read_text(encoding="utf-8").splitlines() if x.strip()]
    for i, line in enumerate(lines):
        raw = json.loads(line)
        article = RawArticle(id=raw["id"], title=raw.get("title", ""), body=raw["body"])
        doc, _ = enricher.read(article)
        gold = raw["gold"]["stances"]
        gold_total += len(gold)
        # the pairs no other rule proposes too: never judged, but examples of no stance
        candidates = CandidateReader(doc, enricher.catalogue).candidates(pairs_alone=True)
        sources = sources_by_pair(candidates)
        for c in candidates:
            label, index = gold_of(c, gold)
            found.append(Example(i, c, features(c, sources), label, index))
    return found, gold_total


def _fit(train: list[Example], c_value: float, seed: int) -> LinearModel:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer(sort=True)
    x = vec.fit_transform([e.feats for e in train])
    y = [CLASSES.index(e.label) for e in train]
    if len(set(y)) != len(CLASSES):
        raise ValueError("the training data needs examples of none, favor and against")
    clf = LogisticRegression(C=c_value, max_iter=5000, random_state=seed)
    clf.fit(x, y)
    weights = {
        str(name): [float(clf.coef_[k][j]) for k in range(len(CLASSES))]
        for j, name in enumerate(vec.get_feature_names_out())
        if any(abs(clf.coef_[k][j]) > 1e-6 for k in range(len(CLASSES)))
    }
    return LinearModel(CLASSES, weights, [float(b) for b in clf.intercept_])


def _folds(n_docs: int, seed: int) -> list[set[int]]:
    import random

    order = list(range(n_docs))
    random.Random(seed).shuffle(order)
    return [set(order[k::FOLDS]) for k in range(FOLDS)]


def _by_doc(exs: list[Example]) -> dict[int, list[Candidate]]:
    found: dict[int, list[Candidate]] = {}
    for e in exs:
        found.setdefault(e.doc, []).append(e.candidate)
    return found


# (confidence, predicted stance, gold label, the gold tag it names as (document, index))
Decision = tuple[float, str, str, tuple[int, int] | None]


def _decide(model: LinearModel, exs: list[Example]) -> list[Decision]:
    """Best candidate per (document, holder, target), nested targets merged, as the
    extractor decides."""
    best: dict[tuple[int, str, str], tuple[float, str, Candidate]] = {}
    example_of: dict[int, Example] = {}
    examples = {id(e.candidate): e for e in exs}
    for doc, found in _by_doc(exs).items():
        for c, confidence, k in judge(found, lambda c: model.probabilities(examples[id(c)].feats)):
            key = (doc, *c.key)
            if key not in best or best[key][0] < confidence:
                best[key] = (confidence, CLASSES[k], c)
                example_of[id(c)] = examples[id(c)]
    by_doc: dict[int, list[tuple[float, str, Candidate]]] = {}
    for (doc, _, _), item in best.items():
        by_doc.setdefault(doc, []).append(item)
    decisions: list[Decision] = []
    for items in by_doc.values():
        for confidence, stance, c in merge_nested(items):
            e = example_of[id(c)]
            named = None if e.gold_index is None else (e.doc, e.gold_index)
            decisions.append((confidence, stance, e.label, named))
    return decisions


def curve(decisions: list[Decision], gold: int) -> list[dict[str, float]]:
    """Tag-level precision and recall at each threshold; as in ``newsflow eval``, a gold tag
    is found at most once (a second tag naming it counts as wrong)."""
    points: list[dict[str, float]] = []
    for t in THRESHOLDS:
        emitted = sorted((d for d in decisions if d[0] >= t), key=lambda d: -d[0])
        found: set[tuple[int, int]] = set()
        correct = 0
        for _, pred, label, named in emitted:
            if pred == label and named not in found:
                correct += 1
                if named is not None:
                    found.add(named)
        p = correct / len(emitted) if emitted else 1.0
        points.append(
            {"threshold": t, "precision": p, "recall": correct / gold, "tags": len(emitted)}
        )
    return points


def cross_validate(
    exs: list[Example],
    gold: int,
    seed: int,
    c_grid: tuple[float, ...] = C_GRID,
    repeats: int = REPEATS,
) -> dict[str, Any]:
    """Tag-level curves per regularisation ``C``: each the mean of ``repeats`` curves, each
    from 5 folds over documents shuffled by its own seed (``seed``, ``seed + 1``, ...)."""
    n_docs = max(e.doc for e in exs) + 1
    splits = [_folds(n_docs, seed + r) for r in range(repeats)]
    results: dict[str, Any] = {}
    for c_value in c_grid:
        curves = []
        for folds in splits:
            decisions: list[Decision] = []
            for held in folds:
                model = _fit([e for e in exs if e.doc not in held], c_value, seed)
                decisions += _decide(model, [e for e in exs if e.doc in held])
            curves.append(curve(decisions, gold))
        results[str(c_value)] = mean_curve(curves)
    return results


def mean_curve(curves: list[list[dict[str, float]]]) -> list[dict[str, float]]:
    """Point by point mean of curves over the same thresholds (precision, recall and tags
    alike, so a point's standard error is still that of one pass over the documents)."""
    return [
        {
            "threshold": points[0]["threshold"],
            **{k: sum(p[k] for p in points) / len(points) for k in points[0] if k != "threshold"},
        }
        for points in zip(*curves, strict=True)
    ]


# How many standard errors a precision must clear the target by. Two, not one: on the
# second held-out set (other annotators, tests/data/gold/stance_heldout2.jsonl) the model
# shipped before this rule had precision 0.63 at the default threshold where
# cross-validation said 0.76, so news from other sources is further from the training than
# a held-out fold, and a threshold one error clear of 0.70 lands below it more often than
# the one time in six the error promises.
STANDARD_ERRORS = 2


def _clears(p: dict[str, float]) -> bool:
    """Does this point's precision clear ``TARGET_PRECISION`` by ``STANDARD_ERRORS``
    standard errors of its own estimate (binomial, over the tags it emits)?"""
    tags, precision = p["tags"], p["precision"]
    if not tags:
        return False
    error = math.sqrt(precision * (1 - precision) / tags)
    return precision - STANDARD_ERRORS * error >= TARGET_PRECISION


def _best_recall(points: list[dict[str, float]]) -> float:
    """The most recall at a threshold that clears the target precision (:func:`_clears`):
    the regularisation is chosen by the standard the default threshold is (a ``C`` whose
    precision only touches 0.70 at one threshold wins there by chance)."""
    return max((p["recall"] for p in points if _clears(p)), default=0.0)


def choose_c(cv: dict[str, list[dict[str, float]]], gold: int) -> str:
    """The regularisation: the strongest (smallest ``C``) whose best recall at the standard
    (:func:`_best_recall`) is within one standard error of the best ``C``'s.

    The grid's values come within a few thousandths of recall of each other, less than one
    standard error of the estimate (binomial over the gold tags, ~0.009 at recall 0.16 of
    1,500 tags), so the plain best flips between them when a dozen candidates change; among
    values the data cannot tell apart the most regularised is taken, the one least fitted to
    the training's sources."""
    best = max(_best_recall(points) for points in cv.values())
    error = math.sqrt(best * (1 - best) / gold) if gold else 0.0
    return min((c for c, points in cv.items() if _best_recall(points) >= best - error), key=float)


def operating_point(points: list[dict[str, float]]) -> float:
    """The lowest threshold whose cross-validated precision clears ``TARGET_PRECISION``
    (:func:`_clears`).

    The curve is an estimate from about a thousand gold tags, and news the model has never
    seen is further from its training than a held-out fold: a threshold whose precision only
    touches the target in cross-validation lands below it about half the time."""
    for p in sorted(points, key=lambda p: p["threshold"]):
        if _clears(p):
            return p["threshold"]
    return 0.95


def train(
    enricher: Enricher, datasets: list[Path], out: Path, seed: int = 13, repeats: int = REPEATS
) -> dict[str, Any]:
    exs, gold = examples(enricher, datasets)
    positive_pairs = len({(e.doc, *e.candidate.key) for e in exs if e.label != "none"})
    cv = cross_validate(exs, gold, seed, repeats=repeats)
    best_c = choose_c(cv, gold)
    model = _fit(exs, float(best_c), seed)
    digest = hashlib.sha256(b"".join(d.read_bytes() for d in datasets)).hexdigest()
    meta = {
        "version": f"{__version__}+stance.{digest[:8]}",
        "feature_set_version": FEATURE_SET_VERSION,
        "trained_on": [d.name for d in datasets],
        "data_sha256": digest,
        "seed": seed,
        "C": float(best_c),
        "candidates": len(exs),
        "gold_tags": gold,
        "candidate_pairs_matching_a_gold_tag": positive_pairs,
    }
    meta["cv_repeats"] = repeats
    meta["cv_curve"] = [{k: round(v, 4) for k, v in p.items()} for p in cv[best_c]]
    meta["suggested_min_confidence"] = operating_point(cv[best_c])
    model = LinearModel(model.classes, model.weights, model.intercepts, 1.0, meta)
    out.write_text(model.to_json(), encoding="utf-8")
    return {"meta": meta, "cv": cv[best_c]}
