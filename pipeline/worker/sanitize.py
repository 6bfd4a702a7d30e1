"""Checks and clean-ups of a schema-valid article before enrichment.

* HTML in the title or body is reduced to text (not rejected); plain text is left
  byte-for-byte as sent, so offsets stay valid for the sender's copy.
* A title over ``NEWSFLOW_ENRICH_MAX_TITLE_CHARS`` (after cleaning) is ``too_large``.
* ``published_at`` more than a day ahead, or before 1800, is a ``schema_violation``.
* Text that is not English is ``unsupported_language`` (the English model cannot parse other
  languages): a ``language`` tag not starting with ``en``, or, untagged, a title and body
  that :func:`pipeline.enrich.language.identify` calls another language. Lists, results and
  tables, which are mostly names and numbers, are never called another language.
* The identified language (or None) is returned with the article, for the enriched event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipeline.config import EnrichSettings
from pipeline.enrich.language import Identified, identify
from pipeline.enrich.text import html_to_text
from pipeline.errors import RejectedMessage
from pipeline.models import ErrorCode, RawArticle

_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>|<!--")


def has_html(text: str) -> bool:
    return _TAG.search(text) is not None


@dataclass(frozen=True)
class Accepted:
    """An article ready for enrichment and the language identified in its text."""

    article: RawArticle
    language: Identified

    @property
    def detected_language(self) -> str | None:
        return self.language.language


def clean_article(article: RawArticle, limits: EnrichSettings, now: datetime) -> Accepted:
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
    language = _check_language(article.language, f"{title}\n{body}")
    if (title, body) != (article.title, article.body):
        article = article.model_copy(update={"title": title, "body": body})
    return Accepted(article, language)


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


def _check_language(tag: str | None, text: str) -> Identified:
    found = identify(text)
    if tag:
        if not tag.lower().startswith("en"):
            raise RejectedMessage(
                ErrorCode.UNSUPPORTED_LANGUAGE,
                f"language {tag!r} is not supported (en)",
                detected_language=found.language,
            )
        return found
    if found.is_english is False:
        raise RejectedMessage(
            ErrorCode.UNSUPPORTED_LANGUAGE,
            f"text is identified as {found.language!r} (score {found.score:.2f}), "
            "only English is supported",
            detected_language=found.language,
        )
    return found
