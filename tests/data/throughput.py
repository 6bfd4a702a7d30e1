"""Measure enrichment throughput on one core: ``python tests/data/throughput.py``.

Articles of about 400, 800 and 1,600 words are built from the seed article and the dev
set's bodies; each size is enriched several times after one warm-up call.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from pipeline.config import EnrichSettings
from pipeline.enrich import Enricher
from pipeline.models import RawArticle

HERE = Path(__file__).resolve().parent
SEED = Path("/work/shared/seeds/000_30fa5fd5bd179c17.txt")
SIZES = (400, 800, 1600)
RUNS = 10


def corpus() -> list[str]:
    """Paragraphs to assemble articles from."""
    texts = [SEED.read_text(encoding="utf-8")] if SEED.exists() else []
    for line in (HERE / "dev.jsonl").read_text(encoding="utf-8").splitlines():
        texts.append(json.loads(line)["body"])
    return texts


def article_of(words: int, texts: list[str]) -> RawArticle:
    parts: list[str] = []
    count, i = 0, 0
    while count < words:
        parts.append(texts[i % len(texts)])
        count += len(texts[i % len(texts)].split())
        i += 1
    body = " ".join(" ".join(parts).split()[:words])
    return RawArticle(id=f"bench-{words}", title="Benchmark article", body=body)


def main() -> None:
    started = time.perf_counter()
    enricher = Enricher(EnrichSettings())
    print(f"model load: {time.perf_counter() - started:.2f}s")
    texts = corpus()
    for words in SIZES:
        article = article_of(words, texts)
        enricher.enrich(article)
        started = time.perf_counter()
        stages = dict.fromkeys(("ner", "stance", "tone"), 0.0)
        for _ in range(RUNS):
            enricher.enrich(article)
            for stage, seconds in enricher.last_timings.items():
                stages[stage] += seconds
        per = (time.perf_counter() - started) / RUNS
        split = ", ".join(f"{k} {v / RUNS * 1000:.1f}ms" for k, v in stages.items())
        print(
            f"{words:5d} words: {per * 1000:6.1f} ms/article, {1 / per:5.1f} articles/s ({split})"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
