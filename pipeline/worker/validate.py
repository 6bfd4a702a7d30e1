"""Turning the bytes of a raw message into a RawArticle, or a reasoned rejection."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pydantic import ValidationError

from pipeline.config import EnrichSettings
from pipeline.errors import RejectedMessage
from pipeline.models import (
    SUPPORTED_MAJOR,
    DeadLetter,
    Encoding,
    ErrorCode,
    RawArticle,
    text_or_base64,
)
from pipeline.worker.sanitize import Accepted, clean_article


def parse_raw(value: bytes | None, limits: EnrichSettings) -> Accepted:
    """Decode, parse and validate one message value; raise RejectedMessage with a code."""
    if value is None or not value.strip():
        raise RejectedMessage(ErrorCode.INVALID_JSON, "message value is empty")
    # Envelope overhead beyond the body is small; reject clearly oversized values before parsing.
    if len(value) > limits.max_body_chars * 4 + 65536:
        raise RejectedMessage(ErrorCode.TOO_LARGE, f"message is {len(value)} bytes")
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RejectedMessage(ErrorCode.INVALID_UTF8, f"value is not UTF-8: {exc}") from exc
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RejectedMessage(ErrorCode.INVALID_JSON, f"not JSON: {exc}") from exc
    if not isinstance(record, dict):
        raise RejectedMessage(
            ErrorCode.SCHEMA_VIOLATION, f"expected a JSON object, got {type(record).__name__}"
        )
    _check_version(record)
    _check_body(record, limits)
    try:
        article = RawArticle.model_validate(record)
    except ValidationError as exc:
        raise RejectedMessage(ErrorCode.SCHEMA_VIOLATION, _describe(exc)) from exc
    return clean_article(article, limits, datetime.now(UTC))


def _check_version(record: dict[str, object]) -> None:
    version = record.get("schema_version")
    if isinstance(version, str) and version.split(".")[0].isdigit():
        major = int(version.split(".")[0])
        if major > SUPPORTED_MAJOR:
            raise RejectedMessage(
                ErrorCode.UNSUPPORTED_VERSION,
                f"schema_version {version} is newer than supported major {SUPPORTED_MAJOR}",
            )


def _check_body(record: dict[str, object], limits: EnrichSettings) -> None:
    body = record.get("body")
    if body is None or (isinstance(body, str) and not body.strip()):
        raise RejectedMessage(ErrorCode.EMPTY_BODY, "body is missing or blank")
    if isinstance(body, str) and len(body) > limits.max_body_chars:
        raise RejectedMessage(
            ErrorCode.TOO_LARGE, f"body has {len(body)} characters, limit {limits.max_body_chars}"
        )


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "article"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def dead_letter(
    rejection: RejectedMessage,
    key: bytes | None,
    value: bytes | None,
    topic: str,
    partition: int,
    offset: int,
) -> DeadLetter:
    """The dead-letter event of a rejected message, keeping its original bytes."""
    key_text: str | None = None
    key_encoding: Encoding = "utf-8"
    if key is not None:
        key_text, key_encoding = text_or_base64(key)
    value_text, value_encoding = text_or_base64(value or b"")
    return DeadLetter(
        error_code=rejection.code,
        error=rejection.reason,
        detected_language=rejection.detected_language,
        source_topic=topic,
        partition=partition,
        offset=offset,
        key=key_text,
        key_encoding=key_encoding,
        value=value_text,
        value_encoding=value_encoding,
        first_seen=datetime.now(UTC),
    )
