#!/usr/bin/env python3
"""Entity tone as a consumer reads it: NewsMTSC targets scored on the enriched output.

  .venv/bin/python scripts/tone_e2e.py [--data train.jsonl] [--mode sentence|article]
      [--limit N] [--json]

The tone model's cross-validation (``newsflow train tone``) scores each target mention with
its gold span given. A consumer has no gold span: it reads ``entities[].tone`` and
``tone_label`` of the enriched article, and a target NER missed, or a pronoun with nothing to
refer to, has no entity and so no tone at all. This script measures that, honestly:

* the sentences are split into 5 folds grouped by article (the folds of the tone model's
  cross-validation); for each fold a tone model is fitted on the other four (the shipped
  model's ``C`` and temperature) and the held-out sentences go through the real ``Enricher``
  with it, so no sentence is scored by a model that saw it;
* ``--mode sentence`` enriches each sentence as its own article (as a feed of single
  sentences would), ``--mode article`` joins each article's sentences into one body;
* each gold target is matched to the entity one of whose mentions or references (pronouns
  resolved to it) overlaps its span; an unmatched target is *uncovered*.

Printed: coverage (all targets, pronoun targets, name targets), macro-F1 of the entity's
``tone_label`` and of the matched mention's own ``tone_label`` on the covered targets and on
all (an uncovered target counted as a neutral prediction),
the same for ``tone`` cut at VADER's +-0.05, and VADER on the sentence for all targets.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import EnrichSettings  # noqa: E402
from pipeline.enrich import Enricher  # noqa: E402
from pipeline.enrich.tone_model import ToneModel  # noqa: E402
from pipeline.models import Enrichment, RawArticle  # noqa: E402
from pipeline.tools import train_tone as tt  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "newsmtsc" / "train.jsonl"
PRONOUNS = frozenset(
    [
        "i",
        "me",
        "my",
        "we",
        "us",
        "our",
        "you",
        "your",
        "he",
        "him",
        "his",
        "she",
        "her",
        "hers",
        "they",
        "them",
        "their",
        "it",
        "its",
        "himself",
        "herself",
        "themselves",
        "itself",
    ]
)
LABELS = ("negative", "neutral", "positive")


def _class_of(tone: float | None, cut: float = 0.05) -> int:
    if tone is None:
        return 1
    return 2 if tone >= cut else 0 if tone <= -cut else 1


def _fold_models(data: Path) -> list[tuple[set[str], ToneModel]]:
    """(held-out articles, a tone model fitted without them) for each fold."""
    shipped = ToneModel.load()
    c, temperature = float(shipped.meta["c"]), float(shipped.meta["temperature"])
    dataset = tt.load_dataset(data)
    out = []
    with tt._one_thread():
        for train_idx, test_idx in tt._folds(dataset.labels, dataset.groups, 5, 13):
            fitted = tt._fit(
                [dataset.feats[i] for i in train_idx], dataset.labels[train_idx], c, 13
            )
            model = ToneModel(fitted.to_linear(temperature, dict(shipped.meta)))
            out.append(({dataset.groups[i] for i in test_idx}, model))
    return out


def _articles(rows: list[dict[str, Any]], mode: str) -> list[tuple[str, str, list[Any]]]:
    """(article group, body, [(row, offset of its sentence in the body)])."""
    if mode == "sentence":
        return [(tt.article_id(r["primary_gid"]), r["sentence_normalized"], [(r, 0)]) for r in rows]
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        grouped[tt.article_id(r["primary_gid"])].append(r)
    found = []
    for group, members in grouped.items():
        parts, placed, at = [], [], 0
        for r in members:
            placed.append((r, at))
            parts.append(r["sentence_normalized"])
            at += len(r["sentence_normalized"]) + 1
        found.append((group, " ".join(parts), placed))
    return found


def _found_at(enriched: Enrichment, start: int, end: int) -> tuple[Any, Any]:
    """The entity and its mention or reference (a resolved pronoun) overlapping the span."""
    for e in enriched.entities:
        for m in (*e.mentions, *e.references):
            if m.field == "body" and m.start < end and start < m.end:
                return e, m
    return None, None


def _f1(truth: list[int], pred: list[int]) -> float:
    return round(tt._macro_f1(np.asarray(truth), np.asarray(pred)), 4)


def _both(truth: list[int], pred: list[int], covered: list[int]) -> dict[str, float]:
    """Macro-F1 on the covered targets and on all of them."""
    return {
        "macro_f1_covered": _f1([truth[i] for i in covered], [pred[i] for i in covered]),
        "macro_f1_all": _f1(truth, pred),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--mode", choices=["sentence", "article"], default="sentence")
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = [json.loads(x) for x in args.data.read_text(encoding="utf-8").splitlines() if x]
    folds = _fold_models(args.data)
    articles = _articles(rows, args.mode)
    if args.limit:
        articles = articles[: args.limit]
    enricher = Enricher(EnrichSettings())
    analyser = SentimentIntensityAnalyzer()
    truth: list[int] = []
    label_pred: list[int] = []
    mention_pred: list[int] = []
    cut_pred: list[int] = []
    vader_pred: list[int] = []
    covered: list[bool] = []
    kinds: Counter[tuple[str, bool]] = Counter()
    for n, (group, body, placed) in enumerate(articles):
        model = next(m for held, m in folds if group in held)
        enricher._tone_model = model  # the fold's model: never one that saw this article
        enriched = enricher.enrich(RawArticle(id=f"e2e-{n}", title="", body=body))
        for r, offset in placed:
            vader = tt.vader_label(analyser.polarity_scores(r["sentence_normalized"])["compound"])
            for t in r["targets"]:
                a, b = offset + int(t["from"]), offset + int(t["to"])
                e, m = _found_at(enriched, a, b)
                label = tt._LABELS[float(t["polarity"])]
                truth.append(label)
                hit = e is not None and e.tone is not None
                covered.append(hit)
                kind = "pronoun" if t["mention"].lower() in PRONOUNS else "name"
                kinds[(kind, hit)] += 1
                label_pred.append(LABELS.index(e.tone_label) if hit else 1)
                mention_pred.append(LABELS.index(m.tone_label) if hit and m.tone_label else 1)
                cut_pred.append(_class_of(e.tone if hit else None))
                vader_pred.append(vader)
        if n % 500 == 0:
            print(f"{n}/{len(articles)} articles", file=sys.stderr)
    idx = [i for i, c in enumerate(covered) if c]
    report = {
        "mode": args.mode,
        "articles": len(articles),
        "targets": len(truth),
        "covered": len(idx),
        "coverage": round(len(idx) / max(len(truth), 1), 4),
        "by_kind": {
            f"{k}{'' if hit else ' (uncovered)'}": v for (k, hit), v in sorted(kinds.items())
        },
        "tone_label": _both(truth, label_pred, idx),
        "mention_tone_label": _both(truth, mention_pred, idx),
        "tone_cut_0.05": _both(truth, cut_pred, idx),
        "vader_sentence": _both(truth, vader_pred, idx),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for k, v in report.items():
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
