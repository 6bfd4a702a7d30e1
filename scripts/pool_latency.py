"""Enrichment latency through a real NLP pool at a steady rate, with batching limits
alternated in one invocation: a lone article must not wait for company.

    .venv/bin/python scripts/pool_latency.py --rate 2 --articles 60 --batches 1,4,1,4

Each run starts a pool of ``--processes`` with ``NEWSFLOW_ENRICH_BATCH_MAX_ARTICLES`` set to
the run's value, offers the first N articles of ``newsflow bench``'s corpus once to warm it,
then again, timed: one ``EnrichPool.enrich`` call per article, from its offer to its answer.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from pipeline.config import EnrichSettings
from pipeline.models import RawArticle
from pipeline.tools.bench import SEED
from pipeline.tools.bench_corpus import bench_corpus
from pipeline.worker.nlp_pool import EnrichPool


async def offer(pool: EnrichPool, articles: list[RawArticle], rate: float) -> list[float]:
    seconds: list[float] = []

    async def one(article: RawArticle) -> None:
        started = time.monotonic()
        await pool.enrich(article)
        seconds.append(time.monotonic() - started)

    tasks = []
    start = time.monotonic()
    for k, article in enumerate(articles):
        await asyncio.sleep(max(0.0, start + k / rate - time.monotonic()))
        tasks.append(asyncio.ensure_future(one(article)))
    await asyncio.gather(*tasks)
    return sorted(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=2.0, help="articles offered per second")
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--batches", default="1,4,1,4", help="batch limits, one run each")
    args = parser.parse_args()
    articles = bench_corpus(args.articles, SEED)[0]
    for batch in (int(b) for b in args.batches.split(",")):
        pool = EnrichPool(EnrichSettings(batch_max_articles=batch), args.processes)
        sizes: list[int] = []
        pool.on_batch = sizes.append
        pool.start()
        try:
            asyncio.run(offer(pool, articles, args.rate))  # warm-up on the same texts
            sizes.clear()
            lat = asyncio.run(offer(pool, articles, args.rate))
        finally:
            pool.close()

        def q(p: float, lat: list[float] = lat) -> float:
            return lat[min(len(lat) - 1, int(p * len(lat)))]

        counts = {s: sizes.count(s) for s in sorted(set(sizes))}
        print(
            f"batch limit {batch}: {len(lat)} articles at {args.rate}/s: p50 {q(0.5):.3f} s, "
            f"p95 {q(0.95):.3f} s, max {lat[-1]:.3f} s; requests by size {counts}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
