"""What story clustering costs per article, next to what enriching it costs.

The articles are `newsflow bench`'s default corpus (real NewsMTSC sentences at real-news
lengths, :func:`pipeline.tools.bench_corpus.bench_corpus`), enriched once by the shipped
enricher (cached in ``--cache``; its time per article is recorded). Then each article goes
through the worker's story step — signature, index lookup, claim and confirm
(:class:`pipeline.stories.assign.Stories` over a dict) — ``--rounds`` times under new ids, so
that the index holds ``rounds × articles`` articles by the end, and its time is measured on
one core.

    .venv/bin/python scripts/stories_cost.py
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
import tracemalloc
from pathlib import Path

from pipeline.models import EnrichedArticle, Enrichment, EnrichmentMeta, RawArticle
from pipeline.stories.assign import SHINGLE_WORDS
from pipeline.stories.index import Rules, StoryIndex, _record
from pipeline.stories.signature import signature
from pipeline.tools.bench import ARTICLES, SEED
from pipeline.tools.bench_corpus import bench_corpus
from pipeline.tools.bench_steps import story_step


def enriched(articles: list[RawArticle], cache: Path) -> list[tuple[EnrichedArticle, float]]:
    """Each article enriched, with the enrichment's seconds (cached)."""
    if not cache.exists():
        from pipeline.config import EnrichSettings
        from pipeline.enrich import Enricher

        enricher = Enricher(EnrichSettings())
        with cache.open("w") as out:
            for article in articles:
                started = time.perf_counter()
                found = enricher.enrich(article)
                seconds = time.perf_counter() - started
                item = {"enrichment": found.model_dump(mode="json"), "seconds": seconds}
                out.write(json.dumps(item) + "\n")
    meta = EnrichmentMeta(
        pipeline_version="-",
        model_name="-",
        model_version="-",
        enriched_at="2026-01-01T00:00:00Z",
        processing_seconds=0,
    )
    out_list = []
    for article, line in zip(articles, cache.read_text().splitlines(), strict=True):
        item = json.loads(line)
        enrichment = Enrichment.model_validate(item["enrichment"])
        full = EnrichedArticle(**article.model_dump(), **enrichment.model_dump(), meta=meta)
        out_list.append((full, float(item["seconds"])))
    return out_list


def index_memory(items: list[tuple[EnrichedArticle, float]], rules: Rules) -> float:
    """Bytes the index holds per article once each article's record is remembered."""
    sigs = [signature(a.title, a.body, a.entities, SHINGLE_WORDS) for a, _ in items]
    records = [json.dumps(_record(a.id, sig, 0.0)) for (a, _), sig in zip(items, sigs, strict=True)]
    gc.collect()
    tracemalloc.start()
    index = StoryIndex({}, rules)
    for (article, _), record in zip(items, records, strict=True):
        index.remember(article.id, json.loads(record), 0.0)
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return used / len(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/stories_cost_enriched.jsonl"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument(
        "--rule",
        choices=["words", "names", "text"],
        default="words",
        help="the rule that joins reports of one story besides the text rule (words: the "
        "default; text: the text rule alone)",
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        help="also measure the index's memory per article (tracemalloc), records arriving "
        "as JSON as they do from other workers",
    )
    args = parser.parse_args()
    corpus, _ = bench_corpus(args.articles, SEED)
    items = enriched(corpus, args.cache)
    rules = Rules(join_by_words=args.rule == "words", join_by_names=args.rule == "names")
    cost = story_step([(article, None) for article, _ in items], rules, args.rounds)
    if args.memory:
        print(f"index memory per article: {index_memory(items, rules) / 1024:.1f} KiB")
    enrich = [seconds for _, seconds in items]
    words = statistics.mean(len(a.body.split()) for a, _ in items)
    print(
        f"{len(items)} articles ({words:.0f} words on average) x {args.rounds} rounds; "
        f"index holds {cost.index_articles} articles at the end"
    )
    print(
        f"story step per article: mean {cost.mean_ms:.2f} ms, "
        f"p50 {cost.p50_ms:.2f} ms, p99 {cost.p99_ms:.2f} ms"
    )
    print(
        f"enrichment per article: mean {statistics.mean(enrich) * 1000:.0f} ms "
        f"(story step = {cost.mean_ms / 1000 / statistics.mean(enrich):.1%} of it)"
    )


if __name__ == "__main__":
    main()
