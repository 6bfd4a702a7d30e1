"""Evaluate the enricher against a gold JSONL dataset (``newsflow eval``).

Each line: ``{"id", "title", "body", "gold": {"entities": [{"name", "label"}],
"stances": [{"holder", "target", "stance"}]}}``. Names match when equal under the
enricher's name key (case, a leading "the", a possessive and country-name variants are
ignored). Targets match when equal after lower-casing and dropping articles and
punctuation; a gold catalogue id without a qualifier matches any qualifier of that id; two
phrase targets also match when the content words of one contain the other's.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from pipeline.enrich.mentions import name_key
from pipeline.models import RawArticle

if TYPE_CHECKING:
    from pipeline.enrich import Enricher

STANCES = ("favor", "against", "neutral")
NONE = "none"
_STOP = frozenset({"the", "a", "an", "of", "to", "on", "for", "in", "with", "s"})


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


class DocErrors(BaseModel):
    """What one document got wrong, for reading the failures."""

    id: str
    missed_entities: list[str] = Field(default_factory=list)
    spurious_entities: list[str] = Field(default_factory=list)
    missed_stances: list[str] = Field(default_factory=list)
    spurious_stances: list[str] = Field(default_factory=list)


class EvalReport(BaseModel):
    """Figures over a dataset; ``model_dump_json()`` is the ``--json`` output."""

    dataset: str
    documents: int
    model_name: str
    model_version: str
    seconds: float
    entities: Score = Field(default_factory=Score)
    entity_names: Score = Field(default_factory=Score)
    stances: Score = Field(default_factory=Score)
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


def evaluate(enricher: Enricher, dataset: Path) -> EvalReport:
    """Run the enricher on every document of ``dataset`` and score it against the gold."""
    docs = load_dataset(dataset)
    report = EvalReport(
        dataset=str(dataset),
        documents=len(docs),
        model_name=enricher.model_name,
        model_version=enricher.model_version,
        seconds=0.0,
    )
    report.confusion = {g: dict.fromkeys((*STANCES, NONE), 0) for g in (*STANCES, NONE)}
    started = time.perf_counter()
    for doc in docs:
        article = _article(doc)
        enrichment = enricher.enrich(article)
        gold = doc.get("gold") or {}
        assert isinstance(gold, dict)
        errors = DocErrors(id=article.id)
        predicted_entities = [(e.name, e.label) for e in enrichment.entities]
        gold_entities = [(str(e["name"]), str(e["label"])) for e in gold.get("entities", [])]
        _score_entities(report, errors, predicted_entities, gold_entities)
        predicted_stances = [(s.holder, s.target, str(s.stance)) for s in enrichment.stances]
        gold_stances = [
            (str(s["holder"]), str(s["target"]), str(s["stance"])) for s in gold.get("stances", [])
        ]
        _score_stances(report, errors, predicted_stances, gold_stances)
        if any((errors.missed_entities, errors.spurious_entities)) or any(
            (errors.missed_stances, errors.spurious_stances)
        ):
            report.errors.append(errors)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _article(doc: dict[str, object]) -> RawArticle:
    """The gold document as an article; a headline-only document (empty body, which the
    worker refuses) is built without validation: the enricher reads an empty body fine."""
    doc_id, title, body = str(doc["id"]), str(doc.get("title", "")), str(doc["body"])
    if not body.strip():
        return RawArticle.model_construct(id=doc_id, title=title, body=body)
    return RawArticle(id=doc_id, title=title, body=body)


def _score_entities(
    report: EvalReport,
    errors: DocErrors,
    predicted: list[tuple[str, str]],
    gold: list[tuple[str, str]],
) -> None:
    exact_p = {(name_key(n), label) for n, label in predicted}
    exact_g = {(name_key(n), label) for n, label in gold}
    report.entities.add(len(exact_p & exact_g), len(exact_p), len(exact_g))
    names_p, names_g = {k for k, _ in exact_p}, {k for k, _ in exact_g}
    report.entity_names.add(len(names_p & names_g), len(names_p), len(names_g))
    errors.missed_entities = sorted(f"{n}/{lbl}" for n, lbl in exact_g - exact_p)
    errors.spurious_entities = sorted(f"{n}/{lbl}" for n, lbl in exact_p - exact_g)


Triple = tuple[str, str, str]


def _score_stances(
    report: EvalReport, errors: DocErrors, predicted: list[Triple], gold: list[Triple]
) -> None:
    """Pair gold and predicted tags by holder+target (one-to-one), then compare stances."""
    unmatched = list(predicted)
    tp = 0
    for g in gold:
        pair = _best_pair(g, unmatched)
        if pair is None:
            report.confusion[g[2]][NONE] += 1
            errors.missed_stances.append(_show(g))
            continue
        unmatched.remove(pair)
        report.confusion[g[2]][pair[2]] += 1
        if pair[2] == g[2]:
            tp += 1
        else:
            errors.missed_stances.append(_show(g))
            errors.spurious_stances.append(_show(pair))
    for p in unmatched:
        report.confusion[NONE][p[2]] += 1
        errors.spurious_stances.append(_show(p))
    report.stances.add(tp, len(predicted), len(gold))


def _best_pair(gold: Triple, candidates: Iterable[Triple]) -> Triple | None:
    """The candidate with the same holder and target, preferring the same stance."""
    same = [
        c
        for c in candidates
        if name_key(c[0]) == name_key(gold[0]) and targets_match(gold[1], c[1])
    ]
    return next((c for c in same if c[2] == gold[2]), same[0] if same else None)


def _norm_target(target: str) -> list[str]:
    return re.findall(r"[a-z0-9_]+", target.lower().replace("'s", ""))


def targets_match(gold: str, predicted: str) -> bool:
    """Same target, allowing an unqualified catalogue id and phrase containment."""
    if name_key(gold) == name_key(predicted):
        return True
    g, p = _norm_target(gold), _norm_target(predicted)
    if g == p:
        return True
    unqualified_id = len(g) == 1
    if unqualified_id and len(p) == 2 and p[0] == g[0] and predicted.endswith(")"):
        return True  # gold "ceasefire" matches "ceasefire (limited)"
    content_g = {w for w in g if w not in _STOP}
    content_p = {w for w in p if w not in _STOP}
    if not content_g or not content_p or any("_" in w for w in content_g | content_p):
        return False
    return content_g <= content_p or content_p <= content_g


def _show(t: Triple) -> str:
    return f"{t[0]} {t[2]} {t[1]}"


def format_report(report: EvalReport, details: bool = False) -> str:
    """A readable table of the figures and the stance confusion matrix."""
    lines = [
        f"dataset: {report.dataset} ({report.documents} documents, {report.seconds:.2f}s, "
        f"model {report.model_name} {report.model_version})",
        "",
        f"{'task':34} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'pred':>5} {'gold':>5}",
    ]
    scores = [
        ("entities (name+label)", report.entities),
        ("entities (name only)", report.entity_names),
        ("stances (holder+target+stance)", report.stances),
    ]
    for name, s in scores:
        lines.append(
            f"{name:34} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} "
            f"{s.tp:5d} {s.predicted:5d} {s.gold:5d}"
        )
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
