"""Dump the enricher's output on fixed texts, and what it costs against bare spaCy.

A speed change to :mod:`pipeline.enrich` must leave every output byte as it was: this runs
the shipped :class:`~pipeline.enrich.Enricher` over the gold documents' texts (the stance
dev and train parts and the entity sets; never the frozen stance test part) and over
``newsflow bench``'s default corpus (200 real-news articles, seed 7), and writes one line per
article, ``{"id": ..., "enrichment": <the JSON a pool child sends>}``. Diff two dumps.

It also reports CPU (this process's user + system time) per article of the enrichment and,
with ``--bare``, of one bare ``spacy.load`` model running ``nlp.pipe`` over the same texts in
the same process (as :mod:`pipeline.tools.bench_bare` does): the ratio the bench's goal is
about, measured in one run. ``--profile FILE`` writes a cProfile of the enrichment loop.

    .venv/bin/python scripts/enrich_dump.py --out /tmp/before.jsonl --bare
    .venv/bin/python scripts/enrich_dump.py --out /tmp/after.jsonl --only bench --profile p.out
    .venv/bin/python scripts/enrich_dump.py --out /tmp/batch4.jsonl --batch 4  # as a pool child
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import time
from pathlib import Path

from pipeline.config import EnrichSettings
from pipeline.enrich import Enricher
from pipeline.models import RawArticle
from pipeline.tools.bench import ARTICLES, SEED
from pipeline.tools.bench_corpus import bench_corpus

GOLD = Path(__file__).resolve().parent.parent / "tests" / "data" / "gold"
GOLD_FILES = (
    "stance_dev.jsonl",
    "stance_train.jsonl",
    "stance_lee_train.jsonl",
    "entities_caps.jsonl",
    "entities_datelines.jsonl",
    "entities_headlines.jsonl",
    "entities_prose.jsonl",
    "entities_results.jsonl",
)


def gold_articles() -> list[RawArticle]:
    found = []
    for name in GOLD_FILES:
        for n, line in enumerate((GOLD / name).read_text(encoding="utf-8").splitlines()):
            if line.strip():
                row = json.loads(line)
                # A title-only gold row keeps its title; the body must not be blank.
                body = row["body"] if row["body"].strip() else "."
                found.append(RawArticle(id=f"{name}:{n}", title=row.get("title", ""), body=body))
    return found


def bare_cpu(model: str, articles: list[RawArticle]) -> float:
    """CPU seconds of a plain ``spacy.load`` model's ``nlp.pipe`` over the same texts."""
    import spacy

    nlp = spacy.load(model)
    nlp("A warm-up sentence from Washington, said Jane Doe on Monday.")
    texts = [t for a in articles for t in (a.title, a.body) if t.strip()]
    cpu = time.process_time()
    for _ in nlp.pipe(texts):
        pass
    return time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", choices=("gold", "bench", "all"), default="all")
    parser.add_argument("--bench-articles", type=int, default=ARTICLES)
    parser.add_argument("--bare", action="store_true", help="also time bare spaCy (bench part)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the enrichment")
    parser.add_argument(
        "--batch", type=int, default=1, help="articles per enrich_many call (as a pool child)"
    )
    args = parser.parse_args()

    parts: dict[str, list[RawArticle]] = {}
    if args.only in ("gold", "all"):
        parts["gold"] = gold_articles()
    if args.only in ("bench", "all"):
        parts["bench"] = bench_corpus(args.bench_articles, SEED)[0]
    settings = EnrichSettings()
    enricher = Enricher(settings)
    enricher.enrich(RawArticle(id="warm", body="A warm-up sentence, said Jane Doe on Monday."))
    profile = cProfile.Profile() if args.profile else None
    cpu: dict[str, float] = {}
    stages: dict[str, dict[str, float]] = {}
    with args.out.open("w", encoding="utf-8") as out:
        for part, articles in parts.items():
            stages[part] = dict.fromkeys(("ner", "stance", "tone"), 0.0)
            started = time.process_time()
            for first in range(0, len(articles), args.batch):
                batch = articles[first : first + args.batch]
                if profile:
                    profile.enable()
                for article, enrichment in zip(batch, enricher.enrich_many(batch), strict=True):
                    found = enrichment.model_dump_json()
                    for stage, seconds in enricher.last_timings.items():
                        stages[part][stage] += seconds
                    out.write(
                        json.dumps({"id": article.id, "enrichment": json.loads(found)}) + "\n"
                    )
                if profile:
                    profile.disable()
            cpu[part] = time.process_time() - started
    if profile and args.profile:
        profile.dump_stats(str(args.profile))
    for part, articles in parts.items():
        n = len(articles)
        per_stage = ", ".join(f"{k} {v / n * 1000:.1f}" for k, v in stages[part].items())
        print(
            f"{part}: {n} articles, enrichment {cpu[part] / n * 1000:.1f} ms CPU per article "
            f"(wall per stage, ms: {per_stage})",
            file=sys.stderr,
        )
    if args.bare and "bench" in parts:
        articles = parts["bench"]
        bare = bare_cpu(settings.model, articles)
        n = len(articles)
        print(
            f"bench: bare spaCy {bare / n * 1000:.1f} ms CPU per article; "
            f"enrichment / bare = {cpu['bench'] / bare:.3f}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
