"""A story's state as the story agent keeps it (a JSON dict per story id in the ``stories``
table), folded one enriched article at a time, and the event made from it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline.stories.models import StoryArticle, StoryEntity, StoryEvent, StoryInput, StoryStance

MAX_ARTICLES = 100  # listed in the state and the event; the count goes on
MAX_KEYS = 500  # names and (holder, target) pairs kept per story; the rarest go first
TOP_ENTITIES = 10
TOP_STANCES = 20
_SEP = "\x1f"


def add(state: dict[str, Any] | None, article: StoryInput) -> dict[str, Any] | None:
    """``state`` with ``article`` in it; None when the article was counted already (a
    replay of the story agent's input after a crash or rebalance)."""
    state = state or {
        "first_seen": article.meta.enriched_at.isoformat(),
        "count": 0,
        "articles": [],
        "outlets": {},
        "entities": {},
        "stances": {},
    }
    if any(a["article_id"] == article.id for a in state["articles"]):
        return None
    state["count"] += 1
    state["updated_at"] = article.meta.enriched_at.isoformat()
    if len(state["articles"]) < MAX_ARTICLES:
        fields = article.model_dump(include=set(StoryArticle.model_fields))
        ref = StoryArticle.model_validate({**fields, "article_id": article.id})
        state["articles"].append(ref.model_dump(mode="json"))
    if article.source:
        state["outlets"][article.source] = state["outlets"].get(article.source, 0) + 1
    entities: dict[str, list[Any]] = state["entities"]
    for entity in {e.name: e for e in article.entities}.values():
        label, n = entities.get(entity.name, [entity.label, 0])
        entities[entity.name] = [label, n + 1]
    stances: dict[str, dict[str, int]] = state["stances"]
    for tag in article.stances:
        counts = stances.setdefault(f"{tag.holder}{_SEP}{tag.target}", {})
        counts[tag.stance] = counts.get(tag.stance, 0) + 1
    state["entities"] = _cap(entities, lambda v: v[1])
    state["stances"] = _cap(stances, lambda v: sum(v.values()))
    return state


def _cap(items: dict[str, Any], weight: Any) -> dict[str, Any]:
    if len(items) <= MAX_KEYS:
        return items
    return dict(sorted(items.items(), key=lambda kv: -weight(kv[1]))[:MAX_KEYS])


def event(story_id: str, state: dict[str, Any]) -> StoryEvent:
    outlets = sorted(state["outlets"].items(), key=lambda kv: (-kv[1], kv[0]))
    entities = sorted(state["entities"].items(), key=lambda kv: (-kv[1][1], kv[0]))
    stances = sorted(state["stances"].items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    return StoryEvent(
        story_id=story_id,
        first_seen=datetime.fromisoformat(state["first_seen"]),
        updated_at=datetime.fromisoformat(state["updated_at"]),
        article_count=state["count"],
        articles=[StoryArticle.model_validate(a) for a in state["articles"]],
        outlets=[name for name, _ in outlets],
        top_entities=[
            StoryEntity(name=n, label=v[0], articles=v[1]) for n, v in entities[:TOP_ENTITIES]
        ],
        stances=[
            StoryStance(holder=k.split(_SEP)[0], target=k.split(_SEP)[1], **v)
            for k, v in stances[:TOP_STANCES]
        ],
    )
