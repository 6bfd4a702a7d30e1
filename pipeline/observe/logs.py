"""Logging for every command: one handler on stderr, plain text or JSON lines.

``NEWSFLOW_LOG_LEVEL`` sets the level, ``NEWSFLOW_LOG_FORMAT`` the format. A JSON line has
``time`` (ISO 8601, UTC), ``level``, ``logger`` and ``message``, plus ``topic``,
``partition``, ``offset`` and ``article_id`` when the record was logged while a message was
being processed (:func:`bind_message`, :func:`bind`), and ``exc`` with a traceback.
Context travels in a :class:`~contextvars.ContextVar`, so each asyncio task (one per message
in the worker) carries its own.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any, Literal

LogFormat = Literal["text", "json"]
CONTEXT_FIELDS = ("article_id", "topic", "partition", "offset")

_context: ContextVar[dict[str, Any]] = ContextVar("newsflow_log_context", default={})  # noqa: B039


def bind_message(topic: str, partition: int, offset: int) -> None:
    """Records logged from here on (in this task) name this message; replaces older context."""
    _context.set({"topic": topic, "partition": partition, "offset": offset})


def bind(**fields: Any) -> None:
    """Add fields (e.g. ``article_id``) to the current context."""
    _context.set({**_context.get(), **fields})


def clear() -> None:
    _context.set({})


ArgFormatter = Callable[[Any, logging.LogRecord], Any]
_arg_formatters: list[ArgFormatter] = []


def format_args_with(formatter: ArgFormatter) -> None:
    """Render log call arguments with ``formatter`` first (the worker installs Faust's, which
    draws partition sets as the tables its log readers expect)."""
    _arg_formatters.append(formatter)


class _ContextFilter(logging.Filter):
    """Copies the bound context onto each record, unless the call gave it in ``extra``, and
    renders its arguments with the installed argument formatters."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _context.get().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        for fmt in _arg_formatters:
            if isinstance(record.args, tuple):
                record.args = tuple(fmt(arg, record) for arg in record.args)
        return True


def _context_of(record: logging.LogRecord) -> dict[str, Any]:
    return {n: getattr(record, n) for n in CONTEXT_FIELDS if getattr(record, n, None) is not None}


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_context_of(record),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger: message [article_id=… partition=… offset=…]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = _context_of(record)
        if not context:
            return text
        first, newline, rest = text.partition("\n")
        suffix = " [" + " ".join(f"{k}={v}" for k, v in context.items()) + "]"
        return first + suffix + newline + rest


_HANDLER_NAME = "newsflow"


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes (as logging's last resort)."""

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _: IO[str]) -> None:
        pass


def configure_logging(level: str, fmt: LogFormat = "text", stream: IO[str] | None = None) -> None:
    """Send every logger's records at ``level`` or above to ``stream`` (stderr) in ``fmt``.
    Calling it again replaces the handler it added before."""
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == _HANDLER_NAME:
            root.removeHandler(old)
    handler: logging.Handler = logging.StreamHandler(stream) if stream else _Stderr()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_ContextFilter())
    root.addHandler(handler)
    numeric = logging.getLevelName(level.upper())
    root.setLevel(numeric)
    # kafka-python logs each failed connection attempt (as errors) while it retries; what
    # matters reaches us as an exception and becomes one Newsflow error. Shown when debugging.
    logging.getLogger("kafka").setLevel(logging.DEBUG if numeric <= logging.DEBUG else 100)
