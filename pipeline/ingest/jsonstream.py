"""Splitting JSON input into records with bounded memory and bounded work.

Shared by ``newsflow produce`` (files of any size) and ``newsflow serve`` (request bodies):

* :func:`array_values` reads a JSON array (or one JSON value) element by element from a text
  reader, holding at most one element (up to ``max_chars``) in memory, so a caller can stop
  after as many elements as it allows before the rest is parsed at all;
* :func:`binary_lines` reads JSONL lines from a binary file, each at most ``max_bytes``: a
  longer line is reported (:class:`LongLine`) and skipped without being held in memory;
* :func:`decode` is ``json.loads`` that turns nesting too deep for the parser into a
  :class:`MalformedInput` instead of a ``RecursionError``.

Every error message is one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from pipeline.errors import MalformedInput

CHUNK_CHARS = 65_536
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def decode(text: str | bytes) -> Any:
    """``json.loads``; raises :class:`MalformedInput` (one line) for any JSON it cannot read."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedInput(f"not JSON: {exc.msg} (line {exc.lineno} column {exc.colno})") from exc
    except UnicodeDecodeError as exc:
        raise MalformedInput("not UTF-8") from exc
    except RecursionError as exc:
        raise MalformedInput("not JSON: nested too deeply") from exc


class _Buffer:
    """A window on a text reader: ``text[pos:]`` is what has been read and not consumed."""

    def __init__(self, read: Callable[[int], str]) -> None:
        self.read = read
        self.text = ""
        self.pos = 0
        self.eof = False

    def fill(self) -> bool:
        """Read one more chunk (dropping what was consumed); False at the end of input."""
        if self.eof:
            return False
        chunk = self.read(CHUNK_CHARS)
        self.text = self.text[self.pos :] + chunk
        self.pos = 0
        self.eof = not chunk
        return bool(chunk)

    def peek(self) -> str:
        """The next non-whitespace character, consuming the whitespace; "" at the end."""
        while True:
            self.pos = _WHITESPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.fill():
                return ""

    def value(self, max_chars: int, what: str) -> Any:
        """The JSON value starting here (reading more as needed, up to ``max_chars``)."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof or len(self.text) - self.pos > max_chars:
                    raise self._error(exc, what, max_chars) from exc
                self.fill()
                continue
            except RecursionError as exc:
                raise MalformedInput(f"{what}: not JSON: nested too deeply") from exc
            # A number at the end of the window may continue in the next chunk.
            if end == len(self.text) and not self.eof and self.fill():
                continue
            if end - self.pos > max_chars:
                raise MalformedInput(f"{what}: over {max_chars} characters")
            self.pos = end
            return value

    def _error(self, exc: json.JSONDecodeError, what: str, max_chars: int) -> MalformedInput:
        if not self.eof and len(self.text) - self.pos > max_chars:
            return MalformedInput(f"{what}: over {max_chars} characters")
        return MalformedInput(f"{what}: not JSON: {exc.msg}")


def array_values(read: Callable[[int], str], max_chars: int) -> Iterator[Any]:
    """The elements of the JSON array ``read`` returns (or the one value, if not an array).

    ``read(n)`` returns up to ``n`` more characters, "" at the end. Raises
    :class:`MalformedInput` at the first element that is not JSON, is nested too deeply or is
    longer than ``max_chars``; elements before it have been yielded.
    """
    buffer = _Buffer(read)
    first = buffer.peek()
    if first == "":
        return
    if first != "[":
        yield buffer.value(max_chars, "document")
        _expect_end(buffer)
        return
    buffer.pos += 1
    index = 0
    if buffer.peek() == "]":
        buffer.pos += 1
        _expect_end(buffer)
        return
    while True:
        yield buffer.value(max_chars, f"item {index}")
        index += 1
        separator = buffer.peek()
        buffer.pos += 1
        if separator == "]":
            _expect_end(buffer)
            return
        if separator != ",":
            found = repr(separator) if separator else "the end"
            raise MalformedInput(f"not JSON: expected ',' or ']' after item {index - 1}, "
                                 f"found {found}")  # fmt: skip


def _expect_end(buffer: _Buffer) -> None:
    if buffer.peek() != "":
        raise MalformedInput("not JSON: extra data after the document")


@dataclass(frozen=True)
class LongLine:
    """A line longer than the limit: skipped, never held whole in memory."""

    size: int  # bytes, counted while skipping


def binary_lines(stream: IO[bytes], max_bytes: int) -> Iterator[bytes | LongLine]:
    """Lines of ``stream`` (without the newline), or a :class:`LongLine` for each one over
    ``max_bytes``; memory stays within ``max_bytes`` plus one chunk."""
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        if line.endswith(b"\n"):
            yield line[:-1]
            continue
        if len(line) <= max_bytes:  # the last line, without a newline
            yield line
            continue
        size = len(line)
        while not line.endswith(b"\n"):
            line = stream.readline(CHUNK_CHARS)
            if not line:
                break
            size += len(line)
        yield LongLine(size - line.endswith(b"\n"))
