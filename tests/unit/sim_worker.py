"""The worker under simulation: the delivery path on the in-memory Kafka."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiokafka.structs import TopicPartition

from pipeline.worker.delivery.delivery import Delivery
from pipeline.worker.process import Processor
from tests.unit.sim_kafka import SimKafka

SimWorker = Delivery


def build(kafka: SimKafka, processor: Processor, owned: Callable[[TopicPartition], bool],
          limit: int, **commit: Any) -> Delivery:  # fmt: skip
    """``commit``: Delivery's max_running and commit_max_records."""
    return Delivery(processor, kafka, owned, limit, backoff=(0.0005, 0.002), **commit)
