"""The two shapes of the ``enrich_articles`` agent, one per processing guarantee."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

import faust
from aiokafka.structs import TopicPartition

from pipeline.config import Settings
from pipeline.worker.delivery.delivery import Delivery, supervise
from pipeline.worker.delivery.kafka_io import AioKafka, output_limits, quiet_fenced_futures
from pipeline.worker.process import Incoming, Processor
from pipeline.worker.stopping import Stopping

log = logging.getLogger(__name__)

Fatal = Callable[[BaseException], None]
Agent = Callable[[Any], Coroutine[Any, Any, None]]


def _incoming(event: Any) -> Incoming:
    return Incoming.of(event.message, event.message.timestamp)  # Faust's are in seconds


def at_least_once_agent(settings: Settings, processor: Processor, app: faust.App) -> Agent:
    """Send through Faust's producer, which is flushed before offsets are committed."""
    topics = settings.topics
    outputs = {
        name: app.topic(name, key_serializer="raw", value_serializer="raw")
        for name in (topics.enriched, topics.deadletter, topics.entities, topics.stance)
    }

    async def enrich_articles(stream: Any) -> None:
        # Each actor asks as it starts; an answer without the broker's figures keeps any found.
        found = await output_limits(settings, app.conf.producer_max_request_size)
        if found.per_topic or not processor.limits.per_topic:
            processor.limits = found
        async for event in stream.events():
            incoming = _incoming(event)
            with processor.metrics.in_flight.track_inprogress():
                outs = await processor.process(incoming)
                sent = [await outputs[o.topic].send(key=o.key, value=o.value) for o in outs]
                # Acknowledged before its de-duplication keys are written: a key must never
                # outlive an output lost in a crash, or the replay would be skipped.
                await asyncio.gather(*sent)
                for out in outs:
                    processor.record_published(out, incoming)

    return enrich_articles


def transactional_agent(
    settings: Settings,
    processor: Processor,
    app: faust.App,
    on_fatal: Fatal,
    stopping: Stopping | None = None,
) -> Agent:
    """Enrich each admitted record as its own task and commit each input partition's finished
    records with their offset in one transaction (:mod:`pipeline.worker.delivery.delivery`).
    The drain on SIGTERM is a ``stopping`` step: it commits, and writes de-duplication keys to
    the seen table, before Faust stops its tables and producer (:mod:`pipeline.worker.stopping`);
    without ``stopping`` it runs when the actor ends."""
    w = settings.worker

    def owned_input() -> list[TopicPartition]:
        return [TopicPartition(t.topic, t.partition) for t in app.consumer.assignment()
                if t.topic == settings.topics.raw]  # fmt: skip

    kafka = AioKafka(settings)
    running = w.in_flight_per_process * w.processes
    delivery = Delivery(
        processor,
        kafka,
        lambda tp: tp in owned_input(),
        max_in_flight=running + w.commit_max_records,  # finished ones wait for their commit
        max_running=running,
        commit_max_records=w.commit_max_records,
    )
    life = _Life(processor, delivery, kafka, w.shutdown_seconds, on_fatal)
    if stopping is not None:
        stopping.add(life.close)

    @app.on_partitions_revoked.connect
    @app.on_partitions_assigned.connect  # type: ignore[arg-type]
    async def forget(_: faust.App, tps: set[Any], **__: Any) -> None:
        await delivery.forget([TopicPartition(t.topic, t.partition) for t in tps])

    async def enrich_articles(stream: Any) -> None:
        quiet_fenced_futures(asyncio.get_running_loop())
        try:
            if not await life.start(settings, owned_input):
                return  # the worker is stopping already
            await submit_all(life, delivery, (_incoming(e) async for e in stream.events()))
        except Exception as exc:
            on_fatal(exc)
            raise
        finally:
            await run_to_end(life.close())

    return enrich_articles


async def submit_all(life: _Life, delivery: Delivery, records: AsyncIterator[Incoming]) -> None:
    """Hand each record to the delivery. Once the end has begun, the drain stops the reader
    under a submit still reading a gap or opening a partition (ConsumerStoppedError): that
    submit admitted nothing, its records are left to the next owner, and the worker stops
    cleanly instead of failing."""
    try:
        async for record in records:
            await delivery.submit([record])
    except Exception as exc:
        if not life.closing:
            raise
        log.info("stopping: a submit under way ended with %r; its records are left", exc)


class _Life:
    """The delivery's start and end. The end (drain, then close) runs once, from whichever
    asks first: the worker's stopping step or the ending actor."""

    def __init__(self, processor: Processor, delivery: Delivery, kafka: AioKafka, grace: float,
                 on_fatal: Fatal) -> None:  # fmt: skip
        self._processor, self._delivery, self._kafka = processor, delivery, kafka
        self._grace, self._on_fatal = grace, on_fatal
        self._helpers: list[asyncio.Task[None]] = []
        self._lock = asyncio.Lock()  # a start in progress ends before the end begins
        self._started = self._closed = False
        self._closing: asyncio.Future[None] | None = None

    async def start(self, settings: Settings, owned: Callable[[], list[TopicPartition]]) -> bool:
        """Start the reader and the background tasks; False if the end came first."""
        async with self._lock:
            if self._closed:
                return False
            await self._kafka.start()
            self._started = True
            self._processor.limits = await output_limits(settings)
            work = (self._delivery.run(), self._delivery.sweep_forever(owned))
            self._helpers = [supervise(coro, self._on_fatal) for coro in work]
            return True

    @property
    def closing(self) -> bool:
        """The end (drain, then close) has begun."""
        return self._closing is not None

    def close(self) -> asyncio.Future[None]:
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        return self._closing

    async def _close(self) -> None:
        async with self._lock:
            self._closed = True
            for task in self._helpers:
                task.cancel()
            await asyncio.gather(*self._helpers, return_exceptions=True)
            # Commit what finishes in time; the rest is redone by the next owner.
            log.info("draining: %d articles in flight get %.0f s", self._delivery.in_flight,
                     self._grace)  # fmt: skip
            try:
                await self._delivery.drain(timeout=self._grace)
                log.info("drained")
            finally:  # a failed drain still closes the reader
                if self._started:
                    await self._kafka.stop()


async def run_to_end(cleanup: Awaitable[None]) -> None:
    """Run ``cleanup`` to its end even though Faust cancels the stopping actor: otherwise
    finished work goes uncommitted and producers are left open."""
    task = asyncio.ensure_future(cleanup)
    while not task.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)
    task.result()  # its error, if any, ends the actor as any other would
