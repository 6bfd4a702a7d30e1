"""Splitting JSON input into records: bounded memory, early stop, one-line errors."""

from __future__ import annotations

import io
import json
import tracemalloc
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.errors import MalformedInput
from pipeline.ingest.jsonstream import CHUNK_CHARS, LongLine, array_values, binary_lines, decode

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def values(text: str, max_chars: int = 10_000) -> list[Any]:
    return list(array_values(io.StringIO(text).read, max_chars))


@given(st.lists(json_values, max_size=8), st.sampled_from(["", " ", "\n  "]))
def test_array_values_equal_json_loads(items: list[Any], space: str) -> None:
    text = space + json.dumps(items, indent=1 if space else None) + space
    assert values(text) == json.loads(text)


@given(json_values.filter(lambda v: not isinstance(v, list)))
def test_one_value_is_one_item(value: Any) -> None:
    assert values(json.dumps(value)) == [value]


def test_items_across_chunk_boundaries_and_numbers_cut_by_them() -> None:
    items = [{"body": "x" * 1000, "n": 123456789}] * (3 * CHUNK_CHARS // 1000) + [98765]
    text = json.dumps(items)
    assert values(text, max_chars=2_000) == items
    numbers = "[" + ",".join(["1234567"] * 30_000) + "]"  # many cut at a chunk end
    assert values(numbers) == [1234567] * 30_000


def test_stopping_early_leaves_the_rest_unparsed() -> None:
    read_calls = 0
    source = io.StringIO("[" + ",".join(["{}"] * 500_000) + "]")

    def read(n: int) -> str:
        nonlocal read_calls
        read_calls += 1
        return source.read(n)

    stream = array_values(read, 100)
    assert [next(stream) for _ in range(1001)] == [{}] * 1001
    assert read_calls == 1  # one chunk of the 1 MB was read, nothing more


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100_000, "item 0: not JSON: nested too deeply"),
        ('[{"a": 1} {"b": 2}]', "expected ',' or ']' after item 0"),
        ("[1, 2", "expected ',' or ']' after item 1, found the end"),
        ('[1, {"a": ]', "item 1: not JSON: Expecting value"),
        ('{"a": 1} x', "extra data after the document"),
        ('["' + "y" * 5000 + '"]', "item 0: over 1000 characters"),
    ],
)
def test_malformed_arrays_are_one_line_errors(text: str, reason: str) -> None:
    with pytest.raises(MalformedInput) as caught:
        values(text, max_chars=1000)
    assert reason in str(caught.value) and "\n" not in str(caught.value)


def test_items_before_a_malformed_one_are_yielded() -> None:
    stream = array_values(io.StringIO('[{"a": 1}, nope]').read, 100)
    assert next(stream) == {"a": 1}
    with pytest.raises(MalformedInput, match="item 1"):
        next(stream)


def test_decode_turns_every_failure_into_one_line() -> None:
    assert decode(b'{"a": [1]}') == {"a": [1]}
    for bad, reason in (("[" * 100_000, "nested too deeply"), (b"\xff", "not UTF-8"),
                        ("{", "not JSON")):  # fmt: skip
        with pytest.raises(MalformedInput, match=reason):
            decode(bad)


def test_binary_lines_skip_an_overlong_line_with_bounded_memory() -> None:
    huge = b"x" * 20_000_000
    data = b'{"a": 1}\n' + huge + b"\n\n" + b"last"
    tracemalloc.start()
    lines = list(binary_lines(io.BytesIO(data), max_bytes=1000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert lines == [b'{"a": 1}', LongLine(20_000_000), b"", b"last"]
    assert peak < 1_000_000  # the 20 MB line was never held (the input itself is not traced)
