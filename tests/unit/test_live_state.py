"""What the live page shows (pipeline.live.state), from events as bytes, without Kafka."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.live.state import LiveState
from pipeline.trends.models import TrendEvent
from tests.live_events import enriched_article as _article

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def _entity(name: str, articles: int, ends_in: timedelta, window: str = "1h") -> bytes:
    end = NOW + ends_in
    return TrendEvent.model_validate({"kind": "entity", "updated_at": NOW, "entity": {
        "window": window, "window_start": end - timedelta(hours=1), "window_end": end,
        "name": name, "label": "PERSON", "articles": articles, "mentions": articles}},
    ).model_dump_json().encode()  # fmt: skip


def _stance(holder: str, target: str = "ceasefire", **counts: int) -> bytes:
    evidence = {"text": f"{holder} backs it.", "start": 0, "end": 5}
    latest: dict[str, Any] = {"article_id": "a", "stance": "favor", "confidence": 0.7,
                              "predicate": "back", "seen_at": NOW,
                              "evidence": evidence}  # fmt: skip
    stance = {"target": target, "holder": holder, "latest": latest, **counts}
    event = TrendEvent.model_validate({"kind": "stance", "updated_at": NOW, "stance": stance})
    return event.model_dump_json().encode()


def test_articles_are_newest_first_and_bounded() -> None:
    state = LiveState(max_articles=2)
    for n in range(3):
        (name, payload), = state.enriched(_article(n, f"T{n}"))  # fmt: skip
        assert name == "article" and payload["title"] == f"T{n}"
    assert [a["title"] for a in state.snapshot()["articles"]] == ["T2", "T1"]
    assert state.enriched(b"not an article") == []


def test_entities_keep_the_latest_hour_count_and_drop_ended_windows() -> None:
    state = LiveState(max_entities=2)
    now = NOW.timestamp()
    state.trend(_entity("A", 1, timedelta(minutes=30)), now)
    state.trend(_entity("B", 4, timedelta(minutes=1)), now)
    state.trend(_entity("C", 2, timedelta(minutes=30)), now)
    assert state.trend(_entity("D", 9, timedelta(minutes=30), window="24h"), now) == []
    assert [e["name"] for e in state.top_entities()] == ["B", "C"]
    state.trend(_entity("A", 3, timedelta(minutes=30)), now)  # a newer count replaces
    # Two minutes on, B's window has ended: it no longer trends.
    state.trend(_entity("C", 2, timedelta(minutes=30)), now + 120)
    assert [(e["name"], e["articles"]) for e in state.top_entities()] == [("A", 3), ("C", 2)]


def test_stance_rows_replace_per_holder_and_keep_the_most_tagged() -> None:
    state = LiveState(max_holders=2)
    state.trend(_stance("X", favor=1), 0)
    state.trend(_stance("Y", against=3), 0)
    state.trend(_stance("X", favor=2), 0)
    (name, payload), = state.trend(_stance("Z", neutral=1), 0)  # fmt: skip
    assert name == "stance" and payload["target"] == "ceasefire"
    totals = [(h["holder"], h["favor"] + h["against"] + h["neutral"]) for h in payload["holders"]]
    assert totals == [("Y", 3), ("X", 2)]
    assert (
        state.snapshot()["stances"]["ceasefire"][1]["latest"]["evidence"]["text"] == "X backs it."
    )


def test_only_the_targets_updated_last_are_kept() -> None:
    state = LiveState(max_targets=2)
    for target in ("ceasefire", "tariffs", "ceasefire", "ban"):
        state.trend(_stance("X", target=target, favor=1), 0)
    assert list(state.snapshot()["stances"]) == ["ceasefire", "ban"]  # tariffs: longest ago
