"""What the worker's event loop spends per article outside the Kafka client, without a broker.

Replays the bench's articles (``bench_corpus(N, 7)``, as produced) through the worker's own
steps, in one process, on one core, with the real enrichments of ``scripts/enrich_dump.py
--only bench`` (and the story MinHash an NLP process sends): parsing and validating the raw
message (language detection included), de-duplication over an in-memory seen table, building
the enriched article and its ~25 events, the story step (over an in-memory index, confirmed
as after a commit, and read back as the index feed reads it), what a commit confirms
(``record_published``), and the trends' cut of the enriched record into portions. Each step's
CPU per article, then (``--profile FILE``) a cProfile of the whole. ``--rounds R`` replays the
articles R times under new ids (the index and the seen table grow as in a long run).

    .venv/bin/python scripts/enrich_dump.py --only bench --out /tmp/bench_dump.jsonl
    .venv/bin/python scripts/bench_loop.py --dump /tmp/bench_dump.jsonl --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from pipeline.config import load_settings
from pipeline.models import Enriched, Enrichment, RawArticle
from pipeline.observe.metrics import WorkerMetrics
from pipeline.stories.assign import SHINGLE_WORDS, Stories
from pipeline.stories.feed import encode, remember_encoded
from pipeline.stories.index import StoryIndex, rules_of
from pipeline.stories.metrics import StoriesMetrics
from pipeline.stories.signature import minhash
from pipeline.tools.bench import SEED
from pipeline.tools.bench_corpus import bench_corpus
from pipeline.tools.corpus import relabelled
from pipeline.trends.portions import TrendInput, cut
from pipeline.worker.dedup import Deduplicator
from pipeline.worker.process import Incoming, Processor


class Replay:
    """The NLP pool's answers, from a dump: the enrichment as JSON and the MinHash."""

    model_name, model_version = "replay", "0"

    def __init__(self, answers: dict[str, tuple[str, tuple[int, ...]]]) -> None:
        self.answers = answers

    async def enrich(self, article: RawArticle) -> Enriched:
        text, values = self.answers[article.body]
        return Enriched(Enrichment.model_validate_json(text), {"total": 0.1}, values)


def answers_of(dump: Path, articles: list[RawArticle]) -> dict[str, tuple[str, tuple[int, ...]]]:
    found = {}
    for line in dump.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        found[row["id"]] = json.dumps(row["enrichment"])
    return {a.body: (found[a.id], minhash(a.title, a.body, SHINGLE_WORDS)) for a in articles}


class Clock:
    """CPU seconds per step, summed."""

    def __init__(self) -> None:
        self.spent: Counter[str] = Counter()
        self._at = time.process_time()

    def lap(self, step: str) -> None:
        now = time.process_time()
        self.spent[step] += now - self._at
        self._at = now


async def run(
    processor: Processor, articles: list[RawArticle], clock: Clock, shared: list[tuple[str, Any]]
) -> None:
    stories = processor.stories
    assert stories is not None
    for offset, article in enumerate(articles):
        value = article.model_dump_json().encode()
        message = Incoming(article.id.encode(), value, "news.raw", offset % 4, offset, time.time())
        clock.lap("other")
        outs = await processor.process(message)
        clock.lap("process (parse, dedup, enriched article, story, events)")
        for out in outs:
            processor.record_published(out, message)
        processor.release(message)
        clock.lap("record_published (dedup keys, story confirm, metrics)")
        enriched = next(o for o in outs if o.enriched is not None)
        trend_input = TrendInput.model_validate_json(enriched.value)
        cut(trend_input, time.time(), lambda name: hash(name) % 4)
        clock.lap("trends: cut into portions")
        for article_id, record in shared:  # the feed sends it, and reads it back
            key, data = encode(article_id, record)
            remember_encoded(stories.index, key, data, time.time())
        shared.clear()
        clock.lap("stories: own record sent and read back")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, required=True)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    settings = load_settings()
    corpus, _ = bench_corpus(args.articles, SEED)
    replay = Replay(answers_of(args.dump, corpus))
    registry = CollectorRegistry()
    processor = Processor(settings, replay, WorkerMetrics(registry))
    table: dict[str, Any] = {}
    processor.dedup = Deduplicator(table, settings.worker.dedup_window)
    shared: list[tuple[str, Any]] = []
    index = StoryIndex({}, rules_of(settings))
    processor.stories = Stories(index, StoriesMetrics(registry),
                                share=lambda aid, record: shared.append((aid, record)))  # fmt: skip
    articles = relabelled(corpus, "r", args.articles * args.rounds)
    # Warm-up: the language model and the caches, on other ids.
    asyncio.run(run(processor, relabelled(corpus, "w", 20), Clock(), shared))
    profile = cProfile.Profile() if args.profile else None
    clock = Clock()
    if profile:
        profile.enable()
    asyncio.run(run(processor, articles, clock, shared))
    if profile and args.profile:
        profile.disable()
        profile.dump_stats(str(args.profile))
    n = len(articles)
    total = sum(v for k, v in clock.spent.items() if k != "other")
    print(f"{n} articles: {total / n * 1000:.2f} ms CPU per article", file=sys.stderr)
    for step, seconds in clock.spent.items():
        if step != "other":
            print(f"  {seconds / n * 1000:6.2f} ms  {step}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
