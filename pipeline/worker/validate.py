"""Turning the bytes of a raw message into a RawArticle, or a reasoned rejection; and a
rejected message into a dead letter that fits its topic.

Parsing is bounded: pydantic's JSON parser refuses nesting deeper than a couple of hundred
levels, numbers of thousands of digits and lone surrogate escapes (which no UTF-8 output could
carry) as ``invalid_json``, and nothing it raises escapes as anything but a rejection.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pydantic_core
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

MAX_REASON_CHARS = 2000  # a dead letter's ``error`` is cut to this many characters


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
        record = pydantic_core.from_json(text)
    except (ValueError, RecursionError) as exc:
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
    max_bytes: int | None = None,
) -> DeadLetter:
    """The dead-letter event of a rejected message, keeping its original bytes with their size
    and SHA-256. With ``max_bytes``, the key and value are cut (``*_truncated``) so that the
    event's JSON takes at most that many bytes; the reason is always cut to
    :data:`MAX_REASON_CHARS`."""
    original = value or b""
    key_text: str | None = None
    key_encoding: Encoding = "utf-8"
    if key is not None:
        key_text, key_encoding = text_or_base64(key)
    value_text, value_encoding = text_or_base64(original)
    empty = DeadLetter(
        error_code=rejection.code,
        error=_shorten(rejection.reason, MAX_REASON_CHARS),
        detected_language=rejection.detected_language,
        source_topic=topic,
        partition=partition,
        offset=offset,
        key=None if key is None else "",
        key_encoding=key_encoding,
        value="",
        value_encoding=value_encoding,
        first_seen=datetime.now(UTC),
        key_size=None if key is None else len(key),
        key_sha256=None if key is None else hashlib.sha256(key).hexdigest(),
        value_size=len(original),
        value_sha256=hashlib.sha256(original).hexdigest(),
    )
    if max_bytes is None:
        return empty.model_copy(update={"key": key_text, "value": value_text})
    # The strings share what the rest of the event leaves: the key at least a quarter, the
    # value what the key does not take. Marking them truncated only shortens the event.
    room = max_bytes - len(empty.model_dump_json().encode("utf-8"))
    key_cut: str | None = None
    if key_text is not None:
        share = max(room // 4, room - _escaped_size(value_text))
        key_cut = _prefix_within(key_text, min(_escaped_size(key_text), share), key_encoding)
    value_cut = _prefix_within(value_text, room - _escaped_size(key_cut or ""), value_encoding)
    return empty.model_copy(
        update={
            "key": key_cut,
            "key_truncated": key_cut != key_text,
            "value": value_cut,
            "value_truncated": value_cut != value_text,
        }
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escaped_size(text: str) -> int:
    """Bytes ``text`` takes inside a JSON string as pydantic writes it (UTF-8, escapes)."""
    return len(pydantic_core.to_json(text)) - 2


def _prefix_within(text: str, limit: int, encoding: Encoding) -> str:
    """The longest prefix of ``text`` taking at most ``limit`` bytes in a JSON string; for
    base64, a whole number of 4-character groups, so it still decodes."""
    if _escaped_size(text) <= limit:
        return text
    step = 4 if encoding == "base64" else 1

    def fits(n: int) -> bool:
        return _escaped_size(text[: n * step]) <= limit

    low, high = 0, max(0, min(len(text), limit)) // step  # an escaped character takes >= 1 byte
    while low < high:  # the largest n that fits: O(log n) measurements, each linear
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return text[: low * step]
