"""The replay's :class:`~pipeline.tools.replay.Reader` and
:class:`~pipeline.tools.replay.Sink` on the real cluster (kafka-python): a read_committed
consumer assigned every raw partition, and one transactional producer per replay suffix."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError, ProducerFencedError
from kafka.structs import OffsetAndMetadata

from pipeline.config import Settings
from pipeline.errors import ConfigError, KafkaUnavailable
from pipeline.kafka.clients import kafka_python_config
from pipeline.tools.replay import Span, plan
from pipeline.worker.process import Incoming, Outgoing

# A partition that has not reached its stop after this long without a record is an outage.
STALL_SECONDS = 60.0


class KafkaReader:
    def __init__(self, settings: Settings, group: str, batch: int | None = None) -> None:
        self.topic = settings.topics.raw
        # Enough articles at once to keep every NLP process busy (as the worker does).
        self.batch = batch or 2 * settings.worker.processes * settings.worker.in_flight_per_process
        try:
            self._consumer = KafkaConsumer(
                **kafka_python_config(settings),
                group_id=group,
                enable_auto_commit=False,
                isolation_level="read_committed",
            )
            partitions = self._consumer.partitions_for_topic(self.topic)
        except KafkaError as exc:
            raise KafkaUnavailable(f"replay: cannot read {self.topic}: {exc}") from exc
        if not partitions:
            raise ConfigError(f"topic {self.topic} does not exist (NEWSFLOW_TOPICS_RAW)")
        self._tps = {p: TopicPartition(self.topic, p) for p in sorted(partitions)}

    def plan(self, since: datetime, until: datetime | None) -> dict[int, Span]:
        c, tps = self._consumer, list(self._tps.values())
        try:
            ends = c.end_offsets(tps)
            committed = {tp.partition: c.committed(tp) for tp in tps}
            at_since = self._offsets_at(since)
            at_until = self._offsets_at(until) if until is not None else None
        except KafkaError as exc:
            raise KafkaUnavailable(f"replay: cannot read offsets of {self.topic}: {exc}") from exc
        return plan(committed, at_since, at_until, {tp.partition: ends[tp] for tp in tps})

    def _offsets_at(self, moment: datetime) -> dict[int, int | None]:
        ms = int(moment.timestamp() * 1000)
        found = self._consumer.offsets_for_times(dict.fromkeys(self._tps.values(), ms))
        return {tp.partition: (o.offset if o is not None else None) for tp, o in found.items()}

    def batches(self, spans: Mapping[int, Span]) -> Iterator[tuple[list[Incoming], dict[int, int]]]:
        c = self._consumer
        todo = {p: self._tps[p] for p, s in spans.items() if s.size}
        c.assign(list(todo.values()))
        for p, tp in todo.items():
            c.seek(tp, spans[p].start)
        last_progress = time.monotonic()
        while todo:
            polled = c.poll(timeout_ms=1000, max_records=self.batch)
            messages = [
                Incoming.of(r, r.timestamp / 1000 if r.timestamp is not None else None)
                for tp, records in polled.items()
                for r in records
                if r.offset < spans[tp.partition].stop
            ]
            reached = {p: min(c.position(tp), spans[p].stop) for p, tp in todo.items()}
            done = [p for p, o in reached.items() if o >= spans[p].stop]
            if done:
                c.pause(*(todo.pop(p) for p in done))
            if messages or done:
                last_progress = time.monotonic()
                yield messages, reached
            elif time.monotonic() - last_progress > STALL_SECONDS:
                where = ", ".join(f"{self.topic}[{p}]@{reached[p]}" for p in todo)
                raise KafkaUnavailable(f"replay made no progress in {STALL_SECONDS:g} s at {where}")

    def close(self) -> None:
        self._consumer.close()


class KafkaSink:
    def __init__(self, settings: Settings, group: str) -> None:
        self.group = group
        self.raw = settings.topics.raw
        try:
            self._producer = KafkaProducer(
                **kafka_python_config(settings),
                transactional_id=group,
                acks="all",
                enable_idempotence=True,
            )
            self._producer.init_transactions()
        except KafkaError as exc:
            raise KafkaUnavailable(f"replay: cannot open a transaction: {exc}") from exc

    def commit(self, events: Sequence[Outgoing], offsets: Mapping[int, int]) -> None:
        p = self._producer
        try:
            p.begin_transaction()
            for event in events:
                p.send(event.topic, key=event.key, value=event.value)
            p.send_offsets_to_transaction(
                {TopicPartition(self.raw, n): OffsetAndMetadata(o, "", -1)
                 for n, o in offsets.items()},
                self.group,
            )  # fmt: skip
            p.commit_transaction()
        except ProducerFencedError as exc:
            raise KafkaUnavailable(
                f"another replay with the same suffix ({self.group}) took over; "
                "this one stopped after its last committed batch"
            ) from exc
        except KafkaError as exc:
            raise KafkaUnavailable(f"replay: {exc!r}") from exc

    def close(self) -> None:
        self._producer.close()
