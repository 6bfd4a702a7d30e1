"""What the worker's own per-article steps cost, measured by ``newsflow bench`` beside the
enrichment: the story step (signature, index lookup, claim and confirm) runs on the worker's
event loop, so its milliseconds add to every article's loop time rather than to an NLP
process's.

The articles are the bench corpus as the ceiling's NLP processes enriched it, each with the
MinHash its process computed (as the worker receives them). They go through
:class:`pipeline.stories.assign.Stories` over an in-memory index ``rounds`` times under new
ids, so that the window holds ``rounds × articles`` articles by the end and every later round
finds near-duplicates of the earlier ones, and each step is timed on one core.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from pipeline.models import EnrichedArticle
from pipeline.stories.assign import Stories
from pipeline.stories.index import Rules, StoryIndex
from pipeline.stories.metrics import StoriesMetrics
from pipeline.stories.signature import MinHash

ROUNDS = 3


@dataclass(frozen=True)
class StepCost:
    step: str
    articles: int  # steps timed
    index_articles: int  # articles the window held at the end
    mean_ms: float
    p50_ms: float
    p99_ms: float


def story_step(
    articles: list[tuple[EnrichedArticle, MinHash | None]], rules: Rules, rounds: int = ROUNDS
) -> StepCost:
    """Time the story step of each article, ``rounds`` times under new ids."""
    if not articles or rounds < 1:
        raise ValueError("the story step needs articles and at least one round")
    stories = Stories(StoryIndex({}, rules), StoriesMetrics(CollectorRegistry()))
    spent: list[float] = []
    for r in range(rounds):
        for i, (article, minhash) in enumerate(articles):
            copy = article.model_copy(update={"id": f"{article.id}-r{r}"})
            owner = (r, i)
            now = float(r * len(articles) + i)
            started = time.perf_counter()
            stories.assign(copy, owner, now, minhash=minhash)
            stories.confirm(owner, now)
            spent.append(time.perf_counter() - started)
    spent.sort()
    return StepCost(
        step="stories",
        articles=len(spent),
        index_articles=stories.index.articles,
        mean_ms=1000 * sum(spent) / len(spent),
        p50_ms=1000 * spent[len(spent) // 2],
        p99_ms=1000 * spent[min(len(spent) - 1, int(len(spent) * 0.99))],
    )
