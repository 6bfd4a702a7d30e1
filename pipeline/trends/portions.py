"""One enriched article cut into the parts each trend-table partition needs (free of Faust).

The trend agents read ``news.enriched`` (one record per article) instead of
``news.entities`` and ``news.stance`` (about 40 records per article): every record a Faust
consumer reads costs the event loop more than counting it does. An article's entities and
stance tags live on several partitions of the trend tables (an entity's rows on the
partition its name hashes to, a stance row on the one its target hashes to, as a record keyed
by that name or target would land), so the article is cut into at most one **portion** per
partition, sent to that partition of a repartition topic, and counted there by the worker
that owns it. A portion is JSON:
``{"a": article id, "t": seconds, "e": [[name, label, count], ...], "s": [<StanceEvent as
JSON>, ...]}``, ``t`` being the Kafka timestamp of the article on ``news.enriched`` (the
windows follow it). The entity table keeps each portion's ``a``, ``t`` and ``e``
(:meth:`Portion.entity_record`): one changelog record per article and partition.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import Field

from pipeline.models import StanceEvent, StanceTag, _Event


class _Named(_Event):
    name: str
    label: str
    count: int = Field(ge=1)


class TrendInput(_Event):
    """The fields of a ``news.enriched`` article the trends read (the body and the rest of
    the enrichment are skipped, not built)."""

    id: str
    title: str = ""
    url: str | None = None
    source: str | None = None
    entities: list[_Named] = Field(default_factory=list)
    stances: list[StanceTag] = Field(default_factory=list)


def cut(
    article: TrendInput, event_time: float, partition_of: Callable[[str], int]
) -> dict[int, bytes]:
    """The portions of ``article`` by partition; ``partition_of`` maps a name or a target to
    its partition. An article with neither entities nor stance tags has none."""
    entities: dict[int, list[list[Any]]] = {}
    stances: dict[int, list[dict[str, Any]]] = {}
    for e in article.entities:
        entities.setdefault(partition_of(e.name), []).append([e.name, e.label, e.count])
    ref = {"article_id": article.id, "title": article.title, "url": article.url,
           "source": article.source}  # fmt: skip
    for s in article.stances:
        stances.setdefault(partition_of(s.target), []).append({**ref, **s.model_dump(mode="json")})
    return {
        p: json.dumps(
            {"a": article.id, "t": event_time, "e": entities.get(p, []), "s": stances.get(p, [])},
            ensure_ascii=False,
        ).encode()
        for p in entities.keys() | stances.keys()
    }


class Portion:
    """A portion read back: the event time, its entities (name, label, count) and its stance
    events. Raises ``ValueError`` for a record that is not a portion."""

    __slots__ = ("article_id", "entities", "event_time", "stances")

    def __init__(self, value: bytes) -> None:
        try:
            data = json.loads(value)
            self.article_id = str(data["a"])
            self.event_time = float(data["t"])
            self.entities = [(str(n), str(lab), int(c)) for n, lab, c in data["e"]]
            raw_stances = data.get("s", [])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"not a trends portion: {exc}") from exc
        self.stances: list[StanceEvent | None] = [_stance(s) for s in raw_stances]

    def entity_record(self) -> bytes:
        """What the entity table keeps of it (the stance tags go to the stance table)."""
        record = {"a": self.article_id, "t": self.event_time, "e": self.entities}
        return json.dumps(record, ensure_ascii=False).encode()


def _stance(value: Any) -> StanceEvent | None:
    try:
        return StanceEvent.model_validate(value)
    except ValueError:  # pydantic's ValidationError is one
        return None
