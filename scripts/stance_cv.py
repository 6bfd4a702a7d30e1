#!/usr/bin/env python3
"""Cross-validate stance feature variants in seconds, as ``newsflow train stance`` would.

  .venv/bin/python scripts/stance_cv.py cache /tmp/stance_cv.pkl [DATA ...]
  .venv/bin/python scripts/stance_cv.py run /tmp/stance_cv.pkl [--variant V ...] [--C 0.03 ...]

``cache`` parses the development and training parts of the real-news gold set (never the
test part; DATA overrides), labels every candidate as training does, and pickles a light
copy of each: the shipped model's features plus the raw material of the variants below
(the lemmas on the dependency path, the stance word crossed with negation and quote, the
``doc.tensor`` rows of the anchor, the target and their common ancestor).
``run`` adds the chosen variants to the features and scores them with
:func:`pipeline.tools.train_stance.cross_validate` (same folds, seed, merging of nested
targets and tag-level scoring as training), printing for each ``C`` the most recall at
precision >= 0.70 and precision / recall at the default threshold (the setting's).

Variants:
  grouped   every feature also prefixed by its rule group (P: the entity-pair rule, S: the
            structured rules), so that each group gets its own correction
  lexical   path lemmas, the stance word x negation x quote, the common ancestor x negation
  vectors   the en_core_web_sm tensors (96-d) of anchor, target and common ancestor
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from spacy.tokens import Token

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import EnrichSettings  # noqa: E402
from pipeline.tools.train_stance import (  # noqa: E402
    TARGET_PRECISION,
    Example,
    cross_validate,
)

GOLD = ROOT / "tests" / "data" / "gold"
DEFAULT_DATA = [
    GOLD / "stance_dev.jsonl",
    GOLD / "stance_train.jsonl",
    GOLD / "stance_lee_train.jsonl",
]
# the setting's shipped default (the model's suggested operating point; a unit test keeps
# them equal), not a value the environment may set
DEFAULT_THRESHOLD: float = EnrichSettings.model_fields["stance_min_confidence"].default


@dataclass(frozen=True)
class Holder:
    name: str


@dataclass(frozen=True)
class Light:
    """What :func:`train_stance._decide` and ``merge_nested`` read of a candidate."""

    holder: Holder
    key: tuple[str, str]
    surface: str
    sentence: tuple[int, str, int]  # (document, field, start): one object per sentence
    source: str
    rule: str  # ``Candidate.rule``: which candidates :func:`stance.judgeable` passes
    reading: int  # the direction the rule read toward an entity (``Candidate.reading``)
    where: tuple[str, int]
    denied: bool
    prior: int


def _path(a: Token, b: Token) -> tuple[list[Token], Token | None]:
    """Tokens strictly between ``a`` and ``b`` on the dependency path, and their common
    ancestor (None across sentences)."""
    chain = [b, *islice(b.ancestors, 40)]
    depth = {t.i: n for n, t in enumerate(chain)}
    up: list[Token] = []
    for t in (a, *islice(a.ancestors, 40)):
        if t.i in depth:
            down = list(reversed(chain[1 : depth[t.i]]))
            return up[1:] + ([t] if t.i not in {a.i, b.i} else []) + down, t
        up.append(t)
    return [], None


def _extras(c: Any) -> dict[str, Any]:
    a, t = c.anchor, c.target_token
    between, top = _path(a, t)
    tensor = a.doc.tensor

    def row(tok: Token | None) -> list[float]:
        if tok is None or tensor is None or tensor.shape[0] <= tok.i:
            return []
        return [float(v) for v in tensor[tok.i]]

    return {
        "path_lemmas": [x.lemma_.lower() for x in between],
        "cue_lemma": a.lemma_.lower(),
        "negated": c.negated,
        "quote": c.in_quote,
        "top_lemma": top.lemma_.lower() if top is not None else "",
        "top_neg": top is not None and any(k.dep_ == "neg" for k in top.children),
        "vectors": {"a": row(a), "t": row(t), "top": row(top)},
    }


def cache(out: Path, data: list[Path]) -> None:
    from pipeline.config import Settings
    from pipeline.enrich import Enricher
    from pipeline.enrich.stance_model import StanceModel
    from pipeline.tools.train_stance import examples

    start = time.time()
    enricher = Enricher(Settings().enrich, StanceModel.untrained())
    exs, gold = examples(enricher, data)
    sentences: dict[tuple[int, str, int], tuple[int, str, int]] = {}
    rows = []
    for e in exs:
        c = e.candidate
        sent = (e.doc, *c.where)
        light = Light(
            Holder(c.holder.name),
            c.key,
            c.surface,
            sentences.setdefault(sent, sent),
            c.source,
            c.rule,
            c.reading,
            c.where,
            c.denied,
            c.prior,
        )
        rows.append((e.doc, light, e.feats, e.label, e.gold_index, _extras(c)))
    out.write_bytes(pickle.dumps({"gold": gold, "rows": rows, "data": [d.name for d in data]}))
    print(f"{len(rows)} candidates, {gold} gold tags, {time.time() - start:.0f} s")


def _lexical(x: dict[str, Any]) -> dict[str, float]:
    f = {f"pl={lemma}": 1.0 for lemma in x["path_lemmas"][:6]}
    f[f"cue={x['cue_lemma']}|neg={x['negated']}|q={x['quote']}"] = 1.0
    f[f"top={x['top_lemma']}|tneg={x['top_neg']}"] = 1.0
    return f


def _vectors(x: dict[str, Any], scale: float = 0.4) -> dict[str, float]:
    # ~0.3 / the tensors' standard deviation (0.72): on the scale of a binary feature.
    return {f"v{k}{j}": v * scale for k, row in x["vectors"].items() for j, v in enumerate(row)}


def featurize(
    feats: dict[str, float], source: str, x: dict[str, Any], variants: list[str]
) -> dict[str, float]:
    f = dict(feats)
    if "lexical" in variants:
        f.update(_lexical(x))
    if "vectors" in variants:
        f.update(_vectors(x))
    if "grouped" in variants:
        group = "P:" if source == "pair" else "S:"
        f.update({group + k: v for k, v in list(f.items())})
    return f


def run(path: Path, variants: list[str], c_grid: tuple[float, ...], seed: int) -> None:
    stored = pickle.loads(path.read_bytes())
    exs = [
        Example(doc, light, featurize(feats, light.source, x, variants), label, index)  # type: ignore[arg-type]
        for doc, light, feats, label, index, x in stored["rows"]
    ]
    start = time.time()
    curves = cross_validate(exs, stored["gold"], seed, c_grid)
    for c_value, points in curves.items():
        best = max(
            (p for p in points if p["precision"] >= TARGET_PRECISION and p["tags"]),
            key=lambda p: p["recall"],
            default=None,
        )
        at = next(p for p in points if abs(p["threshold"] - DEFAULT_THRESHOLD) < 1e-9)
        best_s = "none" if best is None else f"{best['recall']:.3f} (threshold {best['threshold']})"
        print(
            f"variants={'+'.join(variants) or 'shipped'} C={c_value} gold={stored['gold']}: "
            f"recall at P>={TARGET_PRECISION}: {best_s}; at {DEFAULT_THRESHOLD}: "
            f"P {at['precision']:.3f} R {at['recall']:.3f} ({at['tags']} tags)"
        )
    print(f"{time.time() - start:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("cache")
    c.add_argument("out", type=Path)
    c.add_argument("data", type=Path, nargs="*", default=DEFAULT_DATA)
    r = sub.add_parser("run")
    r.add_argument("cache", type=Path)
    r.add_argument(
        "--variant", choices=["grouped", "lexical", "vectors"], action="append", default=[]
    )
    r.add_argument("--C", type=float, action="append", dest="c_grid")
    r.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    if args.command == "cache":
        if any("test" in d.name for d in args.data):
            parser.error("the test part is never used for tuning")
        cache(args.out, args.data)
    else:
        run(args.cache, args.variant, tuple(args.c_grid or [0.03]), args.seed)


if __name__ == "__main__":
    main()
