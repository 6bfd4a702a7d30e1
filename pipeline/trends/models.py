"""The events on ``news.trends`` (pydantic only: readers import this without Faust).

One topic carries two kinds, told apart by ``kind``: an entity's counts in one window
(``entity``, keyed by entity name) and one holder's stance counts toward one target
(``stance``, keyed by target). Events are snapshots: the latest one per key and window
replaces the earlier ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pipeline.models import SCHEMA_VERSION, Evidence, StanceValue, _Event

TrendWindow = Literal["1h", "24h"]

#: Window name -> (size, step) in seconds: hopping windows, so "the last hour" is read from
#: the window that started at most one step ago.
WINDOWS: dict[TrendWindow, tuple[int, int]] = {"1h": (3600, 300), "24h": (86_400, 3600)}


class EntityCount(_Event):
    """Mentions of one entity in one window."""

    window: TrendWindow
    window_start: datetime = Field(description="Start of the hopping window (inclusive).")
    window_end: datetime = Field(description="End of the hopping window (exclusive).")
    name: str = Field(description="Canonical entity name (the key).")
    label: str = Field(description="Label of its latest mention (PERSON, ORG, GPE, ...).")
    articles: int = Field(ge=0, description="Articles naming it in the window.")
    mentions: int = Field(ge=0, description="Its mentions summed over those articles.")


class LatestEvidence(_Event):
    """The most recent stance tag counted for a (holder, target)."""

    article_id: str
    title: str = ""
    url: str | None = None
    source: str | None = None
    stance: StanceValue
    confidence: float = Field(ge=0.0, le=1.0)
    predicate: str
    evidence: Evidence
    seen_at: datetime = Field(description="Timestamp of the stance event that carried it.")


class HolderStance(_Event):
    """How often ``holder`` was tagged for, against or neutral toward ``target``."""

    target: str = Field(description="Catalogue id, entity name or phrase (the key).")
    holder: str
    favor: int = Field(default=0, ge=0)
    against: int = Field(default=0, ge=0)
    neutral: int = Field(default=0, ge=0)
    latest: LatestEvidence


class TrendEvent(_Event):
    """A change of one trend on ``news.trends``: ``entity`` or ``stance`` is set per ``kind``."""

    schema_version: str = SCHEMA_VERSION
    kind: Literal["entity", "stance"]
    updated_at: datetime = Field(description="When the worker published this snapshot.")
    entity: EntityCount | None = None
    stance: HolderStance | None = None
