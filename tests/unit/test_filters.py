from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.consume.filters import EventFilter, parse_since
from pipeline.errors import ConfigError

ARTICLE = {
    "id": "a1",
    "published_at": "2025-03-19T18:00:00Z",
    "entities": [{"name": "Vladimir Putin", "label": "PERSON"}, {"name": "Kyiv", "label": "GPE"}],
    "stances": [{"holder": "Vladimir Putin", "target": "ceasefire", "stance": "against"}],
    "meta": {},
}
ENTITY = {"article_id": "a1", "name": "Kyiv", "label": "GPE", "published_at": None}
STANCE = {
    "article_id": "a1",
    "holder": "Vladimir Putin",
    "target": "ceasefire",
    "stance": "against",
}


@pytest.mark.parametrize(
    ("criteria", "article", "entity", "stance"),
    [
        ({}, True, True, True),
        ({"entity": "kyiv"}, True, True, False),
        ({"entity": "vladimir putin"}, True, False, True),
        ({"label": "PERSON"}, True, False, False),
        ({"label": "GPE"}, True, True, False),
        ({"holder": "Vladimir Putin", "stance": "against"}, True, False, True),
        ({"holder": "Vladimir Putin", "stance": "favor"}, False, False, False),
        ({"target": "ceasefire"}, True, False, True),
    ],
)
def test_criteria_apply_to_every_kind_of_event(
    criteria: dict[str, str], article: bool, entity: bool, stance: bool
) -> None:
    f = EventFilter(**criteria)  # type: ignore[arg-type]
    assert (f.matches(ARTICLE), f.matches(ENTITY), f.matches(STANCE)) == (article, entity, stance)


def test_since_uses_published_at_then_message_time() -> None:
    f = EventFilter(since=datetime(2025, 3, 1, tzinfo=UTC))
    assert f.matches(ARTICLE)
    assert not EventFilter(since=datetime(2025, 4, 1, tzinfo=UTC)).matches(ARTICLE)
    ts = int(datetime(2025, 3, 2, tzinfo=UTC).timestamp() * 1000)
    assert f.matches(ENTITY, timestamp_ms=ts) and not f.matches(ENTITY)


def test_parse_since() -> None:
    now = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    assert parse_since("2h", now) == datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
    assert parse_since("1d", now) == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_since("2025-03-19") == datetime(2025, 3, 19, tzinfo=UTC)
    with pytest.raises(ConfigError, match="--since"):
        parse_since("last tuesday")
