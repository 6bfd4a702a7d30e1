from __future__ import annotations

import base64
import json

import pytest

from pipeline.config import EnrichSettings
from pipeline.errors import RejectedMessage
from pipeline.models import ErrorCode
from pipeline.worker.validate import dead_letter, parse_raw

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
