#!/usr/bin/env python3
"""Time each component of the installed spaCy model and keep its annotations, to compare
two installations (spaCy versions) on the same texts.

    .venv/bin/python scripts/spacy_components.py --out /tmp/pinned.json
    PYTHONPATH=/tmp/other-spacy .venv/bin/python scripts/spacy_components.py --out /tmp/other.json
    .venv/bin/python scripts/spacy_components.py --compare /tmp/pinned.json /tmp/other.json

A run parses ``newsflow bench``'s default articles (bodies, one ``nlp()`` component at a
time after a warm-up) and reports CPU ms per article and component; then it annotates the
bench articles' bodies and titles and the stance development documents with ``nlp.pipe``
and writes every token's tag, dependency label, head, entity IOB and type, lemma,
morphology and sentence start. ``--compare`` counts the tokens whose annotations differ
between two runs, by attribute, with examples. ``PYTHONPATH`` puts another spaCy (installed
with ``pip install --target DIR``) before the one of the venv.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ATTRIBUTES = ("tag", "dep", "head", "iob", "ent", "lemma", "morph", "sent_start")
DEV = ROOT / "tests" / "data" / "gold" / "stance_dev.jsonl"


def _timed(articles: int) -> dict[str, Any]:
    import spacy

    from pipeline.config import EnrichSettings
    from pipeline.tools.bench import SEED
    from pipeline.tools.bench_corpus import bench_corpus

    nlp = spacy.load(EnrichSettings().model)
    corpus, _ = bench_corpus(articles, SEED)
    for article in corpus[:5]:
        nlp(article.body)
    spent: collections.Counter[str] = collections.Counter()
    for article in corpus:
        doc = nlp.make_doc(article.body)
        for name, component in nlp.pipeline:
            started = time.process_time()
            doc = component(doc)
            spent[name] += time.process_time() - started
    per_article = {k: round(v / len(corpus) * 1000, 1) for k, v in spent.items()}
    total = round(sum(spent.values()) / len(corpus) * 1000, 1)
    return {
        "spacy": spacy.__version__,
        "articles": len(corpus),
        "cpu_ms": per_article,
        "cpu_ms_total": total,
    }


def _annotations() -> list[list[list[Any]]]:
    import spacy

    from pipeline.config import EnrichSettings
    from pipeline.tools.bench import ARTICLES, SEED
    from pipeline.tools.bench_corpus import bench_corpus

    nlp = spacy.load(EnrichSettings().model)
    corpus, _ = bench_corpus(ARTICLES, SEED)
    texts = [a.body for a in corpus] + [a.title for a in corpus]
    texts += [json.loads(line)["body"] for line in DEV.read_text(encoding="utf-8").splitlines()]
    return [[_token(t) for t in doc] for doc in nlp.pipe(texts)]


def _token(t: Any) -> list[Any]:
    """One token's annotations, in the order of :data:`ATTRIBUTES`."""
    return [
        t.tag_,
        t.dep_,
        t.head.i,
        t.ent_iob_,
        t.ent_type_,
        t.lemma_,
        str(t.morph),
        bool(t.is_sent_start),
    ]


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Tokens whose annotations differ between two runs, by attribute, with examples."""
    differ: collections.Counter[str] = collections.Counter()
    examples: list[str] = []
    tokens = docs = 0
    for doc_a, doc_b in zip(a["annotations"], b["annotations"], strict=True):
        changed = False
        for tok_a, tok_b in zip(doc_a, doc_b, strict=True):
            tokens += 1
            for name, x, y in zip(ATTRIBUTES, tok_a, tok_b, strict=True):
                if x != y:
                    differ[name] += 1
                    changed = True
                    if len(examples) < 10:
                        examples.append(f"{name}: {x!r} / {y!r}")
        docs += changed
    return {
        "spacy": [a["timing"]["spacy"], b["timing"]["spacy"]],
        "texts": len(a["annotations"]),
        "tokens": tokens,
        "texts_differing": docs,
        "tokens_differing_by_attribute": dict(differ),
        "examples": examples,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write the timing and annotations here")
    parser.add_argument("--articles", type=int, default=60, help="articles timed")
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("A", "B"))
    args = parser.parse_args(argv)
    if args.compare:
        a, b = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        print(json.dumps(compare(a, b), indent=2))
        return 0
    if args.out is None:
        parser.error("--out or --compare is required")
    run = {"timing": _timed(args.articles), "annotations": _annotations()}
    args.out.write_text(json.dumps(run), encoding="utf-8")
    print(json.dumps(run["timing"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
