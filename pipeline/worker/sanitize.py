"""Checks and clean-ups of a schema-valid article before enrichment.

* HTML in the title or body is reduced to text (not rejected); plain text is left
  byte-for-byte as sent, so offsets stay valid for the sender's copy.
* A title over ``NEWSFLOW_ENRICH_MAX_TITLE_CHARS`` (after cleaning) is ``too_large``.
* ``published_at`` more than a day ahead, or before 1800, is a ``schema_violation``.
* Text that is not English is ``unsupported_language``: a ``language`` tag not starting with
  ``en``, or, untagged, a body of 30+ words in which under 8 % are common English function
  words (English news runs at 35–50 %; the English model cannot parse other languages).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from pipeline.config import EnrichSettings
from pipeline.enrich.text import html_to_text
from pipeline.errors import RejectedMessage
from pipeline.models import ErrorCode, RawArticle

_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>|<!--")
_WORD = re.compile(r"[^\W\d_]+")
_ENGLISH = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "we",
        "you",
        "i",
        "his",
        "her",
        "their",
        "our",
        "not",
        "no",
        "said",
        "says",
        "will",
        "would",
        "could",
        "should",
        "can",
        "may",
        "after",
        "before",
        "over",
        "about",
        "into",
        "than",
        "then",
        "there",
        "who",
        "which",
        "what",
        "when",
        "where",
        "while",
        "also",
        "more",
        "most",
    ]
)
MIN_WORDS_FOR_DETECTION = 30
MIN_ENGLISH_RATIO = 0.08


def has_html(text: str) -> bool:
    return _TAG.search(text) is not None


def english_ratio(text: str) -> tuple[int, float]:
    """Number of words and the share of them that are English function words."""
    words = [w.casefold() for w in _WORD.findall(text)]
    if not words:
        return 0, 0.0
    return len(words), sum(w in _ENGLISH for w in words) / len(words)


def clean_article(article: RawArticle, limits: EnrichSettings, now: datetime) -> RawArticle:
    """The article ready for enrichment, or a RejectedMessage saying why not."""
    title = html_to_text(article.title) if has_html(article.title) else article.title
    body = html_to_text(article.body) if has_html(article.body) else article.body
    if not body.strip():
        raise RejectedMessage(ErrorCode.EMPTY_BODY, "body has no text once HTML is removed")
    if len(title) > limits.max_title_chars:
        raise RejectedMessage(
            ErrorCode.TOO_LARGE,
            f"title has {len(title)} characters, limit {limits.max_title_chars}",
        )
    _check_date(article.published_at, now)
    _check_language(article.language, body)
    if (title, body) == (article.title, article.body):
        return article
    return article.model_copy(update={"title": title, "body": body})


def _check_date(published_at: datetime | None, now: datetime) -> None:
    if published_at is None:
        return
    moment = published_at if published_at.tzinfo else published_at.replace(tzinfo=UTC)
    if moment > now + timedelta(days=1):
        raise RejectedMessage(
            ErrorCode.SCHEMA_VIOLATION, f"published_at {moment.isoformat()} is in the future"
        )
    if moment.year < 1800:
        raise RejectedMessage(
            ErrorCode.SCHEMA_VIOLATION, f"published_at {moment.isoformat()} is implausibly old"
        )


def _check_language(language: str | None, body: str) -> None:
    if language:
        if not language.lower().startswith("en"):
            raise RejectedMessage(
                ErrorCode.UNSUPPORTED_LANGUAGE, f"language {language!r} is not supported (en)"
            )
        return
    words, ratio = english_ratio(body)
    if words >= MIN_WORDS_FOR_DETECTION and ratio < MIN_ENGLISH_RATIO:
        raise RejectedMessage(
            ErrorCode.UNSUPPORTED_LANGUAGE,
            f"body does not look English ({ratio:.0%} English function words in {words})",
        )
