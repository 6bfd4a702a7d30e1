"""Evaluate the enricher against a gold JSONL dataset (``newsflow eval``).

Each line: ``{"id", "title", "body", "gold": {"entities": [{"name", "label"}],
"stances": [{"holder", "target", "stance"}]}}``; either gold list may be absent, and a task
is scored only on documents whose gold has it. Holders and targets match by the rules of
:mod:`pipeline.tools.matching`.

Figures come with bootstrap 95 % confidence intervals (documents resampled with a fixed
seed). Stance tags are collected with their confidence, so one run also gives the
precision-recall curve over thresholds and a reliability table.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from pipeline.enrich.mentions import name_key
from pipeline.models import RawArticle
from pipeline.tools.matching import holders_match, targets_match

if TYPE_CHECKING:
    from pipeline.enrich import Enricher

__all__ = ["EvalReport", "evaluate", "format_report", "load_dataset", "targets_match"]

STANCES = ("favor", "against", "neutral")
NONE = "none"
BOOTSTRAP_SAMPLES = 1000
THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(2, 20))


class Score(BaseModel):
    """Precision, recall and F1 from true positives, predictions and gold items."""

    tp: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, tp: int, predicted: int, gold: int) -> None:
        self.tp += tp
        self.predicted += predicted
        self.gold += gold

    def summary(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


class Interval(BaseModel):
    """A bootstrap 95 % interval of precision, recall and F1."""

    precision: tuple[float, float] = (0.0, 0.0)
    recall: tuple[float, float] = (0.0, 0.0)
    f1: tuple[float, float] = (0.0, 0.0)


class CurvePoint(BaseModel):
    threshold: float
    precision: float
    recall: float
    tags: int


class ReliabilityBin(BaseModel):
    """Tags whose confidence falls in [low, high): how many, and the share that is right."""

    low: float
    high: float
    tags: int
    correct: int


class DocErrors(BaseModel):
    """What one document got wrong, for reading the failures."""

    id: str
    missed_entities: list[str] = Field(default_factory=list)
    spurious_entities: list[str] = Field(default_factory=list)
    missed_stances: list[str] = Field(default_factory=list)
    spurious_stances: list[str] = Field(default_factory=list)


class _DocScores(BaseModel):
    """Per-document counts, kept for the bootstrap."""

    entities: Score | None = None
    entity_names: Score | None = None
    stances: Score | None = None


class EvalReport(BaseModel):
    """Figures over a dataset; ``model_dump_json()`` is the ``--json`` output."""

    dataset: str
    documents: int
    model_name: str
    model_version: str
    stance_threshold: float = 0.0
    seconds: float
    entities: Score = Field(default_factory=Score)
    entity_names: Score = Field(default_factory=Score)
    stances: Score = Field(default_factory=Score)
    intervals: dict[str, Interval] = Field(default_factory=dict)
    curve: list[CurvePoint] = Field(default_factory=list)
    reliability: list[ReliabilityBin] = Field(default_factory=list)
    confusion: dict[str, dict[str, int]] = Field(default_factory=dict)
    errors: list[DocErrors] = Field(default_factory=list)

    def figures(self) -> dict[str, dict[str, float]]:
        """The headline P/R/F1 figures, by task."""
        return {
            "entities (name+label)": self.entities.summary(),
            "entities (name only)": self.entity_names.summary(),
            "stances (holder+target+stance)": self.stances.summary(),
        }


def load_dataset(path: Path) -> list[dict[str, object]]:
    """Parse a JSONL gold file, skipping blank lines."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# (holder, target, target as written, stance, confidence)
Tag = tuple[str, str, str, str, float]
Triple = tuple[str, str, str]


def evaluate(enricher: Enricher, dataset: Path, threshold: float | None = None) -> EvalReport:
    """Run the enricher on every document of ``dataset`` and score it against the gold.

    Stance tags are scored at ``threshold`` (default: the enricher's own minimum
    confidence); the enricher should emit every tag (minimum 0) for the curve to be whole.
    """
    cut = enricher.settings.stance_min_confidence if threshold is None else threshold
    docs = load_dataset(dataset)
    report = EvalReport(
        dataset=str(dataset),
        documents=len(docs),
        model_name=enricher.model_name,
        model_version=enricher.model_version,
        stance_threshold=cut,
        seconds=0.0,
    )
    report.confusion = {g: dict.fromkeys((*STANCES, NONE), 0) for g in (*STANCES, NONE)}
    started = time.perf_counter()
    per_doc: list[_DocScores] = []
    all_tags: list[tuple[list[Tag], list[Triple]]] = []
    for doc in docs:
        article = _article(doc)
        enrichment = enricher.enrich(article)
        gold = doc.get("gold") or {}
        assert isinstance(gold, dict)
        errors = DocErrors(id=article.id)
        scores = _DocScores()
        if "entities" in gold:
            predicted_entities = [(e.name, e.label) for e in enrichment.entities]
            gold_entities = [(str(e["name"]), str(e["label"])) for e in gold["entities"]]
            scores.entities, scores.entity_names = _score_entities(
                errors, predicted_entities, gold_entities
            )
            report.entities.add(**scores.entities.model_dump())
            report.entity_names.add(**scores.entity_names.model_dump())
        if "stances" in gold:
            tags = [
                (s.holder, s.target, s.target_text, str(s.stance), s.confidence)
                for s in enrichment.stances
            ]
            gold_stances = [
                (str(s["holder"]), str(s["target"]), str(s["stance"])) for s in gold["stances"]
            ]
            all_tags.append((tags, gold_stances))
            kept = [t for t in tags if t[4] >= cut]
            scores.stances = _score_stances(report.confusion, errors, kept, gold_stances)
            report.stances.add(**scores.stances.model_dump())
        per_doc.append(scores)
        if any((errors.missed_entities, errors.spurious_entities)) or any(
            (errors.missed_stances, errors.spurious_stances)
        ):
            report.errors.append(errors)
    report.seconds = round(time.perf_counter() - started, 3)
    report.intervals = _bootstrap(per_doc)
    report.curve, report.reliability = _curve(all_tags)
    return report


def _article(doc: dict[str, object]) -> RawArticle:
    """The gold document as an article; a headline-only document (empty body, which the
    worker refuses) is built without validation: the enricher reads an empty body fine."""
    doc_id, title, body = str(doc["id"]), str(doc.get("title", "")), str(doc["body"])
    if not body.strip():
        return RawArticle.model_construct(id=doc_id, title=title, body=body)
    return RawArticle(id=doc_id, title=title, body=body)


def _score_entities(
    errors: DocErrors, predicted: list[tuple[str, str]], gold: list[tuple[str, str]]
) -> tuple[Score, Score]:
    exact_p = {(name_key(n), label) for n, label in predicted}
    exact_g = {(name_key(n), label) for n, label in gold}
    names_p, names_g = {k for k, _ in exact_p}, {k for k, _ in exact_g}
    errors.missed_entities = sorted(f"{n}/{lbl}" for n, lbl in exact_g - exact_p)
    errors.spurious_entities = sorted(f"{n}/{lbl}" for n, lbl in exact_p - exact_g)
    return (
        Score(tp=len(exact_p & exact_g), predicted=len(exact_p), gold=len(exact_g)),
        Score(tp=len(names_p & names_g), predicted=len(names_p), gold=len(names_g)),
    )


def _score_stances(
    confusion: dict[str, dict[str, int]] | None,
    errors: DocErrors | None,
    predicted: Sequence[Tag],
    gold: list[Triple],
) -> Score:
    """Pair gold and predicted tags by holder+target (one-to-one), then compare stances."""
    unmatched = list(predicted)
    tp = 0
    for g in gold:
        pair = _best_pair(g, unmatched)
        if pair is None:
            if confusion is not None:
                confusion[g[2]][NONE] += 1
            if errors is not None:
                errors.missed_stances.append(_show(g))
            continue
        unmatched.remove(pair)
        if confusion is not None:
            confusion[g[2]][pair[3]] += 1
        if pair[3] == g[2]:
            tp += 1
        elif errors is not None:
            errors.missed_stances.append(_show(g))
            errors.spurious_stances.append(_show((pair[0], pair[1], pair[3])))
    for p in unmatched:
        if confusion is not None:
            confusion[NONE][p[3]] += 1
        if errors is not None:
            errors.spurious_stances.append(_show((p[0], p[1], p[3])))
    return Score(tp=tp, predicted=len(predicted), gold=len(gold))


def _best_pair(gold: Triple, candidates: Sequence[Tag]) -> Tag | None:
    """The candidate with the same holder and target, preferring the same stance."""
    same = [
        c
        for c in candidates
        if holders_match(gold[0], c[0])
        and (targets_match(gold[1], c[2]) or targets_match(gold[1], c[1]))
    ]
    return next((c for c in same if c[3] == gold[2]), same[0] if same else None)


def _bootstrap(per_doc: list[_DocScores]) -> dict[str, Interval]:
    rng = random.Random(20261129)
    found: dict[str, Interval] = {}
    for task in ("entities", "entity_names", "stances"):
        scores = [s for d in per_doc if (s := getattr(d, task)) is not None]
        if not scores:
            continue
        samples: dict[str, list[float]] = {"precision": [], "recall": [], "f1": []}
        for _ in range(BOOTSTRAP_SAMPLES):
            total = Score()
            for s in rng.choices(scores, k=len(scores)):
                total.add(s.tp, s.predicted, s.gold)
            for key, value in total.summary().items():
                samples[key].append(value)
        found[task] = Interval(**{k: _percentiles(v) for k, v in samples.items()})
    return found


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    n = len(ordered)
    return (round(ordered[int(0.025 * n)], 4), round(ordered[min(n - 1, int(0.975 * n))], 4))


def _curve(
    docs: list[tuple[list[Tag], list[Triple]]],
) -> tuple[list[CurvePoint], list[ReliabilityBin]]:
    """Precision and recall at each threshold; the share of right tags per confidence bin."""
    points: list[CurvePoint] = []
    for t in THRESHOLDS:
        total = Score()
        for tags, gold in docs:
            s = _score_stances(None, None, [x for x in tags if x[4] >= t], gold)
            total.add(s.tp, s.predicted, s.gold)
        points.append(
            CurvePoint(
                threshold=t, precision=total.precision, recall=total.recall, tags=total.predicted
            )
        )
    bins = [
        ReliabilityBin(low=round(b / 10, 1), high=round((b + 1) / 10, 1), tags=0, correct=0)
        for b in range(10)
    ]
    for tags, gold in docs:
        for tag in tags:
            right = _score_stances(None, None, [tag], gold).tp
            b = bins[min(9, int(tag[4] * 10))]
            b.tags += 1
            b.correct += right
    return points, [b for b in bins if b.tags]


def _show(t: Triple) -> str:
    return f"{t[0]} {t[2]} {t[1]}"


def _row(name: str, s: Score, interval: Interval | None) -> str:
    line = (
        f"{name:34} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} "
        f"{s.tp:5d} {s.predicted:5d} {s.gold:5d}"
    )
    if interval is not None:
        line += "   " + "  ".join(
            f"{k[0].upper()} [{lo:.2f}, {hi:.2f}]"
            for k, (lo, hi) in (
                ("p", interval.precision),
                ("r", interval.recall),
                ("f", interval.f1),
            )
        )
    return line


def format_report(report: EvalReport, details: bool = False) -> str:
    """A readable table of the figures, their intervals, the curve and the confusion."""
    lines = [
        f"dataset: {report.dataset} ({report.documents} documents, {report.seconds:.2f}s, "
        f"model {report.model_name} {report.model_version}, "
        f"stance threshold {report.stance_threshold:.2f})",
        "",
        f"{'task':34} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'pred':>5} {'gold':>5}"
        "   bootstrap 95 % intervals",
    ]
    scores = [
        ("entities (name+label)", "entities", report.entities),
        ("entities (name only)", "entity_names", report.entity_names),
        ("stances (holder+target+stance)", "stances", report.stances),
    ]
    for name, key, s in scores:
        if key in report.intervals or s.gold or s.predicted:
            lines.append(_row(name, s, report.intervals.get(key)))
    if report.curve:
        lines += ["", "stance precision / recall by threshold"]
        lines += [
            f"  >= {p.threshold:.2f}: P {p.precision:.3f}  R {p.recall:.3f}  ({p.tags} tags)"
            for p in report.curve
        ]
    if report.reliability:
        lines += ["", "reliability (confidence bin: tags, share right)"]
        lines += [
            f"  [{b.low:.1f}, {b.high:.1f}): {b.tags:5d}  {b.correct / b.tags:.3f}"
            for b in report.reliability
        ]
    labels = (*STANCES, NONE)
    lines += ["", "stance confusion (rows gold, columns predicted; none = no matching tag)"]
    lines.append(f"{'':10}" + "".join(f"{label:>9}" for label in labels))
    for g in labels:
        row = report.confusion.get(g, {})
        lines.append(f"{g:10}" + "".join(f"{row.get(p, 0):9d}" for p in labels))
    if details:
        lines += ["", "errors:"]
        for e in report.errors:
            lines.append(f"  {e.id}")
            for title, items in (
                ("missed entity", e.missed_entities),
                ("spurious entity", e.spurious_entities),
                ("missed stance", e.missed_stances),
                ("spurious stance", e.spurious_stances),
            ):
                lines += [f"    {title}: {item}" for item in items]
    return "\n".join(lines)
