#!/usr/bin/env python3
"""How many gold stance tags have a candidate at all: the ceiling of any ranker.

  .venv/bin/python scripts/stance_coverage.py [--cache /tmp/rules_parsed] [--uncovered FILE]
      [DATA ...]

DATA defaults to the development and training parts of the real-news gold set (never the
test part). A gold tag is *covered* when some candidate of its document names its holder and
its target by the evaluation's own matching rules (``pipeline.tools.matching``, as
``newsflow train stance`` labels candidates). Prints the covered share, candidates per source
(and how many of them match a gold tag), gold tags covered by each source and by it alone;
``--uncovered`` writes every uncovered tag with its evidence sentence for error analysis.

Parsing is the slow part: the parsed fields are cached (spaCy ``DocBin``) under ``--cache``,
keyed by the data files' contents, so that changing a rule and re-running costs seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from spacy.tokens import DocBin

from pipeline.config import EnrichSettings
from pipeline.enrich import Enricher, entities, mentions
from pipeline.enrich.candidates import Candidate, CandidateReader
from pipeline.enrich.document import Document
from pipeline.enrich.nlp import ParsedField, parse_article
from pipeline.enrich.stance_model import StanceModel
from pipeline.models import RawArticle
from pipeline.tools.matching import holders_match, targets_match

GOLD = Path(__file__).resolve().parent.parent / "tests" / "data" / "gold"
DEFAULT_DATA = [
    GOLD / "stance_dev.jsonl",
    GOLD / "stance_train.jsonl",
    GOLD / "stance_lee_train.jsonl",
]


def _load(paths: list[Path]) -> list[dict[str, Any]]:
    rows = []
    for p in paths:
        if p.name.startswith("stance_test"):
            sys.exit(f"{p}: the test part is never read while tuning")
        rows += [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]
    return rows


def _parsed(enricher: Enricher, rows: list[dict[str, Any]], cache: Path) -> list[list[ParsedField]]:
    """Every document's parsed fields, from the cache when it holds these very documents."""
    digest = hashlib.sha256(
        json.dumps([r["id"] for r in rows] + [r["body"] for r in rows]).encode()
    )
    stem = cache.with_name(f"{cache.name}_{digest.hexdigest()[:12]}")
    docs_file, meta_file = stem.with_suffix(".spacy"), stem.with_suffix(".meta")
    nlp = enricher._nlp
    if docs_file.exists() and meta_file.exists():
        docs = list(DocBin().from_disk(docs_file).get_docs(nlp.vocab))
        meta = pickle.loads(meta_file.read_bytes())
        it = iter(docs)
        return [
            [
                ParsedField(f, text, next(it), dateline, truncated)
                for f, text, dateline, truncated in m
            ]
            for m in meta
        ]
    found, meta, bin_ = [], [], DocBin(store_user_data=True)
    for i, r in enumerate(rows):
        article = _article(r)
        fields = parse_article(nlp, article, enricher.settings)
        found.append(fields)
        meta.append([(p.field, p.text, p.dateline, p.truncated) for p in fields])
        for p in fields:
            bin_.add(p.doc)
        if i % 250 == 0:
            print(f"parsed {i}/{len(rows)}", file=sys.stderr)
    bin_.to_disk(docs_file)
    meta_file.write_bytes(pickle.dumps(meta))
    return found


def _article(r: dict[str, Any]) -> RawArticle:
    title, body = str(r.get("title", "")), str(r["body"])
    if not body.strip():
        return RawArticle.model_construct(id=r["id"], title=title, body=body)
    return RawArticle(id=r["id"], title=title, body=body)


def _document(fields: list[ParsedField]) -> Document:
    found: list[mentions.RawMention] = []
    for p in fields:
        found += mentions.extract(p)[0]
    return Document(fields, entities.build(fields, found))


def _matches(g: dict[str, Any], c: Candidate) -> bool:
    return holders_match(str(g["holder"]), c.holder.name) and (
        targets_match(str(g["target"]), c.surface) or targets_match(str(g["target"]), c.target.text)
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="*", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/rules_parsed"))
    ap.add_argument("--uncovered", type=Path, help="write the uncovered gold tags here")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    rows = _load(args.data)
    enricher = Enricher(EnrichSettings(), StanceModel.untrained())
    parsed = _parsed(enricher, rows, args.cache)

    per_source: Counter[str] = Counter()  # candidates proposed
    matching: Counter[str] = Counter()  # candidates that name a gold tag
    covered_by: Counter[str] = Counter()  # gold tags a source covers
    only_by: Counter[str] = Counter()  # gold tags no other source covers
    covered, gold_total, lines, seconds = 0, 0, [], 0.0
    for r, fields in zip(rows, parsed, strict=True):
        doc = _document(fields)
        started = time.process_time()
        proposed = CandidateReader(doc, enricher.catalogue).candidates()
        seconds += time.process_time() - started
        cands = [
            c
            for c in proposed
            if not (c.target.kind == "entity" and c.target.text == c.holder.name)
        ]
        gold = r["gold"]["stances"]
        gold_total += len(gold)
        for c in cands:
            per_source[c.source] += 1
            matching[c.source] += any(_matches(g, c) for g in gold)
        for g in gold:
            sources = {c.source for c in cands if _matches(g, c)}
            covered += bool(sources)
            covered_by.update(sources)
            if len(sources) == 1:
                only_by.update(sources)
            if not sources:
                near = sorted({f"{c.holder.name} -> {c.surface}" for c in cands})[:12]
                lines.append(
                    f"{r['id']}\t{g['cue']}\t{g['holder_in_sentence']}\n"
                    f"  GOLD {g['holder']} {g['stance']} {g['target']}\n"
                    f"  SENT {g['evidence']}\n"
                    f"  CANDS {' | '.join(near)}\n"
                )
    figures = {
        "documents": len(rows),
        "gold_tags": gold_total,
        "covered": covered,
        "candidates": sum(per_source.values()),
        "candidate_ms_per_document": round(1000 * seconds / max(len(rows), 1), 3),
        "sources": {
            s: {
                "candidates": per_source[s],
                "matching_gold": matching[s],
                "covers": covered_by[s],
                "covers_alone": only_by[s],
            }
            for s in sorted(per_source)
        },
    }
    if args.uncovered:
        args.uncovered.write_text("\n".join(lines), encoding="utf-8")
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(
        f"{len(rows)} documents, {gold_total} gold tags: {covered} covered "
        f"({covered / max(gold_total, 1):.3f}), {figures['candidates']} candidates, "
        f"{figures['candidate_ms_per_document']} ms CPU per document to propose them"
    )
    print(f"{'source':12} {'cands':>7} {'match':>6} {'covers':>7} {'alone':>6}")
    for s, f in figures["sources"].items():
        print(
            f"{s:12} {f['candidates']:7d} {f['matching_gold']:6d} {f['covers']:7d} "
            f"{f['covers_alone']:6d}"
        )


if __name__ == "__main__":
    main()
