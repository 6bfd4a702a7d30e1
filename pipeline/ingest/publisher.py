"""The Kafka publisher of ``news.raw``, shared by ``newsflow produce``, the feed poller, the HTTP
ingest, the demo and the benchmark: acks=all, idempotent, keyed by article id."""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError
from kafka.producer.future import FutureRecordMetadata
from tqdm import tqdm

from pipeline.config import Settings
from pipeline.ingest.loaders import Loaded
from pipeline.kafka.clients import kafka_python_config
from pipeline.kafka.failures import kafka_error


@dataclass
class PublishReport:
    sent: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


class Publisher:
    """A kafka-python producer with acks=all and idempotence: a send counts once acknowledged."""

    def __init__(self, settings: Settings) -> None:
        self.topic = settings.topics.raw
        timeout_ms = int(settings.kafka.delivery_timeout_seconds * 1000)
        # kafka-python insists on delivery timeout >= linger (5 ms) + request timeout.
        request_ms = min(int(settings.kafka.request_timeout_seconds * 1000), timeout_ms - 6)
        config = {**kafka_python_config(settings), "request_timeout_ms": request_ms}
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
            raise kafka_error(settings, exc) from exc
        self._timeout = settings.kafka.delivery_timeout_seconds

    def publish(self, items: Iterable[Loaded | None], total: int | None = None,
                on_error: Callable[[str], None] | None = None) -> PublishReport:  # fmt: skip
        """Send every valid article keyed by id; count only what the broker acknowledged.

        Items are sent as the iterable yields them (a followed stdin publishes line by line);
        a None in ``items`` is a pause in the input: buffered records are flushed and their
        acknowledgements collected. ``on_error`` hears each rejection as it happens.
        """
        report = PublishReport()
        pending: deque[tuple[str, FutureRecordMetadata]] = deque()

        def fail(message: str) -> None:
            report.errors.append(message)
            if on_error is not None:
                on_error(message)

        bar = tqdm(items, total=total, unit="article", disable=None if (total or 0) > 200 else True)
        for item in bar:
            if item is None:
                self._producer.flush(timeout=self._timeout)
                self._collect(pending, report, fail, time.monotonic() + self._timeout)
                continue
            if item.article is None:
                report.rejected += 1
                fail(f"{item.origin}: {item.error}")
                continue
            value = item.article.model_dump_json(exclude_none=True).encode("utf-8")
            future = self._producer.send(self.topic, key=item.article.id.encode(), value=value)
            pending.append((item.article.id, future))
            if len(pending) > 1000:  # keep memory bounded on an endless stream
                self._collect(pending, report, fail, None)
        # One deadline for all acknowledgements: per-record waits would add up, and after an
        # outage kafka-python's idempotent producer may never expire its batches.
        self._collect(pending, report, fail, time.monotonic() + self._timeout + 1.0)
        return report

    @staticmethod
    def _collect(pending: deque[tuple[str, FutureRecordMetadata]], report: PublishReport,
                 fail: Callable[[str], None], deadline: float | None) -> None:  # fmt: skip
        """Acknowledgements of the oldest sends: all of them, waiting until ``deadline``; or,
        without a deadline, only those already done."""
        while pending:
            article_id, future = pending[0]
            if deadline is None and not future.is_done:
                return
            pending.popleft()
            try:
                future.get(timeout=max(0.0, (deadline or time.monotonic()) - time.monotonic()))
            except KafkaError as exc:
                fail(f"{article_id}: not acknowledged: {exc}")
                continue
            report.sent += 1
            report.ids.append(article_id)

    def close(self) -> None:
        # Records still pending after publish() were reported as not acknowledged already.
        with contextlib.suppress(KafkaError):
            self._producer.close(timeout=self._timeout)
