"""``install_stories``: the one call that puts story clustering on the worker's Faust app."""

from __future__ import annotations

import time

import faust

from pipeline.config import Settings
from pipeline.stories.agents import register_story_agent
from pipeline.stories.assign import Stories
from pipeline.stories.feed import IndexFeed
from pipeline.stories.index import StoryIndex, rules_of
from pipeline.stories.metrics import StoriesMetrics
from pipeline.trends.committed import read_committed
from pipeline.worker.process import Processor


def install_stories(app: faust.App, settings: Settings, processor: Processor) -> Stories:
    """The story index (in memory, kept in step by its feed), the processor's side, the
    pruning timer and, when asked for, the story agent."""
    metrics = StoriesMetrics(processor.metrics.registry)
    index = StoryIndex({}, rules_of(settings))
    feed = IndexFeed(settings, index)
    # A dependency added before the app starts is started first and stopped last: the
    # records the agent confirms while it stops are still sent.
    app.add_dependency(feed)
    stories = Stories(index, metrics, share=feed.share, ready=feed.wait_caught_up)
    metrics.index_articles.set_function(lambda: index.articles)
    processor.stories = stories

    # Every worker forgets expired articles from its own index (the topic deletes them by age).
    async def forget_expired() -> None:
        await index.prune(time.time())

    interval = min(3600.0, max(1.0, settings.stories.window_seconds / 20))
    app.timer(interval=interval)(forget_expired)
    if settings.stories.publish_events:
        # The story agent reads news.enriched, which the worker writes in transactions.
        read_committed(app)
        register_story_agent(app, settings, metrics)
    return stories
