"""What the live page shows, built from ``news.enriched`` and ``news.trends`` events.

Each update returns the server-sent events it causes (name, JSON payload); a page that
connects first gets the whole state as one ``snapshot`` event. Sizes are bounded: the latest
``max_articles`` articles, the ``max_entities`` entities named in most articles in the last
hour, and ``max_holders`` holders for each of the ``max_targets`` stance targets updated
last.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from pydantic import ValidationError

from pipeline.models import EnrichedArticle
from pipeline.trends import aggregate
from pipeline.trends.models import TrendEvent

Update = tuple[str, dict[str, Any]]


class LiveState:
    def __init__(
        self,
        max_articles: int = 20,
        max_entities: int = 15,
        max_holders: int = 12,
        max_targets: int = 50,
    ) -> None:
        self.max_entities, self.max_holders = max_entities, max_holders
        self.max_targets = max_targets
        self.articles: deque[dict[str, Any]] = deque(maxlen=max_articles)
        self.entities: dict[str, dict[str, Any]] = {}  # name -> latest 1 h count
        self.stances: dict[str, dict[str, dict[str, Any]]] = {}  # target -> holder -> row

    def snapshot(self) -> dict[str, Any]:
        return {
            "articles": list(self.articles),
            "entities": self.top_entities(),
            "stances": {t: self.board(t) for t in self.stances},
        }

    def top_entities(self) -> list[dict[str, Any]]:
        return aggregate.top_entities(self.entities.items(), None, self.max_entities)

    def board(self, target: str) -> list[dict[str, Any]]:
        rows = aggregate.board_rows(target, self.stances.get(target, {}))
        return [r.model_dump(mode="json") for r in rows]

    def enriched(self, value: bytes) -> list[Update]:
        """An article from ``news.enriched``: newest first on the page."""
        try:
            article = EnrichedArticle.model_validate_json(value)
        except ValidationError:
            return []
        summary = {
            "id": article.id,
            "title": article.title or article.body[:80],
            "source": article.source,
            "url": article.url,
            "tone": round(article.tone.compound, 2),
            "entities": [e.name for e in sorted(article.entities, key=lambda e: -e.salience)[:5]],
            "stances": [f"{s.holder} {s.stance} {s.target}" for s in article.stances[:5]],
        }
        self.articles.appendleft(summary)
        return [("article", summary)]

    def trend(self, value: bytes, now: float) -> list[Update]:
        """A snapshot from ``news.trends``: 1 h entity counts (a window that has ended is
        dropped) and stance rows."""
        try:
            event = TrendEvent.model_validate_json(value)
        except ValidationError:
            return []
        if event.entity is not None and event.entity.window == "1h":
            count = event.entity
            for name in [n for n, r in self.entities.items() if r["window_end_ts"] <= now]:
                del self.entities[name]
            if count.window_end.timestamp() <= now:
                return []
            self.entities[count.name] = {
                **count.model_dump(mode="json", include={"name", "label", "articles", "mentions"}),
                "window_end_ts": count.window_end.timestamp(),
            }
            return [("entities", {"entities": self.top_entities()})]
        if event.stance is not None:
            row = event.stance.model_dump(mode="json")
            # Re-inserted so that the dict's order is the order of last update.
            holders = self.stances.pop(row["target"], {})
            self.stances[row["target"]] = holders
            while len(self.stances) > self.max_targets:
                del self.stances[next(iter(self.stances))]  # the target updated longest ago
            holders[row["holder"]] = row
            if len(holders) > self.max_holders:
                # Keep the most tagged holders: the board shows who weighs in most.
                for gone in [r["holder"] for r in self.board(row["target"])[self.max_holders :]]:
                    del holders[gone]
            return [("stance", {"target": row["target"], "holders": self.board(row["target"])})]
        return []
