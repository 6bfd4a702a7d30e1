"""``newsflow consume news.stories``: story events shown readably and filtered by their
names, stance counts and time, without a broker (``follow`` replaced by a list of messages)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline.cli import main
from pipeline.consume import subscribe
from pipeline.consume.filters import EventFilter
from pipeline.consume.render import event_text, story_text
from pipeline.consume.subscribe import Received
from pipeline.stories.models import StoryEvent


def _story(articles: int = 3, **changes: Any) -> dict[str, Any]:
    story = {
        "story_id": "a0",
        "first_seen": "2026-03-19T18:00:00Z",
        "updated_at": "2026-03-19T19:30:00Z",
        "article_count": articles,
        "articles": [
            {
                "article_id": f"a{i}",
                "source": f"outlet{i % 2}",
                "title": f"Ceasefire talks {i}",
                "published_at": f"2026-03-19T18:{i % 60:02d}:00Z",
                "duplicate_of": "a0" if i == 2 else None,
            }
            for i in range(articles)
        ],
        "outlets": ["outlet0", "outlet1"],
        "top_entities": [
            {"name": "Vladimir Putin", "label": "PERSON", "articles": 3},
            {"name": "Kyiv", "label": "GPE", "articles": 2},
        ],
        "stances": [
            {
                "holder": "Vladimir Putin",
                "target": "ceasefire",
                "favor": 0,
                "against": 2,
                "neutral": 0,
            }
        ],
    }
    return {**story, **changes}


def test_a_story_reads_as_a_block_with_outlets_names_stances_and_articles() -> None:
    text = event_text(_story())
    lines = text.splitlines()
    assert lines[0] == "━━ story a0 — Ceasefire talks 0"
    assert "3 articles" in lines[1] and "first seen 2026-03-19T18:00:00+00:00" in lines[1]
    assert lines[2] == "   outlets (2): outlet0, outlet1"
    assert "Vladimir Putin [PERSON] ×3, Kyiv [GPE] ×2" in lines[3]
    assert lines[4] == "   stance Vladimir Putin → ceasefire: favor 0 · against 2 · neutral 0"
    assert [line.split()[2] for line in lines[5:]] == ["a0", "a1", "a2"]  # no "more" line
    assert lines[-1].endswith("(copy of a0)") and "copy of" not in lines[-2]
    assert not text.lstrip().startswith("{")  # not the JSON fallback


def test_a_long_story_lists_its_first_articles_and_counts_the_rest() -> None:
    story = StoryEvent.model_validate(_story(articles=25, article_count=140))
    lines = story_text(story, max_articles=4).splitlines()
    assert [line.split()[2] for line in lines[-5:-1]] == ["a0", "a1", "a2", "a3"]
    assert lines[-1] == "     … 136 more article(s)"  # counted, though the event lists 25


def test_a_story_event_of_the_wrong_shape_is_shown_as_its_json() -> None:
    broken = _story(article_count=0)  # the schema requires at least one
    assert json.loads(event_text(broken)) == broken


@pytest.mark.parametrize(
    ("criteria", "matches"),
    [
        ({}, True),
        ({"entity": "kyiv"}, True),  # a top name
        ({"entity": "ceasefire"}, True),  # a stance target
        ({"entity": "Paris"}, False),
        ({"label": "gpe"}, True),
        ({"label": "ORG"}, False),
        ({"holder": "Vladimir Putin", "stance": "against"}, True),
        ({"holder": "Vladimir Putin", "stance": "favor"}, False),  # counted 0 times
        ({"target": "ceasefire", "stance": "against"}, True),
        ({"target": "tariffs"}, False),
    ],
)
def test_filters_read_a_storys_names_and_stance_counts(
    criteria: dict[str, str], matches: bool
) -> None:
    assert EventFilter(**criteria).matches(_story()) is matches  # type: ignore[arg-type]


def test_a_story_with_counts_that_are_no_numbers_matches_no_stance_filter() -> None:
    odd = _story(stances=[{"holder": "X", "target": "Y", "favor": "many"}])
    assert not EventFilter(stance="favor").matches(odd)
    assert EventFilter().matches(odd)


def _messages(events: list[dict[str, Any]]) -> list[Received]:
    base = int(datetime(2026, 3, 19, 19, tzinfo=UTC).timestamp() * 1000)
    return [
        Received("news.stories", 0, i, base + i, e["story_id"].encode(), json.dumps(e).encode())
        for i, e in enumerate(events)
    ]


def test_consume_news_stories_prints_filtered_stories_as_a_table_or_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    other = _story(story_id="b0", top_entities=[{"name": "Paris", "label": "GPE", "articles": 1}],
                   stances=[])  # fmt: skip
    asked: list[str] = []

    def fake_follow(settings: Any, topic: str, **_: Any) -> Iterator[Received]:
        asked.append(topic)
        yield from _messages([_story(), other])

    monkeypatch.setattr(subscribe, "follow", fake_follow)
    assert main(["consume", "news.stories", "--format", "table", "--entity", "Kyiv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("━━ story a0 — ") and "story b0" not in out
    assert main(["consume", "news.stories", "--label", "GPE", "--max", "1"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["story_id"] for r in rows] == ["a0"]
    assert StoryEvent.model_validate(rows[0]).article_count == 3
    assert asked == ["news.stories", "news.stories"]
