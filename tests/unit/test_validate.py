from __future__ import annotations

import base64
import json
from hashlib import sha256

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import EnrichSettings
from pipeline.errors import RejectedMessage
from pipeline.models import DeadLetter, ErrorCode
from pipeline.worker.validate import MAX_REASON_CHARS, dead_letter, parse_raw

LIMITS = EnrichSettings(max_body_chars=1000)


def test_a_valid_article_parses() -> None:
    value = json.dumps({"id": "a", "title": "T", "body": "Text.", "extra": "ignored"}).encode()
    article = parse_raw(value, LIMITS).article
    assert (article.id, article.title, article.body) == ("a", "T", "Text.")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, ErrorCode.INVALID_JSON),
        (b"", ErrorCode.INVALID_JSON),
        (b"{not json", ErrorCode.INVALID_JSON),
        (b"\xff\xfe{}", ErrorCode.INVALID_UTF8),
        (b"42", ErrorCode.SCHEMA_VIOLATION),
        (b'{"body": "no id"}', ErrorCode.SCHEMA_VIOLATION),
        (b'{"id": "a", "body": "x", "published_at": "yesterday"}', ErrorCode.SCHEMA_VIOLATION),
        (b'{"id": "a"}', ErrorCode.EMPTY_BODY),
        (b'{"id": "a", "body": "\\n\\t "}', ErrorCode.EMPTY_BODY),
        (json.dumps({"id": "a", "body": "x" * 1001}).encode(), ErrorCode.TOO_LARGE),
        (b'{"schema_version": "2.0", "id": "a", "body": "x"}', ErrorCode.UNSUPPORTED_VERSION),
    ],
)
def test_bad_values_are_rejected_with_a_code(value: bytes | None, code: ErrorCode) -> None:
    with pytest.raises(RejectedMessage) as caught:
        parse_raw(value, LIMITS)
    assert caught.value.code == code
    assert caught.value.reason


def test_dead_letter_keeps_original_bytes_base64_when_not_utf8() -> None:
    rejection = RejectedMessage(ErrorCode.INVALID_UTF8, "bad bytes")
    letter = dead_letter(rejection, b"\xffkey", b"\xfe\x00value", "news.raw", 3, 17)
    assert letter.key_encoding == "base64" and base64.b64decode(letter.key or "") == b"\xffkey"
    assert letter.value_encoding == "base64"
    assert base64.b64decode(letter.value) == b"\xfe\x00value"
    assert (letter.source_topic, letter.partition, letter.offset) == ("news.raw", 3, 17)
    text = dead_letter(rejection, None, b"plain", "t", 0, 0)
    assert (text.key, text.value, text.value_encoding) == (None, "plain", "utf-8")


@pytest.mark.parametrize(
    "value",
    [
        b"[" * 100_000,  # RecursionError in the standard library's parser
        b'{"a":' * 50_000,
        b'{"id": "a", "body": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        b'{"id": "a", "body": "x\\ud800y"}',  # a lone surrogate: no UTF-8 output can carry it
        b'{"id": "a", "body": "x", "n": ' + b"9" * 100_000 + b"}",
    ],
    ids=["deep-list", "deep-object", "nested-body", "lone-surrogate", "huge-number"],
)
def test_hostile_json_is_invalid_json_not_an_exception(value: bytes) -> None:
    with pytest.raises(RejectedMessage) as caught:
        parse_raw(value, EnrichSettings())
    assert caught.value.code == ErrorCode.INVALID_JSON


def _original(text: str | None, encoding: str) -> bytes:
    if text is None:
        return b""
    return base64.b64decode(text) if encoding == "base64" else text.encode("utf-8")


def _check_letter(letter: DeadLetter, key: bytes | None, value: bytes, max_bytes: int) -> None:
    """``letter`` fits ``max_bytes`` and says truthfully what it kept of ``key`` and ``value``."""
    assert len(letter.model_dump_json().encode("utf-8")) <= max_bytes
    kept_value = _original(letter.value, letter.value_encoding)
    assert value.startswith(kept_value)
    assert letter.value_truncated == (kept_value != value)
    assert (letter.value_size, letter.value_sha256) == (len(value), sha256(value).hexdigest())
    if key is None:
        assert (letter.key, letter.key_size, letter.key_sha256) == (None, None, None)
    else:
        kept_key = _original(letter.key, letter.key_encoding)
        assert key.startswith(kept_key) and letter.key_truncated == (kept_key != key)
        assert (letter.key_size, letter.key_sha256) == (len(key), sha256(key).hexdigest())


POISON = {
    "quoted-body": (b"a1", json.dumps({"id": "a1", "body": '"' * 450_000}).encode()),
    "quotes": (b"a2", b'"' * 600_000),
    "huge-key": (b"k" * 1_000_000, b"not json"),
    "binary": (b"\xff" * 700_000, b"\x00\xfe" * 150_000),
}


@pytest.mark.parametrize("name", POISON)
def test_a_dead_letter_of_a_poison_message_fits_a_megabyte(name: str) -> None:
    key, value = POISON[name]
    rejection = RejectedMessage(ErrorCode.TOO_LARGE, "big")
    letter = dead_letter(rejection, key, value, "news.raw", 2, 9, max_bytes=1_000_000)
    _check_letter(letter, key, value, 1_000_000)
    assert letter.key_truncated or letter.value_truncated
    # What is left is used: the cut strings fill the room but for one escaped character.
    assert len(letter.model_dump_json()) > 1_000_000 - 8


def test_a_dead_letter_that_fits_is_kept_whole() -> None:
    rejection = RejectedMessage(ErrorCode.INVALID_JSON, "x" * 10_000)
    letter = dead_letter(rejection, b"k", b'"' * 1000, "t", 0, 1, max_bytes=10_000)
    assert (letter.key, letter.value) == ("k", '"' * 1000)
    assert not (letter.key_truncated or letter.value_truncated)
    assert len(letter.error) == MAX_REASON_CHARS  # a long reason is cut


@settings(max_examples=150, deadline=None)
@given(
    key=st.none() | st.binary(max_size=3000) | st.text(max_size=1500).map(str.encode),
    value=st.binary(max_size=3000) | st.text(max_size=1500).map(str.encode),
    max_bytes=st.integers(min_value=800, max_value=6000),
)
def test_any_dead_letter_fits_and_keeps_a_true_prefix(
    key: bytes | None, value: bytes, max_bytes: int
) -> None:
    rejection = RejectedMessage(ErrorCode.INVALID_JSON, "bad")
    letter = dead_letter(rejection, key, value, "news.raw", 0, 3, max_bytes=max_bytes)
    _check_letter(letter, key, value, max_bytes)
