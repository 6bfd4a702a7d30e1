"""The sweep: input Faust dropped with nothing after it, picked up every few seconds."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiokafka.structs import TopicPartition

from pipeline.worker.delivery.commit_queue import TRANSIENT, CommitQueue
from pipeline.worker.delivery.transactions import PartitionLost, TransactionalSink

log = logging.getLogger(__name__)


async def sweep_forever(
    owned: Callable[[], list[TopicPartition]],
    sink: TransactionalSink,
    queue: CommitQueue,
    every: float = 5.0,
    idle_seconds: float = 15.0,
    limit: int = 16,
) -> None:
    """Every few seconds, pick up input Faust dropped with nothing after it (else it would
    wait for the partition's next article or the next rebalance)."""
    while True:
        await asyncio.sleep(every)
        try:
            records = await sink.stranded(owned(), idle_seconds, limit)
        except (*TRANSIENT, PartitionLost) as exc:
            log.warning("sweep for stranded input failed (%r); next try in %.0fs", exc, every)
            continue
        if records:
            await queue.submit(records)
