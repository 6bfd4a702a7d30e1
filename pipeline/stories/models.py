"""The event on ``news.stories``: a story's state each time an article joins it."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from pipeline.models import SCHEMA_VERSION, StanceValue, _Event


class StoryArticle(_Event):
    article_id: str
    source: str | None = None
    url: str | None = None
    title: str = ""
    published_at: datetime | None = None
    duplicate_of: str | None = Field(
        default=None, description="Set for a copy of an earlier article's text."
    )


class _Named(_Event):
    """An entity by its canonical name: what the agent reads and the event lists."""

    name: str
    label: str


class StoryEntity(_Named):
    articles: int = Field(ge=1, description="Articles of the story naming it.")


class _Pair(_Event):
    """A (holder, target) pair: a tag the agent reads, a count the event lists."""

    holder: str
    target: str


class StoryStance(_Pair):
    favor: int = Field(default=0, ge=0)
    against: int = Field(default=0, ge=0)
    neutral: int = Field(default=0, ge=0)

    def count(self, stance: StanceValue) -> int:
        return int(getattr(self, stance))


class _Tag(_Pair):
    """A stance tag as the story agent reads it: who, on what, which way (no evidence)."""

    stance: StanceValue


class _Meta(_Event):
    enriched_at: datetime


class StoryInput(_Event):
    """What the story agent reads of an enriched event: an article's mentions, evidence and
    text are skipped (a long article's are most of its event, and validating them on the
    event loop is the agent's largest cost)."""

    id: str
    source: str | None = None
    url: str | None = None
    title: str = ""
    published_at: datetime | None = None
    duplicate_of: str | None = None
    entities: list[_Named] = Field(default_factory=list)
    stances: list[_Tag] = Field(default_factory=list)
    meta: _Meta


class StoryEvent(_Event):
    """A story on ``news.stories``, keyed by story id: sent each time an article joins it."""

    schema_version: str = SCHEMA_VERSION
    story_id: str = Field(description="The id of the story's first article.")
    first_seen: datetime = Field(description="When its first article was enriched.")
    updated_at: datetime = Field(description="When the article that changed it was enriched.")
    article_count: int = Field(ge=1, description="Articles of the story, copies included.")
    articles: list[StoryArticle] = Field(
        description="Its articles in the order they joined (the first 100)."
    )
    outlets: list[str] = Field(description="Sources that ran it, by number of articles.")
    top_entities: list[StoryEntity] = Field(description="The 10 names most of its articles use.")
    stances: list[StoryStance] = Field(
        description="Stance tags of its articles per (holder, target), the 20 most frequent."
    )
