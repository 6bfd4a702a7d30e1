"""The public contract: JSON Schemas of every topic's value, generated from the models.

``newsflow schemas write`` regenerates ``schemas/``; ``newsflow schemas check`` (and a test)
fails when the files and the models drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pipeline.models import (
    SCHEMA_VERSION,
    DeadLetter,
    EnrichedArticle,
    EntityEvent,
    RawArticle,
    StanceEvent,
)
from pipeline.stories.models import StoryEvent
from pipeline.trends.models import TrendEvent

# file name -> (model, topic setting it describes)
SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "raw_article.json": (RawArticle, "topics.raw"),
    "enriched_article.json": (EnrichedArticle, "topics.enriched"),
    "dead_letter.json": (DeadLetter, "topics.deadletter"),
    "entity_event.json": (EntityEvent, "topics.entities"),
    "stance_event.json": (StanceEvent, "topics.stance"),
    "trend_event.json": (TrendEvent, "topics.trends"),
    "story_event.json": (StoryEvent, "topics.stories"),
}


def schema_of(model: type[BaseModel], topic_setting: str) -> dict[str, Any]:
    schema = model.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://newsflow.dev/schemas/{model.__name__}.json",
        "x-schema-version": SCHEMA_VERSION,
        "x-topic-setting": topic_setting,
        **schema,
    }


def render(model: type[BaseModel], topic_setting: str) -> str:
    return json.dumps(schema_of(model, topic_setting), indent=2, sort_keys=True) + "\n"


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (model, topic) in SCHEMAS.items():
        path = directory / name
        path.write_text(render(model, topic))
        written.append(path)
    return written


def drifted(directory: Path) -> list[str]:
    """Names of schema files that are missing or differ from the models."""
    stale = []
    for name, (model, topic) in SCHEMAS.items():
        path = directory / name
        if not path.exists() or path.read_text() != render(model, topic):
            stale.append(name)
    return stale
