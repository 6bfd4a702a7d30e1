#!/usr/bin/env python3
"""Time each component of the installed spaCy model and keep its annotations, to compare
two installations (spaCy versions) on the same texts.

    .venv/bin/python scripts/spacy_components.py --out /tmp/pinned.json
    PYTHONPATH=/tmp/other-spacy .venv/bin/python scripts/spacy_components.py --out /tmp/other.json
    .venv/bin/python scripts/spacy_components.py --compare /tmp/pinned.json /tmp/other.json

A run times the first ``--articles`` (60) bodies of ``newsflow bench``'s default corpus, one
component at a time after a warm-up, and reports CPU ms per article and component with the
versions of spaCy, thinc and confection; then it annotates all the bench articles' bodies and
titles and the stance development documents with ``nlp.pipe`` and writes every token's tag,
dependency label, head, entity IOB and type, lemma, morphology and sentence start.
``--compare`` counts the tokens whose annotations differ between two runs, by attribute,
with examples, and the texts tokenised differently (not compared token by token); it refuses
runs of different corpora. ``PYTHONPATH`` puts another spaCy (``pip install --no-deps
--target DIR`` with the thinc and confection it needs) before the one of the venv.
"""

from __future__ import annotations

import argparse
import collections
import importlib.metadata
import json
import sys
import time
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import EnrichSettings  # noqa: E402
from pipeline.models import RawArticle  # noqa: E402
from pipeline.tools.bench import ARTICLES, SEED  # noqa: E402
from pipeline.tools.bench_corpus import bench_corpus  # noqa: E402

ATTRIBUTES = ("tag", "dep", "head", "iob", "ent", "lemma", "morph", "sent_start")
DEV = ROOT / "tests" / "data" / "gold" / "stance_dev.jsonl"


def _timed(nlp: Language, corpus: list[RawArticle], kind: str) -> dict[str, Any]:
    """CPU ms per article of each component over the bodies, after a warm-up."""
    for article in corpus[:5]:
        nlp(article.body)
    spent: collections.defaultdict[str, float] = collections.defaultdict(float)
    for article in corpus:
        doc = nlp.make_doc(article.body)
        for name, component in nlp.pipeline:
            started = time.process_time()
            doc = component(doc)
            spent[name] += time.process_time() - started
    per_article = {k: round(v / len(corpus) * 1000, 1) for k, v in spent.items()}
    total = round(sum(spent.values()) / len(corpus) * 1000, 1)
    return {
        "spacy": importlib.metadata.version("spacy"),
        "thinc": importlib.metadata.version("thinc"),
        "confection": importlib.metadata.version("confection"),
        "corpus": kind,
        "articles": len(corpus),
        "cpu_ms": per_article,
        "cpu_ms_total": total,
    }


def _annotations(nlp: Language, corpus: list[RawArticle]) -> list[list[list[Any]]]:
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
    if a["timing"]["corpus"] != b["timing"]["corpus"] or len(a["annotations"]) != len(
        b["annotations"]
    ):
        raise SystemExit("spacy_components: the two runs did not annotate the same texts")
    differ: collections.Counter[str] = collections.Counter()
    examples: list[str] = []
    tokens = tokens_differing = texts_differing = 0
    tokenised_differently: list[int] = []
    for n, (doc_a, doc_b) in enumerate(zip(a["annotations"], b["annotations"], strict=True)):
        if len(doc_a) != len(doc_b):
            tokenised_differently.append(n)
            continue
        changed = False
        for i, (tok_a, tok_b) in enumerate(zip(doc_a, doc_b, strict=True)):
            tokens += 1
            names = [name for name, x, y in zip(ATTRIBUTES, tok_a, tok_b, strict=True) if x != y]
            differ.update(names)
            tokens_differing += bool(names)
            changed = changed or bool(names)
            if names and len(examples) < 10:
                examples.append(f"text {n} token {i}: {tok_a} / {tok_b}")
        texts_differing += changed
    return {
        "versions": [a["timing"], b["timing"]],
        "texts": len(a["annotations"]),
        "texts_tokenised_differently": tokenised_differently,
        "tokens": tokens,
        "tokens_differing": tokens_differing,
        "texts_differing": texts_differing,
        "tokens_differing_by_attribute": dict(differ),
        "examples": examples,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--out", type=Path, help="write the timing and annotations here")
    action.add_argument("--compare", type=Path, nargs=2, metavar=("A", "B"))
    parser.add_argument("--articles", type=int, default=60, help="articles timed")
    args = parser.parse_args(argv)
    if args.compare:
        a, b = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        print(json.dumps(compare(a, b), indent=2))
        return 0
    nlp = spacy.load(EnrichSettings().model)
    corpus, kind = bench_corpus(ARTICLES, SEED)
    run = {
        "timing": _timed(nlp, corpus[: args.articles], kind),
        "annotations": _annotations(nlp, corpus),
    }
    args.out.write_text(json.dumps(run), encoding="utf-8")
    print(json.dumps(run["timing"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
