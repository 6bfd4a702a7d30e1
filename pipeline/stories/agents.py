"""The story agent: fold each committed enriched article into its story's state and send the
story's event to ``news.stories``.

``news.enriched`` is keyed by article id; the agent re-keys it by story id through a Faust
repartition topic, so that every article of a story reaches the one worker that owns the
story's row in the ``stories`` table (co-partitioned with that topic). At least once like the
trend agents: events read since the last offset commit are read again after a crash or a
rebalance; :func:`pipeline.stories.summary.add` recognises an article already in the story and
sends nothing for it.
"""

from __future__ import annotations

import json
from typing import Any

import faust
from pydantic import ValidationError

from pipeline.config import Settings
from pipeline.stories import summary
from pipeline.stories.metrics import StoriesMetrics
from pipeline.stories.models import StoryInput

STORIES_TABLE = "stories"
STORIES_REPARTITION = "stories-by-story"


def _story_key(value: Any) -> bytes:
    """The repartition key of a ``news.enriched`` value: its story id (empty when it has
    none or cannot be read; such events are skipped after the repartition)."""
    try:
        return str(json.loads(value).get("story_id") or "").encode()
    except (ValueError, TypeError, AttributeError):
        return b""


def register_story_agent(app: faust.App, settings: Settings, metrics: StoriesMetrics) -> Any:
    """Register the agent and its table on ``app``; returns the table."""
    topics = settings.topics
    table = app.Table(
        STORIES_TABLE,
        default=None,
        partitions=topics.partitions,
        help="Story id -> the story's state (pipeline.stories.summary).",
    )
    enriched_in = app.topic(topics.enriched, key_serializer="raw", value_serializer="raw")
    stories_out = app.topic(topics.stories, key_serializer="raw", value_serializer="raw")

    async def fold_stories(stream: Any) -> None:
        async for event in stream.group_by(_story_key, name=STORIES_REPARTITION).events():
            if not event.key:
                continue
            try:
                article = StoryInput.model_validate_json(event.value)
            except (ValidationError, ValueError):
                continue
            key = event.key.decode()
            state = summary.add(table.get(key), article)
            if state is None:
                continue
            table[key] = state
            story = summary.event(key, state)
            await stories_out.send(key=event.key, value=story.model_dump_json().encode())
            metrics.events.inc()

    app.agent(enriched_in, name="stories_fold")(fold_stories)
    return table
