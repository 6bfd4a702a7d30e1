"""Entity F1 per kind of text: the bare spaCy model against the Newsflow pipeline.

Reads the gold files ``tests/data/gold/entities_{prose,headlines,caps,datelines,results}.jsonl``
(rules in docs/entity-annotation.md). For each document, (a) the bare model's ``doc.ents`` on
the title and the body as written and (b) the enricher's entities are compared with the gold
as sets of (name key, label) and of name keys, the way ``newsflow eval`` does
(``name_key``). Only the gold's five labels are compared (PERSON, ORG, GPE, NORP, LOC): a
prediction with another label is left out for both systems. Counts are summed per kind;
95 % intervals come from 1,000 bootstrap resamples of the documents (seed 0).

Usage: python scripts/entity_compare.py [--markdown] [--errors KIND]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402

from pipeline.config import EnrichSettings  # noqa: E402
from pipeline.enrich import Enricher  # noqa: E402
from pipeline.enrich.mentions import name_key  # noqa: E402
from pipeline.tools.evaluate import _article  # noqa: E402

KINDS = ("prose", "headlines", "caps", "datelines", "results", "stories_dev", "stories_test")
LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC"})
GOLD = ROOT / "tests/data/gold"
Pairs = set[tuple[str, str]]
Counts = tuple[int, int, int]  # true positives, predicted, gold


def _pairs(items: list[tuple[str, str]]) -> Pairs:
    return {(name_key(name), label) for name, label in items if label in LABELS}


def _counts(pred: Pairs, gold: Pairs, names_only: bool) -> Counts:
    if names_only:
        p, g = {k for k, _ in pred}, {k for k, _ in gold}
        return len(p & g), len(p), len(g)
    return len(pred & gold), len(pred), len(gold)


def _f1(counts: list[Counts]) -> float:
    tp, pred, gold = (sum(c[i] for c in counts) for i in range(3))
    return 2 * tp / (pred + gold) if pred + gold else 0.0


def _interval(counts: list[Counts], rng: random.Random) -> tuple[float, float]:
    stats = sorted(_f1(rng.choices(counts, k=len(counts))) for _ in range(1000))
    return stats[25], stats[974]


def _score(preds: list[Pairs], golds: list[Pairs], names_only: bool) -> str:
    counts = [_counts(p, g, names_only) for p, g in zip(preds, golds, strict=True)]
    low, high = _interval(counts, random.Random(0))
    return f"{_f1(counts):.2f} [{low:.2f}, {high:.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--errors", choices=KINDS, help="list the pipeline's errors on a kind")
    args = parser.parse_args()
    settings = EnrichSettings()
    bare = spacy.load(settings.model)
    enricher = Enricher(settings)
    rows: list[list[str]] = []
    for kind in KINDS:
        docs = [json.loads(line) for line in (GOLD / f"entities_{kind}.jsonl").open()]
        golds, bare_preds, pipe_preds = [], [], []
        for doc in docs:
            gold = _pairs([(e["name"], e["label"]) for e in doc["gold"]["entities"]])
            texts = [t for t in (doc["title"], doc["body"]) if t.strip()]
            ents = [(e.text, e.label_) for text in texts for e in bare(text).ents]
            article = _article(doc)
            found = [(e.name, e.label) for e in enricher.enrich(article).entities]
            golds.append(gold)
            bare_preds.append(_pairs(ents))
            pipe_preds.append(_pairs(found))
            if args.errors == kind and _pairs(found) != gold:
                text = (doc["title"] + " " + doc["body"]).strip().replace("\n", " / ")
                print(f"{text[:110]}\n  missed {sorted(gold - _pairs(found))}")
                print(f"  extra  {sorted(_pairs(found) - gold)}")
        n_ents = sum(len(g) for g in golds)
        rows.append(
            [
                kind,
                f"{len(docs)} / {n_ents}",
                _score(bare_preds, golds, False),
                _score(pipe_preds, golds, False),
                _score(bare_preds, golds, True),
                _score(pipe_preds, golds, True),
            ]
        )
    head = ["text", "docs / entities", "bare name+label", "Newsflow name+label"]
    head += ["bare name only", "Newsflow name only"]
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + " --- |" * len(head))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        for row in [head, *rows]:
            print("  ".join(f"{cell:>20}" for cell in row))


if __name__ == "__main__":
    main()
