"""Consumer lag of the worker's group, in messages and in seconds, refreshed in a thread.

Offset lag alone hides an idle producer, so lag is also measured as the age of the oldest
unprocessed message: the timestamp of the record at the committed offset. Every worker of
a group exports the same group-wide figures: aggregate them with ``max by (topic, partition)``.
"""

from __future__ import annotations

import logging
import threading
import time

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from pipeline.config import Settings
from pipeline.kafka.clients import kafka_python_config
from pipeline.observe.metrics import WorkerMetrics

log = logging.getLogger(__name__)


class LagMonitor:
    def __init__(self, settings: Settings, metrics: WorkerMetrics, interval: float) -> None:
        self.settings = settings
        self.metrics = metrics
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsflow-lag", daemon=True)
        self.last_ok: float | None = None  # time.monotonic() of the last successful refresh

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        config = kafka_python_config(self.settings)
        admin: KafkaAdminClient | None = None
        reader: KafkaConsumer | None = None
        # The first refresh is immediate: it also tells readiness the broker answers.
        while True:
            try:
                admin = admin or KafkaAdminClient(**config)
                reader = reader or KafkaConsumer(**config, enable_auto_commit=False)
                self.refresh(admin, reader)
                self.last_ok = time.monotonic()
            except KafkaError as exc:  # the broker may be away; try again next round
                log.warning("lag refresh failed: %s", exc)
            if self._stop.wait(self.interval):
                return

    def refresh(self, admin: KafkaAdminClient, reader: KafkaConsumer) -> None:
        """Set the lag gauges of every partition of the input topic."""
        topic = self.settings.topics.raw
        partitions = reader.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        ends = reader.end_offsets(tps)
        starts = reader.beginning_offsets(tps)
        group = self.settings.worker.app_id
        committed = admin.list_group_offsets(group).get(group, {})
        for tp in tps:
            meta = committed.get(tp)
            position = meta.offset if meta is not None and meta.offset >= 0 else starts[tp]
            messages = max(0, ends[tp] - position)
            seconds = self._age_of(reader, tp, position) if messages else 0.0
            labels = {"topic": topic, "partition": str(tp.partition)}
            self.metrics.lag_messages.labels(**labels).set(messages)
            self.metrics.lag_seconds.labels(**labels).set(seconds)

    @staticmethod
    def _age_of(reader: KafkaConsumer, tp: TopicPartition, offset: int) -> float:
        """Seconds since the record at ``offset`` was produced (0 if it cannot be read)."""
        reader.assign([tp])
        reader.seek(tp, offset)
        for records in reader.poll(timeout_ms=2000, max_records=1).values():
            for record in records:
                return max(0.0, time.time() - float(record.timestamp) / 1000)
        return 0.0
