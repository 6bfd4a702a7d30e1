"""``install_stories``: the one call that puts story clustering on the worker's Faust app."""

from __future__ import annotations

import time

import faust

from pipeline.config import Settings
from pipeline.stories.agents import register_story_agent
from pipeline.stories.assign import Stories
from pipeline.stories.index import Rules, StoryIndex
from pipeline.stories.metrics import StoriesMetrics
from pipeline.trends.committed import read_committed
from pipeline.worker.process import Processor

INDEX_TABLE = "newsflow-stories"


def rules_of(settings: Settings) -> Rules:
    s = settings.stories
    return Rules(
        window_seconds=s.window_seconds,
        text_threshold=s.text_threshold,
        join_by_names=s.join_by_names,
        name_threshold=s.name_threshold,
        min_shared_names=s.min_shared_names,
    )


def install_stories(app: faust.App, settings: Settings, processor: Processor) -> Stories:
    """The story index (a GlobalTable every worker reads whole), the processor's side, the
    leader's pruning timer and the story agent."""
    table = app.GlobalTable(
        INDEX_TABLE,
        default=None,
        partitions=settings.topics.partitions,
        # Written after the transaction commits, outside stream iteration: the key picks the
        # changelog partition (every worker reads them all anyway).
        use_partitioner=True,
    )
    metrics = StoriesMetrics(processor.metrics.registry)
    index = StoryIndex(table, rules_of(settings))
    stories = Stories(index, metrics)
    processor.stories = stories

    # One worker forgets expired articles (the deletions reach every worker through the
    # changelog); every worker recounts the window's articles, the N of a name's rarity.
    async def forget_expired() -> None:
        await index.prune(time.time())

    async def recount() -> None:
        await index.recount(time.time())

    interval = min(3600.0, max(1.0, settings.stories.window_seconds / 20))
    app.timer(interval=interval, on_leader=True)(forget_expired)
    app.timer(interval=interval)(recount)
    if settings.stories.publish_events:
        # The story agent reads news.enriched, which the worker writes in transactions.
        read_committed(app)
        register_story_agent(app, settings, metrics)
    return stories
