from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.config import EnrichSettings
from pipeline.errors import RejectedMessage
from pipeline.models import ErrorCode, RawArticle
from pipeline.worker.sanitize import Accepted, clean_article, has_html

NOW = datetime(2026, 6, 1, tzinfo=UTC)
LIMITS = EnrichSettings(max_title_chars=50)


def _accept(**fields: object) -> Accepted:
    return clean_article(RawArticle.model_validate({"id": "a", **fields}), LIMITS, NOW)


def _clean(**fields: object) -> RawArticle:
    return _accept(**fields).article


def test_plain_text_is_left_byte_for_byte() -> None:
    body = "Rain in Oslo.\n\n  “Quoted”  text <3 and 2 < 5 > 1."
    assert not has_html(body)
    assert _clean(body=body).body == body


def test_html_is_reduced_to_text() -> None:
    article = _clean(
        title="<b>Storm</b>", body="<div><p>Wind &amp; rain</p><script>x()</script></div>"
    )
    assert (article.title, article.body) == ("Storm", "Wind & rain")


GERMAN = (
    "Der Bundeskanzler traf am Montag in Berlin den französischen Präsidenten. Beide sprachen "
    "über die Lage in der Ukraine und über neue Sanktionen gegen Russland."
)
PORTUGUESE = "O presidente disse na segunda-feira que o governo vai rever o orçamento do estado."
ITALIAN = (
    "Il governo ha approvato ieri sera il decreto sulle pensioni, secondo fonti del ministero."
)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"body": "<p> </p>"}, ErrorCode.EMPTY_BODY),
        ({"title": "x" * 51, "body": "Text."}, ErrorCode.TOO_LARGE),
        ({"body": "Text.", "published_at": "2026-06-03T00:00:00Z"}, ErrorCode.SCHEMA_VIOLATION),
        ({"body": "Text.", "published_at": "1066-10-14T00:00:00Z"}, ErrorCode.SCHEMA_VIOLATION),
        ({"body": "Text.", "language": "fr"}, ErrorCode.UNSUPPORTED_LANGUAGE),
        ({"body": GERMAN}, ErrorCode.UNSUPPORTED_LANGUAGE),
    ],
)
def test_rejections(fields: dict[str, object], code: ErrorCode) -> None:
    with pytest.raises(RejectedMessage) as caught:
        _clean(**fields)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("body", "language"), [(GERMAN, "de"), (PORTUGUESE, "pt"), (ITALIAN, "it")]
)
def test_other_languages_are_rejected_naming_the_language(body: str, language: str) -> None:
    with pytest.raises(RejectedMessage) as caught:
        _clean(body=body)
    assert caught.value.code == ErrorCode.UNSUPPORTED_LANGUAGE
    assert caught.value.detected_language == language
    assert repr(language) in caught.value.reason


@pytest.mark.parametrize(
    "body",
    [
        "The minister said on Monday that the talks in Brussels would continue.",
        # results and tables: names and numbers only
        "Arsenal 2 Chelsea 1\nLiverpool 0 Everton 0\nTottenham 3 Fulham 1",
        "  15:00  Aston Villa   0-2 (0-1)  Wigan Athletic\n"
        "         Stoke City    2-0 (2-0)  Burnley FC",
        "Brazil beat Germany 2-1",
        "1. Juventus 38 pts\n2. Napoli 35 pts\n3. Inter Milan 33 pts",
        "TRUMP SLAMS FED OVER RATES",
    ],
)
def test_english_text_including_results_and_tables_is_accepted(body: str) -> None:
    accepted = _accept(body=body)
    assert accepted.article.body == body
    assert accepted.detected_language in {"en", None}


def test_the_identified_language_is_returned() -> None:
    body = "The minister said on Monday that the talks in Brussels would continue."
    assert _accept(body=body).detected_language == "en"
    assert _accept(body="Arsenal 2 Chelsea 1").detected_language is None


def test_tags_are_trusted() -> None:
    assert _clean(body="Kurz.", language="en-GB").language == "en-GB"
    assert _clean(body="Text.", published_at="2026-06-01T20:00:00Z").published_at is not None
