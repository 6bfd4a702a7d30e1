"""Reading articles in: files (or stdin) into RawArticles, valid or with the reason they are not.

Inputs: ``.jsonl`` (one article object a line), ``.json`` (an object or an array of them),
``.txt`` (first non-empty line is the title, the rest the body), folders of these (recursively,
in name order), and ``-`` for JSONL on stdin, read line by line as it arrives
(:func:`load_stream`, so ``tail -f x.jsonl | newsflow produce -`` publishes each line at
once). An article without ``id`` gets a stable one: the SHA-256 of its url, else of its title
and body, cut to 16 hex digits.

Files of any size are read one record at a time with bounded memory; a line (or array item)
over :data:`MAX_RECORD_BYTES` is rejected with a one-line reason without being held whole.
"""

from __future__ import annotations

import hashlib
import io
import queue
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from pipeline.config import EnrichSettings
from pipeline.enrich.text import html_to_text
from pipeline.errors import IngestError, MalformedInput
from pipeline.ingest.jsonstream import LongLine, array_values, binary_lines, decode
from pipeline.models import RawArticle

SUFFIXES = (".jsonl", ".json", ".txt")
# The largest record the Kafka producer sends (kafka-python's max_request_size, which the
# Publisher sets to this): a longer input line could never be published.
MAX_RECORD_BYTES = 1_048_576


@dataclass(frozen=True)
class Loaded:
    """One input record: an article, or the reason it was rejected before sending."""

    origin: str  # "file:line" for messages
    article: RawArticle | None = None
    error: str | None = None


def stable_id(record: dict[str, Any]) -> str:
    """The id of an article that has none: hash of its url, else of its text."""
    basis = record.get("url") or f"{record.get('title', '')}\n{record.get('body', '')}"
    return hashlib.sha256(str(basis).encode("utf-8")).hexdigest()[:16]


def to_article(record: Any, origin: str) -> Loaded:
    """Validate one decoded record as a RawArticle (text must be valid Unicode: a lone
    surrogate escape such as ``"\\ud800"`` cannot be encoded, so it is rejected here)."""
    if not isinstance(record, dict):
        return Loaded(origin, error=f"expected a JSON object, got {type(record).__name__}")
    if not record.get("id"):
        record = {**record, "id": stable_id(record)}
    try:
        article = RawArticle.model_validate(record)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "article"
        return Loaded(origin, error=f"{where}: {first['msg']}")
    for name, value in article:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                return Loaded(origin, error=f"{name}: lone surrogate at character {exc.start}")
    return Loaded(origin, article=article)


def over_limits(article: RawArticle, limits: EnrichSettings) -> str | None:
    """Why the worker would reject ``article`` for its size (checked at the door, so it is not
    published only to be dead-lettered), or None. The limits are the worker's settings."""
    if len(article.body) > limits.max_body_chars:
        return (f"body: {len(article.body)} characters, over the limit of "
                f"{limits.max_body_chars} (NEWSFLOW_ENRICH_MAX_BODY_CHARS)")  # fmt: skip
    # The worker measures the title once its HTML is removed; without markup that is the
    # title itself. Never stricter than the worker: with markup the text is measured.
    title = html_to_text(article.title) if "<" in article.title else article.title
    if len(title) > limits.max_title_chars:
        return (f"title: {len(title)} characters, over the limit of "
                f"{limits.max_title_chars} (NEWSFLOW_ENRICH_MAX_TITLE_CHARS)")  # fmt: skip
    return None


def iter_files(paths: Iterable[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            yield path
        else:
            raise IngestError(f"no such file or folder: {raw}")


IDLE_SECONDS = 0.5
T = TypeVar("T")


def follow_lines(stream: Iterable[T], idle_seconds: float = IDLE_SECONDS) -> Iterator[T | None]:
    """Lines of ``stream`` as they arrive, and None after each ``idle_seconds`` without one.

    A daemon thread reads, so a quiet pipe never blocks the caller: the None ticks let it
    flush what it has while waiting for more.
    """
    lines: queue.Queue[tuple[T] | None] = queue.Queue(maxsize=10_000)

    def read() -> None:
        try:
            for line in stream:
                lines.put((line,))
        finally:
            lines.put(None)  # end of input

    threading.Thread(target=read, name="stdin-reader", daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=idle_seconds)
        except queue.Empty:
            yield None
            continue
        if line is None:
            return
        yield line[0]


def load(paths: Iterable[str]) -> Iterator[Loaded]:
    """Every record of every input, valid or not, in input order."""
    return (item for item in load_stream(paths) if item is not None)


def load_stream(paths: Iterable[str], idle_seconds: float = IDLE_SECONDS
                ) -> Iterator[Loaded | None]:  # fmt: skip
    """:func:`load`, with a None whenever stdin has been quiet for ``idle_seconds`` (so the
    publisher can flush what it has while waiting for more). Files are read as they are
    published, one record at a time: memory stays bounded whatever their size."""
    for raw in paths:
        if raw == "-":
            lines = binary_lines(sys.stdin.buffer, MAX_RECORD_BYTES)
            yield from _jsonl_lines(follow_lines(lines, idle_seconds), "<stdin>")
            continue
        for path in iter_files([raw]):
            yield from _load_file(path)


def count_records(paths: Iterable[str]) -> int | None:
    """How many records the inputs hold (JSONL lines that are not blank, .txt files), read
    with bounded memory before publishing; None with stdin or a .json document (unknown
    without parsing). Raises IngestError for a missing input, before anything is sent."""
    total: int | None = 0
    for raw in paths:
        if raw == "-":
            total = None
            continue
        for path in iter_files([raw]):
            if path.suffix == ".json":
                total = None
            elif total is not None:
                total += _count_lines(path) if path.suffix == ".jsonl" else 1
    return total


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as stream:
            return sum(1 for line in binary_lines(stream, MAX_RECORD_BYTES)
                       if isinstance(line, LongLine) or line.strip())  # fmt: skip
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _load_file(path: Path) -> Iterator[Loaded | None]:
    if path.suffix not in SUFFIXES:
        raise IngestError(f"unsupported input {path}: use .jsonl, .json or .txt")
    try:
        with path.open("rb") as stream:
            if path.suffix == ".jsonl":
                yield from _jsonl_lines(binary_lines(stream, MAX_RECORD_BYTES), str(path))
            elif path.suffix == ".json":
                yield from _json_document(io.TextIOWrapper(stream, encoding="utf-8"), str(path))
            else:
                yield _text_document(stream.read(MAX_RECORD_BYTES + 1), path)
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _jsonl_lines(lines: Iterable[bytes | LongLine | None], name: str) -> Iterator[Loaded | None]:
    number = 0
    for line in lines:
        if line is None:  # a pause in a followed stream
            yield None
            continue
        number += 1
        origin = f"{name}:{number}"
        if isinstance(line, LongLine):
            yield Loaded(origin, error=f"line of {line.size} bytes, over the limit of "
                                       f"{MAX_RECORD_BYTES} for one article")  # fmt: skip
            continue
        if not line.strip():
            continue
        try:
            record = decode(line)
        except MalformedInput as exc:
            yield Loaded(origin, error=str(exc))
            continue
        yield to_article(record, origin)


def _json_document(text: io.TextIOWrapper, name: str) -> Iterator[Loaded]:
    """The items of a .json file (an object or an array of them), parsed one at a time; the
    first one that cannot be read ends the file with a rejection."""
    index = 0
    try:
        for index, record in enumerate(array_values(text.read, MAX_RECORD_BYTES)):
            yield to_article(record, f"{name}[{index}]")
    except MalformedInput as exc:
        yield Loaded(name, error=f"{exc}; the rest of the file was not read")
    except UnicodeDecodeError:
        yield Loaded(name, error="not UTF-8; the rest of the file was not read")


def _text_document(data: bytes, path: Path) -> Loaded:
    if len(data) > MAX_RECORD_BYTES:
        return Loaded(str(path), error=f"over the limit of {MAX_RECORD_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Loaded(str(path), error="not UTF-8")
    title, _, body = text.strip().partition("\n")
    record = {"title": title.strip(), "body": body.strip() or title.strip(), "source": path.name}
    return to_article(record, str(path))
