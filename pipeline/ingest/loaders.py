"""Reading articles in: files (or stdin) into RawArticles, valid or with the reason they are not.

Inputs: ``.jsonl`` (one article object a line), ``.json`` (an object or an array of them),
``.txt`` (first non-empty line is the title, the rest the body), folders of these (recursively,
in name order), and ``-`` for JSONL on stdin, read line by line as it arrives
(:func:`load_stream`, so ``tail -f x.jsonl | newsflow produce -`` publishes each line at
once). An article without ``id`` gets a stable one: the SHA-256 of its url, else of its title
and body, cut to 16 hex digits.
"""

from __future__ import annotations

import hashlib
import json
import queue
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.errors import IngestError
from pipeline.models import RawArticle

SUFFIXES = (".jsonl", ".json", ".txt")


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


IDLE_SECONDS = 0.5


def follow_lines(stream: Iterable[str], idle_seconds: float = IDLE_SECONDS
                 ) -> Iterator[str | None]:  # fmt: skip
    """Lines of ``stream`` as they arrive, and None after each ``idle_seconds`` without one.

    A daemon thread reads, so a quiet pipe never blocks the caller: the None ticks let it
    flush what it has while waiting for more.
    """
    lines: queue.Queue[str | None] = queue.Queue(maxsize=10_000)

    def read() -> None:
        try:
            for line in stream:
                lines.put(line)
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
        yield line


def load(paths: Iterable[str]) -> Iterator[Loaded]:
    """Every record of every input, valid or not, in input order."""
    return (item for item in load_stream(paths) if item is not None)


def load_stream(paths: Iterable[str], idle_seconds: float = IDLE_SECONDS
                ) -> Iterator[Loaded | None]:  # fmt: skip
    """:func:`load`, with a None whenever stdin has been quiet for ``idle_seconds`` (so the
    publisher can flush what it has while waiting for more)."""
    for raw in paths:
        if raw == "-":
            yield from _jsonl_lines(follow_lines(sys.stdin, idle_seconds), "<stdin>")
            continue
        for path in iter_files([raw]):
            yield from _load_file(path)


def _load_file(path: Path) -> Iterator[Loaded | None]:
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


def _jsonl_lines(lines: Iterable[str | None], name: str) -> Iterator[Loaded | None]:
    number = 0
    for line in lines:
        if line is None:  # a pause in a followed stream
            yield None
            continue
        number += 1
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
