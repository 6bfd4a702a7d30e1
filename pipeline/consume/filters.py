"""Subscriber-side filters for ``newsflow consume`` over any Newsflow topic's events."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.errors import ConfigError

_RELATIVE = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """An ISO 8601 time (UTC if naive) or a relative one such as ``30m``, ``2h``, ``1d``."""
    match = _RELATIVE.match(text.strip())
    if match:
        amount, unit = match.groups()
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[unit]: int(amount)})
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"--since {text!r}: use ISO 8601 or a number with s/m/h/d") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_story(event: dict[str, Any]) -> bool:
    """A ``news.stories`` event: its names are under ``top_entities``, its stance tags are
    counts per (holder, target)."""
    return "story_id" in event and "top_entities" in event


def _same(a: object, b: str | None) -> bool:
    return isinstance(a, str) and b is not None and a.casefold() == b.casefold()


@dataclass(frozen=True)
class EventFilter:
    """All given criteria must hold; an unset one always holds."""

    entity: str | None = None
    label: str | None = None
    holder: str | None = None
    target: str | None = None
    stance: str | None = None
    since: datetime | None = None

    def matches(self, event: dict[str, Any], timestamp_ms: int | None = None) -> bool:
        """Whether ``event`` meets every criterion; an event not shaped like a Newsflow event
        (say ``"entities": 5``) meets none but the absence of criteria."""
        try:
            return (
                self._entity_ok(event)
                and self._label_ok(event)
                and self._stance_ok(event)
                and self._time_ok(event, timestamp_ms)
            )
        except (TypeError, AttributeError, ValueError):  # ValueError: a count that is no number
            return False

    def _entity_ok(self, event: dict[str, Any]) -> bool:
        if self.entity is None:
            return True
        if is_story(event):  # one of its top names, or a holder or target of its stances
            return any(_same(e.get("name"), self.entity) for e in event["top_entities"]) or any(
                _same(t.get("holder"), self.entity) or _same(t.get("target"), self.entity)
                for t in event.get("stances", [])
            )
        if "entities" in event:
            return any(_same(e.get("name"), self.entity) for e in event["entities"])
        if "holder" in event:
            return _same(event.get("holder"), self.entity) or _same(
                event.get("target"), self.entity
            )
        return _same(event.get("name"), self.entity)

    def _label_ok(self, event: dict[str, Any]) -> bool:
        if self.label is None:
            return True
        if is_story(event):
            return any(_same(e.get("label"), self.label) for e in event["top_entities"])
        if "entities" in event:
            return any(_same(e.get("label"), self.label) for e in event["entities"])
        return _same(event.get("label"), self.label)

    def _stance_ok(self, event: dict[str, Any]) -> bool:
        if self.holder is None and self.target is None and self.stance is None:
            return True
        if is_story(event):
            return any(self._counts_ok(tag) for tag in event.get("stances", []))
        tags = event.get("stances", []) if "entities" in event else [event]
        return any(self._tag_ok(tag) for tag in tags)

    def _tag_ok(self, tag: dict[str, Any]) -> bool:
        return all(
            wanted is None or _same(tag.get(field), wanted)
            for field, wanted in (
                ("holder", self.holder),
                ("target", self.target),
                ("stance", self.stance),
            )
        )

    def _counts_ok(self, counts: dict[str, Any]) -> bool:
        """A story's (holder, target) counts: the stance holds when it was tagged at least once."""
        stance_ok = self.stance is None or int(counts.get(self.stance.casefold()) or 0) > 0
        return stance_ok and all(
            wanted is None or _same(counts.get(field), wanted)
            for field, wanted in (("holder", self.holder), ("target", self.target))
        )

    def _time_ok(self, event: dict[str, Any], timestamp_ms: int | None) -> bool:
        if self.since is None:
            return True
        published = event.get("published_at")
        if isinstance(published, str):
            try:
                moment = parse_since(published)
            except ConfigError:
                moment = None
            if moment is not None:
                return moment >= self.since
        if timestamp_ms is not None:
            return datetime.fromtimestamp(timestamp_ms / 1000, UTC) >= self.since
        return False
