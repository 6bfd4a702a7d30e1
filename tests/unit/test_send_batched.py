"""Records sent in batches (kafka_io.send_batched): each on its key's partition, in order."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder
from aiokafka.record.default_records import DefaultRecordBatch

from pipeline.worker.delivery.kafka_io import partition_of, send_batched


class _Producer:
    """What send_batched uses of AIOKafkaProducer: real record batches of ``batch_size``
    bytes, kept as they are sent, one future each."""

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size
        self.sent: list[tuple[str, int, list[tuple[bytes | None, bytes | None]]]] = []

    def create_batch(self) -> BatchBuilder:
        return BatchBuilder(self.batch_size, 0)

    async def send_batch(self, batch: BatchBuilder, topic: str, *, partition: int) -> Any:
        batch.close()
        records = DefaultRecordBatch(bytes(batch._build()))
        self.sent.append((topic, partition, [(r.key, r.value) for r in records]))
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        return future


def test_each_partition_gets_its_records_in_order_in_batches_that_fit() -> None:
    records = [("t", i % 3, f"k{i}".encode(), b"v" * (10 + 40 * (i % 4))) for i in range(30)]
    records.append(("u", 0, b"big", b"x" * 5000))  # alone over the batch size: sent alone
    producer = _Producer(batch_size=400)
    futures: list[asyncio.Future[object]] = []

    asyncio.run(send_batched(producer, records, futures))  # type: ignore[arg-type]

    assert len(futures) == len(producer.sent)
    for topic, partition in {(t, p) for t, p, _, _ in records}:
        wanted = [(k, v) for t, p, k, v in records if (t, p) == (topic, partition)]
        got = [kv for t, p, batch in producer.sent if (t, p) == (topic, partition) for kv in batch]
        assert got == wanted
    batches_of_t0 = [b for t, p, b in producer.sent if (t, p) == ("t", 0)]
    assert len(batches_of_t0) > 1  # a full batch went, the rest followed in another
    assert ("u", 0, [(b"big", b"x" * 5000)]) in producer.sent


def test_a_keys_partition_is_the_producers_default_partitioners() -> None:
    default = DefaultPartitioner()
    for partitions in (1, 4, 9):
        everyone = list(range(partitions))
        for key in (b"Barack Obama", b"a-1", "Zoë Ñúñez".encode(), b"", b"\xff" * 40):
            assert partition_of(key, partitions) == default(key, everyone, everyone)
