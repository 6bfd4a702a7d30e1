"""Reading a topic for downstream users and scripts (``newsflow consume``).

A message whose value is JSON the reader cannot handle (nested deeper than Python's parser
goes) is skipped: one line on stderr names it (topic, partition, offset) and, when reading
ends, another says how many were skipped. Values that are not JSON at all are passed on
wrapped (:meth:`Received.as_json`).
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaTimeoutError
from kafka.structs import OffsetAndMetadata

from pipeline.config import Settings
from pipeline.errors import KafkaUnavailable
from pipeline.kafka.clients import kafka_python_config
from pipeline.kafka.failures import kafka_error
from pipeline.models import text_or_base64


@dataclass(frozen=True)
class Received:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None

    def as_json(self, envelope: bool = False) -> dict[str, Any]:
        """The event as a JSON object; non-JSON values (or ``envelope``) get a wrapper."""
        decoded = _json_or_none(self.value)
        if decoded is not None and not envelope:
            return decoded
        text, encoding = text_or_base64(self.value or b"")
        wrapped: dict[str, Any] = {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "timestamp_ms": self.timestamp_ms,
            "key": self.key.decode("utf-8", "replace") if self.key is not None else None,
        }
        if decoded is not None:
            wrapped["value"] = decoded
        else:
            wrapped.update(value=text, value_encoding=encoding)
        return wrapped


def _json_or_none(value: bytes | None) -> dict[str, Any] | None:
    try:
        decoded = json.loads(value or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return decoded if isinstance(decoded, dict) else None


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def undecodable(value: bytes | None) -> str | None:
    """Why a value cannot be handed on (decoded, then printed as UTF-8 JSON), or None."""
    if value is None:
        return None
    deep = value.count(b"[") + value.count(b"{") >= 100
    if not deep and _SURROGATE_ESCAPE.search(value) is None:
        return None  # the common case, checked cheaply
    try:
        json.dumps(json.loads(value), ensure_ascii=False).encode("utf-8")
    except RecursionError:
        return "JSON nested too deeply to decode"
    except UnicodeEncodeError:
        return "JSON with a lone surrogate escape (not valid Unicode)"
    except ValueError:
        return None  # not JSON: passed on wrapped
    return None


def report_skip(received: Received, reason: str) -> None:
    """The default for ``follow(on_skip=...)``: one line on stderr."""
    where = f"{received.topic}[{received.partition}]@{received.offset}"
    print(f"newsflow: skipped {where}: {reason}", file=sys.stderr, flush=True)


def open_consumer(
    settings: Settings, topic: str, group: str | None, from_beginning: bool
) -> KafkaConsumer:
    """A read_committed consumer: durable (committing) with a group, else a detached reader."""
    try:
        consumer = KafkaConsumer(
            **kafka_python_config(settings),
            group_id=group,
            # Offsets are committed by hand, only for what was actually handed out.
            enable_auto_commit=False,
            auto_offset_reset="earliest" if from_beginning else "latest",
            isolation_level="read_committed",
        )
    except KafkaTimeoutError as exc:
        raise kafka_error(settings, exc) from exc
    if group is not None:
        consumer.subscribe([topic])
        return consumer
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        consumer.close()
        raise KafkaUnavailable(f"topic {topic} does not exist at {settings.bootstrap_servers}")
    tps = [TopicPartition(topic, p) for p in sorted(partitions)]
    consumer.assign(tps)
    if from_beginning:
        consumer.seek_to_beginning(*tps)
    else:
        consumer.seek_to_end(*tps)
    return consumer


def follow(
    settings: Settings,
    topic: str,
    *,
    from_beginning: bool = False,
    max_messages: int | None = None,
    group: str | None = None,
    idle_timeout: float | None = None,
    on_skip: Callable[[Received, str], None] = report_skip,
) -> Iterator[Received]:
    """Yield messages until ``max_messages`` or ``idle_timeout`` seconds without one.

    A message that cannot be decoded (:func:`undecodable`) is not yielded: ``on_skip`` hears
    it, it counts as consumed (a group moves past it), and the total is reported at the end.
    """
    consumer = open_consumer(settings, topic, group, from_beginning)
    done: dict[TopicPartition, OffsetAndMetadata] = {}
    count = 0
    skipped = 0
    last = time.monotonic()
    try:
        while max_messages is None or count < max_messages:
            batches = consumer.poll(timeout_ms=500, max_records=max_messages or 500)
            if not batches:
                if idle_timeout is not None and time.monotonic() - last > idle_timeout:
                    return
                continue
            last = time.monotonic()
            for tp, records in batches.items():
                for r in records:
                    # Marked before yielding: a caller that stops after this event (closing the
                    # generator at the yield) has still consumed it.
                    done[tp] = OffsetAndMetadata(r.offset + 1, "", -1)
                    received = Received(r.topic, r.partition, r.offset, r.timestamp, r.key, r.value)
                    reason = undecodable(r.value)
                    if reason is not None:
                        skipped += 1
                        on_skip(received, reason)
                        continue
                    yield received
                    count += 1
                    if max_messages is not None and count >= max_messages:
                        return
            _commit(consumer, group, done)
    finally:
        _commit(consumer, group, done)
        consumer.close()
        if skipped:
            print(f"newsflow: skipped {skipped} message(s) that could not be decoded",
                  file=sys.stderr, flush=True)  # fmt: skip


def _commit(
    consumer: KafkaConsumer, group: str | None, done: dict[TopicPartition, OffsetAndMetadata]
) -> None:
    if group is not None and done:
        consumer.commit(dict(done))
