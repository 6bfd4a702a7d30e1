"""The two shapes of the ``enrich_articles`` agent, one per processing guarantee."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import faust
from aiokafka.structs import TopicPartition

from pipeline.config import Settings
from pipeline.worker.delivery.commit_queue import CommitQueue
from pipeline.worker.delivery.input_reader import InputReader
from pipeline.worker.delivery.transactions import TransactionalSink, quiet_fenced_futures
from pipeline.worker.process import Incoming, Processor
from pipeline.worker.shutdown import close_transactional, run_to_end
from pipeline.worker.sweep import sweep_forever


def _incoming(event: Any) -> Incoming:
    return Incoming.of(event.message, event.message.timestamp)  # Faust's are in seconds


Agent = Callable[[Any], Coroutine[Any, Any, None]]


def at_least_once_agent(settings: Settings, processor: Processor, app: faust.App) -> Agent:
    """Send through Faust's producer, which is flushed before offsets are committed."""
    topics = settings.topics
    outputs = {
        name: app.topic(name, key_serializer="raw", value_serializer="raw")
        for name in (topics.enriched, topics.deadletter, topics.entities, topics.stance)
    }

    async def enrich_articles(stream: Any) -> None:
        async for event in stream.events():
            incoming = _incoming(event)
            processor.metrics.in_flight.inc()
            try:
                outs = await processor.process(incoming)
                sent = [await outputs[o.topic].send(key=o.key, value=o.value) for o in outs]
                # Acknowledged before its de-duplication keys are written: a key must never
                # outlive an output lost in a crash, or the replay would be skipped.
                await asyncio.gather(*sent)
                for out in outs:
                    processor.record_published(out, incoming)
            finally:
                processor.metrics.in_flight.dec()

    return enrich_articles


def transactional_agent(settings: Settings, processor: Processor, app: faust.App) -> Agent:
    """Enrich each admitted record as its own task and commit each input partition's finished
    records with their offset in one transaction (:mod:`pipeline.worker.delivery.commit_queue`)."""
    w = settings.worker

    def owned_input() -> list[TopicPartition]:
        return [TopicPartition(t.topic, t.partition) for t in app.consumer.assignment()
                if t.topic == settings.topics.raw]  # fmt: skip

    def owned(tp: TopicPartition) -> bool:
        return tp in owned_input()

    async def enrich_articles(stream: Any) -> None:
        quiet_fenced_futures(asyncio.get_running_loop())
        reader = InputReader(settings)
        await reader.start()
        sink = TransactionalSink(settings, owned, reader)
        queue = CommitQueue(processor, sink, w.in_flight_per_process * w.processes)
        helpers = [asyncio.create_task(queue.run()),
                   asyncio.create_task(sweep_forever(owned_input, sink, queue))]  # fmt: skip
        try:
            async for event in stream.events():
                await queue.submit([_incoming(event)])
        finally:
            await run_to_end(close_transactional(helpers, queue, sink, reader))

    return enrich_articles
