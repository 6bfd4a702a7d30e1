"""The Kafka publisher of ``news.raw``, shared by ``newsflow produce``, the feed poller, the HTTP
ingest, the demo and the benchmark: acks=all, idempotent, keyed by article id.

A send counts only once the broker acknowledged it. An article is rejected before sending (and
counted in ``rejected``) when the worker would reject it for its size (:func:`over_limits`,
the worker's own settings), when its text cannot be encoded, or when it is over the largest
request the producer sends. When Kafka refuses a send for any other reason (no metadata within
the timeout, producer closed), publishing stops there: the report says what was acknowledged
before, and ``stopped`` why the rest was not sent.

:meth:`Publisher.deliver` is the asyncio form for the HTTP ingest: sends happen on a thread
(``send`` blocks while metadata is missing), acknowledgements are awaited on the loop, and
nothing is sent after the caller's deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError, MessageSizeTooLargeError
from kafka.producer.future import FutureRecordMetadata
from pydantic_core import PydanticSerializationError
from tqdm import tqdm

from pipeline.config import EnrichSettings, Settings
from pipeline.ingest.loaders import MAX_RECORD_BYTES, Loaded, over_limits
from pipeline.kafka.clients import kafka_python_config
from pipeline.kafka.failures import kafka_error
from pipeline.models import RawArticle


@dataclass
class PublishReport:
    sent: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    stopped: str | None = None  # why publishing stopped early (Kafka refused a send)
    unacknowledged: list[str] = field(default_factory=list)  # deliver(): sent, not acked in time


def encode(article: RawArticle, limits: EnrichSettings) -> bytes | str:
    """The message value of ``article``, or why it must not be sent."""
    reason = over_limits(article, limits)
    if reason is not None:
        return reason
    try:
        value = article.model_dump_json(exclude_none=True).encode("utf-8")
    except (PydanticSerializationError, UnicodeEncodeError):
        return "text is not valid Unicode (a lone surrogate?)"
    if len(value) + len(article.id) > MAX_RECORD_BYTES:
        return f"{len(value)} bytes as JSON, over Kafka's message limit of {MAX_RECORD_BYTES}"
    return value


class Publisher:
    """A kafka-python producer with acks=all and idempotence: a send counts once acknowledged.

    ``timeout_seconds`` (default ``NEWSFLOW_KAFKA_DELIVERY_TIMEOUT_SECONDS``) bounds both a
    send waiting for metadata and a record waiting for its acknowledgement. ``producer``
    replaces the kafka-python producer (a test double).
    """

    def __init__(self, settings: Settings, timeout_seconds: float | None = None,
                 producer: KafkaProducer | None = None) -> None:  # fmt: skip
        self.topic = settings.topics.raw
        self.limits = settings.enrich
        self._timeout = timeout_seconds or settings.kafka.delivery_timeout_seconds
        timeout_ms = int(self._timeout * 1000)
        # kafka-python insists on delivery timeout >= linger (5 ms) + request timeout.
        request_ms = min(int(settings.kafka.request_timeout_seconds * 1000), timeout_ms - 6)
        config = {**kafka_python_config(settings), "request_timeout_ms": request_ms}
        if producer is not None:
            self._producer = producer
            return
        try:
            self._producer = KafkaProducer(
                **config,
                acks="all",
                enable_idempotence=True,
                linger_ms=5,
                delivery_timeout_ms=timeout_ms,
                max_block_ms=timeout_ms,
                max_request_size=MAX_RECORD_BYTES,
            )
        except KafkaTimeoutError as exc:
            raise kafka_error(settings, exc) from exc

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
            value = encode(item.article, self.limits) if item.article else str(item.error)
            if isinstance(value, str) or item.article is None:
                report.rejected += 1
                fail(f"{item.origin}: {value!s}")
                continue
            try:
                future = self._send(item.article.id, value)
            except MessageSizeTooLargeError as exc:
                report.rejected += 1
                fail(f"{item.origin}: {exc}")
                continue
            except KafkaError as exc:
                report.stopped = f"Kafka refused {item.article.id} ({item.origin}): {exc}"
                fail(report.stopped)
                break
            pending.append((item.article.id, future))
            if len(pending) > 1000:  # keep memory bounded on an endless stream
                self._collect(pending, report, fail, None)
        # One deadline for all acknowledgements: per-record waits would add up, and after an
        # outage kafka-python's idempotent producer may never expire its batches.
        self._collect(pending, report, fail, time.monotonic() + self._timeout + 1.0)
        return report

    def _send(self, article_id: str, value: bytes) -> FutureRecordMetadata:
        return self._producer.send(self.topic, key=article_id.encode(), value=value)

    async def deliver(self, articles: Sequence[RawArticle], deadline: float,
                      executor: Executor | None = None) -> PublishReport:  # fmt: skip
        """Send ``articles`` (each checked with :func:`encode`) and await their
        acknowledgements until ``deadline`` (the loop's clock).

        In the report, ``ids`` were acknowledged; ``unacknowledged`` were handed to the
        producer but not acknowledged in time (they may still land: resending is safe, ids are
        stable); the rest were never handed over and never will be (``stopped`` says why).
        """
        loop = asyncio.get_running_loop()
        acks = [loop.create_future() for _ in articles]
        started = [False] * len(articles)
        gate = threading.Lock()  # once the answer is being written, nothing more is sent
        closed = False
        report = PublishReport()

        def settle(ack: asyncio.Future[None], error: BaseException | None) -> None:
            if not ack.done():
                ack.set_result(None) if error is None else ack.set_exception(error)

        def send_all() -> None:  # on a thread: send() blocks while metadata is missing
            for i, article in enumerate(articles):
                with gate:
                    if closed or loop.time() >= deadline:
                        report.stopped = report.stopped or "the deadline passed while sending"
                        return
                    started[i] = True
                value = encode(article, self.limits)
                try:
                    if isinstance(value, str):  # the caller did not check it
                        raise MessageSizeTooLargeError(value)
                    future = self._send(article.id, value)
                except KafkaError as exc:  # nothing was handed over for this one
                    with gate:
                        started[i] = False
                    report.stopped = f"Kafka refused {article.id}: {exc}"
                    return
                future.add_callback(lambda _, a=acks[i]: loop.call_soon_threadsafe(settle, a, None))
                future.add_errback(lambda e, a=acks[i]: loop.call_soon_threadsafe(settle, a, e))

        sending = loop.run_in_executor(executor, send_all)
        await asyncio.wait([sending], timeout=max(0.0, deadline - loop.time()))
        if sending.done():
            await asyncio.wait(acks, timeout=max(0.0, deadline - loop.time()))
        with gate:
            closed = True
            handed_over = list(started)
        for article, ack, was_started in zip(articles, acks, handed_over, strict=True):
            if ack.done() and ack.exception() is None:
                report.sent += 1
                report.ids.append(article.id)
            elif was_started:
                report.unacknowledged.append(article.id)
            if not ack.done():
                ack.cancel()
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
