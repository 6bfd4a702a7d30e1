from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.config import EnrichSettings
from pipeline.errors import RejectedMessage
from pipeline.models import ErrorCode, RawArticle
from pipeline.worker.sanitize import clean_article, english_ratio, has_html

NOW = datetime(2026, 6, 1, tzinfo=UTC)
LIMITS = EnrichSettings(max_title_chars=50)


def _clean(**fields: object) -> RawArticle:
    return clean_article(RawArticle.model_validate({"id": "a", **fields}), LIMITS, NOW)


def test_plain_text_is_left_byte_for_byte() -> None:
    body = "Rain in Oslo.\n\n  “Quoted”  text <3 and 2 < 5 > 1."
    assert not has_html(body)
    assert _clean(body=body).body == body


def test_html_is_reduced_to_text() -> None:
    article = _clean(
        title="<b>Storm</b>", body="<div><p>Wind &amp; rain</p><script>x()</script></div>"
    )
    assert (article.title, article.body) == ("Storm", "Wind & rain")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"body": "<p> </p>"}, ErrorCode.EMPTY_BODY),
        ({"title": "x" * 51, "body": "Text."}, ErrorCode.TOO_LARGE),
        ({"body": "Text.", "published_at": "2026-06-03T00:00:00Z"}, ErrorCode.SCHEMA_VIOLATION),
        ({"body": "Text.", "published_at": "1066-10-14T00:00:00Z"}, ErrorCode.SCHEMA_VIOLATION),
        ({"body": "Text.", "language": "fr"}, ErrorCode.UNSUPPORTED_LANGUAGE),
        (
            {"body": "Der Bundeskanzler traf am Montag in Berlin den französischen Präsidenten. "
                     "Beide sprachen über die Lage in der Ukraine und über neue Sanktionen gegen "
                     "Russland, wie ein Sprecher der Regierung mitteilte. Die Gespräche sollen "
                     "fortgesetzt werden."},
            ErrorCode.UNSUPPORTED_LANGUAGE,
        ),
    ],
)  # fmt: skip
def test_rejections(fields: dict[str, object], code: ErrorCode) -> None:
    with pytest.raises(RejectedMessage) as caught:
        _clean(**fields)
    assert caught.value.code == code


def test_english_passes_detection_and_tags() -> None:
    body = " ".join(["The minister said on Monday that the talks in Brussels would continue."] * 5)
    words, ratio = english_ratio(body)
    assert words >= 30 and ratio > 0.3
    assert _clean(body=body).body == body
    assert _clean(body="Kurz.", language="en-GB").language == "en-GB"
    assert _clean(body="Text.", published_at="2026-06-01T20:00:00Z").published_at is not None
