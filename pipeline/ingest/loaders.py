"""Feeding articles in: read files (or stdin) into RawArticles and publish them to ``news.raw``.

Inputs: ``.jsonl`` (one article object a line), ``.json`` (an object or an array of them),
``.txt`` (first non-empty line is the title, the rest the body), folders of these (recursively,
in name order), and ``-`` for JSONL on stdin. An article without ``id`` gets a stable one: the
SHA-256 of its url, else of its title and body, cut to 16 hex digits.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError
from pydantic import ValidationError
from tqdm import tqdm

from pipeline.config import Settings
from pipeline.errors import IngestError
from pipeline.kafka.topics import unreachable
from pipeline.models import RawArticle

SUFFIXES = (".jsonl", ".json", ".txt")


@dataclass(frozen=True)
class Loaded:
    """One input record: an article, or the reason it was rejected before sending."""

    origin: str  # "file:line" for messages
    article: RawArticle | None = None
    error: str | None = None


@dataclass
class PublishReport:
    sent: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


def stable_id(record: dict[str, Any]) -> str:
    """The id of an article that has none: hash of its url, else of its text."""
    basis = record.get("url") or f"{record.get('title', '')}\n{record.get('body', '')}"
    return hashlib.sha256(str(basis).encode("utf-8")).hexdigest()[:16]


def to_article(record: Any, origin: str) -> Loaded:
    """Validate one decoded record as a RawArticle."""
    if not isinstance(record, dict):
        return Loaded(origin, error=f"expected a JSON object, got {type(record).__name__}")
    if not record.get("id"):
        record = {**record, "id": stable_id(record)}
    try:
        return Loaded(origin, article=RawArticle.model_validate(record))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "article"
        return Loaded(origin, error=f"{where}: {first['msg']}")


def iter_files(paths: Iterable[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            yield path
        else:
            raise IngestError(f"no such file or folder: {raw}")


def load(paths: Iterable[str]) -> Iterator[Loaded]:
    """Every record of every input, valid or not, in input order."""
    for raw in paths:
        if raw == "-":
            yield from _jsonl_lines(sys.stdin, "<stdin>")
            continue
        for path in iter_files([raw]):
            yield from _load_file(path)


def _load_file(path: Path) -> Iterator[Loaded]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"cannot read {path}: {exc}") from exc
    if path.suffix == ".jsonl":
        yield from _jsonl_lines(text.splitlines(), str(path))
    elif path.suffix == ".json":
        yield from _json_document(text, str(path))
    elif path.suffix == ".txt":
        yield _text_document(text, path)
    else:
        raise IngestError(f"unsupported input {path}: use .jsonl, .json or .txt")


def _jsonl_lines(lines: Iterable[str], name: str) -> Iterator[Loaded]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        origin = f"{name}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Loaded(origin, error=f"not JSON: {exc.msg}")
            continue
        yield to_article(record, origin)


def _json_document(text: str, name: str) -> Iterator[Loaded]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Loaded(name, error=f"not JSON: {exc.msg} at line {exc.lineno}")
        return
    records = document if isinstance(document, list) else [document]
    for index, record in enumerate(records):
        yield to_article(record, f"{name}[{index}]")


def _text_document(text: str, path: Path) -> Loaded:
    title, _, body = text.strip().partition("\n")
    record = {"title": title.strip(), "body": body.strip() or title.strip(), "source": path.name}
    return to_article(record, str(path))


class Publisher:
    """A kafka-python producer with acks=all and idempotence: a send counts once acknowledged."""

    def __init__(self, settings: Settings) -> None:
        self.topic = settings.topics.raw
        timeout_ms = int(settings.kafka.delivery_timeout_seconds * 1000)
        # kafka-python insists on delivery timeout >= linger (5 ms) + request timeout.
        request_ms = min(int(settings.kafka.request_timeout_seconds * 1000), timeout_ms - 6)
        config = {**settings.kafka_python_config(), "request_timeout_ms": request_ms}
        try:
            self._producer = KafkaProducer(
                **config,
                acks="all",
                enable_idempotence=True,
                linger_ms=5,
                delivery_timeout_ms=timeout_ms,
                max_block_ms=timeout_ms,
            )
        except KafkaTimeoutError as exc:
            raise unreachable(settings) from exc
        self._timeout = settings.kafka.delivery_timeout_seconds

    def publish(self, items: Iterable[Loaded], total: int | None = None) -> PublishReport:
        """Send every valid article keyed by id; count only what the broker acknowledged."""
        report = PublishReport()
        pending = []
        bar = tqdm(items, total=total, unit="article", disable=None if (total or 0) > 200 else True)
        for item in bar:
            if item.article is None:
                report.rejected += 1
                report.errors.append(f"{item.origin}: {item.error}")
                continue
            value = item.article.model_dump_json(exclude_none=True).encode("utf-8")
            future = self._producer.send(self.topic, key=item.article.id.encode(), value=value)
            pending.append((item.article.id, future))
        # One deadline for all acknowledgements: per-record waits would add up, and after an
        # outage kafka-python's idempotent producer may never expire its batches.
        deadline = time.monotonic() + self._timeout + 1.0
        for article_id, future in pending:
            try:
                future.get(timeout=max(0.0, deadline - time.monotonic()))
            except KafkaError as exc:
                report.errors.append(f"{article_id}: not acknowledged: {exc}")
                continue
            report.sent += 1
            report.ids.append(article_id)
        return report

    def close(self) -> None:
        # Records still pending after publish() were reported as not acknowledged already.
        with contextlib.suppress(KafkaError):
            self._producer.close(timeout=self._timeout)
