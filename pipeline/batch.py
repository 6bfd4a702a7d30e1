"""One batch of input records, committed exactly once per input partition.

Faust-free: the agent in :mod:`pipeline.stream` hands over the records Faust delivered, and
:class:`~pipeline.transactions.TransactionalSink` decides which of them (plus any Faust
skipped) are still to do, and commits each partition's events with its offset in one
transaction. A failed commit is retried from the partition's committed offset; enrichment
results are kept, so a retry publishes without enriching again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

from pipeline.input_reader import GapNotFilled, InputReader
from pipeline.process import Incoming, Outgoing, Processor
from pipeline.transactions import CommitFailed, PartitionLost, TransactionalSink

log = logging.getLogger(__name__)


async def sweep_once(
    owned: Sequence[TopicPartition],
    processor: Processor,
    sink: TransactionalSink,
    reader: InputReader,
    idle_seconds: float,
    batch_size: int,
) -> int:
    """Process what Faust left stranded (see ``TransactionalSink.stranded``), one batch per
    partition, read directly from the topic; the number of records done."""
    done = 0
    for tp, start, end in await sink.stranded(owned, idle_seconds):
        records = await reader.read(tp, start, min(end, start + batch_size))
        log.info("%s: nothing from Faust for %.0fs; read %d records from offset %d",
                 tp, idle_seconds, len(records), start)  # fmt: skip
        await process_batch(records, processor, sink)
        done += len(records)
    return done


class Sink(Protocol):
    """What a batch needs from :class:`~pipeline.transactions.TransactionalSink`."""

    async def admit(self, tp: TopicPartition, messages: Sequence[Incoming]) -> list[Incoming]: ...

    async def commit(
        self, tp: TopicPartition, out: Sequence[Outgoing], next_offset: int
    ) -> None: ...


Key = tuple[TopicPartition, int]


def _key(message: Incoming) -> Key:
    return TopicPartition(message.topic, message.partition), message.offset


async def process_batch(batch: list[Incoming], processor: Processor, sink: Sink) -> None:
    """Commit every record of ``batch`` that is still ours exactly once; retry a partition
    whose commit failed (it is fenced and re-read, so only what is still uncommitted is
    redone), give up a partition another worker owns now."""
    pending: dict[TopicPartition, list[Incoming]] = {}
    for message in batch:
        pending.setdefault(_key(message)[0], []).append(message)
    results: dict[Key, list[Outgoing]] = {}
    committed: set[Key] = set()
    delay = 0.5
    processor.metrics.in_flight.inc(len(batch))
    try:
        while pending:
            plans, retry = await _admit(pending, sink)
            todo = [m for admitted in plans.values() for m in admitted if _key(m) not in results]
            outs = await asyncio.gather(*(processor.process(m) for m in todo))
            results.update(zip(map(_key, todo), outs, strict=True))
            for tp, admitted in plans.items():
                if await _commit(tp, admitted, results, processor, sink):
                    committed.update(map(_key, admitted))
                else:
                    retry[tp] = admitted
            pending = retry
            if pending:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
    finally:
        processor.metrics.in_flight.dec(len(batch))
        for key in results.keys() - committed:
            for out in results[key]:
                if out.enriched is not None:
                    processor.abandon(out.enriched)


async def _admit(
    pending: dict[TopicPartition, list[Incoming]], sink: Sink
) -> tuple[dict[TopicPartition, list[Incoming]], dict[TopicPartition, list[Incoming]]]:
    """Per partition, the contiguous records to process now, and the partitions to retry."""
    plans: dict[TopicPartition, list[Incoming]] = {}
    retry: dict[TopicPartition, list[Incoming]] = {}
    for tp, messages in pending.items():
        try:
            plans[tp] = await sink.admit(tp, messages)
        except PartitionLost:
            log.info("partition %s belongs to another worker now; it does this batch", tp)
        except (KafkaError, GapNotFilled) as exc:
            log.warning("cannot start %s yet (%r); retrying", tp, exc)
            retry[tp] = messages
    return plans, retry


async def _commit(
    tp: TopicPartition,
    admitted: list[Incoming],
    results: dict[Key, list[Outgoing]],
    processor: Processor,
    sink: Sink,
) -> bool:
    if not admitted:
        return True
    events = [o for m in admitted for o in results[_key(m)]]
    try:
        await sink.commit(tp, events, admitted[-1].offset + 1)
    except CommitFailed as exc:
        log.warning("transaction for %s failed (%s); retrying", tp, exc)
        return False
    for message in admitted:
        for out in results[_key(message)]:
            processor.record_published(out, message)
    return True
