"""Reading articles in: files (or stdin) into RawArticles, valid or with the reason they are not.

Inputs: ``.jsonl`` (one article object a line), ``.json`` (an object or an array of them),
``.txt`` (first non-empty line is the title, the rest the body), folders of these (recursively,
in name order), and ``-`` for JSONL on stdin. An article without ``id`` gets a stable one: the
SHA-256 of its url, else of its title and body, cut to 16 hex digits.
"""

from __future__ import annotations

import hashlib
import json
import sys
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
