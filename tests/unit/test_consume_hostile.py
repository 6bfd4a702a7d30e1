"""``newsflow consume`` on hostile values: what is skipped, and what is shown as it is."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.consume.filters import EventFilter
from pipeline.consume.render import event_text
from pipeline.consume.subscribe import Received, undecodable


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"[" * 100_000, "JSON nested too deeply to decode"),
        (b'{"body": "' + b"[" * 50_000 + b'"}' + b"]" * 10, None),  # brackets in a string
        (b'{"title": "\\ud800"}', "JSON with a lone surrogate escape (not valid Unicode)"),
        (b'{"title": "\\ud83d\\ude00"}', None),  # a valid pair
        (b'{"a": ' * 150 + b"1" + b"}" * 150, None),  # deep, but within the parser's reach
        (b"\xff\xfe not json", None),  # passed on wrapped
        (None, None),
    ],
)
def test_undecodable_values(value: bytes | None, reason: str | None) -> None:
    assert undecodable(value) == reason


def test_everything_not_skipped_can_be_printed() -> None:
    for value in (b'{"a": ' * 150 + b"1" + b"}" * 150, b"\xff\xfe", b'{"t": "\\ud83d\\ude00"}'):
        event = Received("t", 0, 1, 0, None, value).as_json(envelope=True)
        json.dumps(event, ensure_ascii=False).encode("utf-8")


field_names = st.sampled_from(
    [
        "entities",
        "holder",
        "target",
        "label",
        "name",
        "stances",
        "meta",
        "evidence",
        "stance",
        "confidence",
        "published_at",
        "story_id",
        "top_entities",
        "articles",
    ]
)
field_values = (
    st.none()
    | st.integers()
    | st.text(max_size=3)
    | st.lists(st.integers() | st.text(), max_size=2)
    | st.lists(
        st.dictionaries(
            st.sampled_from(["name", "label", "holder", "favor"]),
            st.integers() | st.text(max_size=3),
            max_size=2,
        ),
        max_size=2,
    )
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
)
odd_events = st.dictionaries(field_names, field_values)  # fmt: skip


@given(odd_events)
def test_filters_and_table_view_survive_any_event_shape(event: dict[str, Any]) -> None:
    wanted = EventFilter(entity="Oslo", label="GPE", holder="Ann", target="x", stance="favor")
    assert wanted.matches(event, 0) in (True, False)
    assert EventFilter().matches(event, 0)
    assert isinstance(event_text(event), str)
