"""A typed client for readers: Newsflow's events as pydantic models.

.. code-block:: python

    from pipeline.client import subscribe

    for article in subscribe("news.enriched", from_beginning=True, entity="Ursula von der Leyen",
                             max_events=10, idle_timeout=5):
        print(article.title, [s.target for s in article.stances])

:func:`subscribe` reads with ``read_committed`` (only transactions the worker committed) and
takes the filters of ``newsflow consume``. Each topic has its model: the enriched topic
:class:`EnrichedArticle`, the entities topic :class:`EntityEvent`, the stance topic
:class:`StanceEvent`, the story topic :class:`StoryEvent`, the dead-letter topic
:class:`DeadLetter` (names from the settings, so
``NEWSFLOW_TOPICS_*`` and ``--config`` files apply). With ``group`` the reader commits what it
yielded and resumes there next time; without, it reads detached.

Installs with ``pip install 'newsflow[client]'`` and imports neither spaCy nor Faust.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.config import Settings, load_settings
from pipeline.consume.filters import EventFilter, parse_since
from pipeline.consume.subscribe import follow
from pipeline.errors import ConfigError, KafkaUnavailable, NewsflowError
from pipeline.models import DeadLetter, EnrichedArticle, EntityEvent, StanceEvent
from pipeline.stories.models import StoryEvent

__all__ = [
    "ConfigError",
    "DeadLetter",
    "EnrichedArticle",
    "EntityEvent",
    "Event",
    "KafkaUnavailable",
    "NewsflowError",
    "StanceEvent",
    "StoryEvent",
    "event_model",
    "subscribe",
]

Event = EnrichedArticle | EntityEvent | StanceEvent | StoryEvent | DeadLetter
_MODELS: dict[str, type[Any]] = {
    "enriched": EnrichedArticle,
    "entities": EntityEvent,
    "stance": StanceEvent,
    "stories": StoryEvent,
    "deadletter": DeadLetter,
}


def event_model(settings: Settings, topic: str) -> type[Any]:
    """The model of ``topic`` (a topic name or role: enriched, entities, stance, stories,
    deadletter)."""
    if topic in _MODELS:
        return _MODELS[topic]
    for role, model in _MODELS.items():
        if getattr(settings.topics, role) == topic:
            return model
    names = ", ".join(getattr(settings.topics, r) for r in _MODELS)
    raise ConfigError(f"{topic} carries no Newsflow event: subscribe to one of {names}")


def subscribe(
    topic: str = "enriched",
    *,
    settings: Settings | None = None,
    config: Path | None = None,
    group: str | None = None,
    from_beginning: bool = False,
    max_events: int | None = None,
    idle_timeout: float | None = None,
    entity: str | None = None,
    label: str | None = None,
    holder: str | None = None,
    target: str | None = None,
    stance: str | None = None,
    since: str | datetime | None = None,
) -> Iterator[Event]:
    """Yield the events of ``topic`` (a name or a role) as models, filtered.

    ``settings``: default loaded as the CLI does (``NEWSFLOW_*``, ``config`` TOML file).
    ``group``: a durable consumer group (commits what was yielded; resumes). ``from_beginning``:
    else only new events (``since`` implies it). ``max_events`` / ``idle_timeout`` (seconds
    without a new event) end the iteration; by default it follows the topic forever.
    Filters are those of ``newsflow consume`` (case-insensitive; ``since``: a datetime, ISO 8601
    or ``30m`` / ``2h`` / ``1d``, against ``published_at`` or else the message time).
    Raises :class:`KafkaUnavailable` if the cluster cannot be reached, :class:`ConfigError`
    for a topic that carries no Newsflow event.
    """
    settings = settings or load_settings(config)
    model = event_model(settings, topic)
    name = getattr(settings.topics, topic) if topic in _MODELS else topic
    moment = parse_since(since) if isinstance(since, str) else since
    wanted = EventFilter(entity, label, holder, target, stance, moment)
    shown = 0
    for received in follow(
        settings,
        name,
        from_beginning=from_beginning or moment is not None,
        group=group,
        idle_timeout=idle_timeout,
    ):
        raw = received.as_json()
        if not wanted.matches(raw, received.timestamp_ms):
            continue
        yield model.model_validate(raw)
        shown += 1
        if max_events is not None and shown >= max_events:
            return
