"""Hostile input on the real broker: every message of ``tests/hostile.py`` (poison messages
whose dead letters once outgrew the broker's limit, deep nesting, surrogates, huge keys, binary
and empty values, garbage headers, hypothesis-drawn values) gets exactly one result — its
enriched event or its dead letter — in both processing guarantees; nothing stalls the
partition, and the articles after them are enriched."""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.kafka.topics import TopicSpec, ensure_topics, topic_specs
from pipeline.models import DeadLetter, ErrorCode
from pipeline.worker.process import RECORD_FRAMING_BYTES
from tests.hostile import CORPUS, ENRICHED, GOOD_BODY, POISON, Case, generated
from tests.integration.conftest import BOOTSTRAP, Env, Worker

pytestmark = pytest.mark.integration

ENRICHED_MAX_BYTES = 10_000  # the enriched topic's max.message.bytes in this test
# Its enriched event is over ENRICHED_MAX_BYTES (each newline is escaped as two bytes), while
# its text takes the NLP no time.
OVERSIZED = Case("oversized-output", b"o1", json.dumps({"id": "o1", "title": "Big",
                 "body": f"{GOOD_BODY}{chr(10) * 6000}{GOOD_BODY}"}).encode(),
                 ErrorCode.OUTPUT_TOO_LARGE.value)  # fmt: skip
AFTER = [Case(f"after-{n}", f"a{n}".encode(), json.dumps({"id": f"a{n}", "title": "After",
              "body": GOOD_BODY}).encode(), ENRICHED) for n in range(3)]  # fmt: skip
DEADLINE = 120.0  # seconds for every result once everything is sent


def _send(topic: str, cases: list[Case]) -> list[int]:
    """Send ``cases`` in order to partition 0 of ``topic``; their offsets."""
    # The broker, not the client, is the limit: a record just under 1 MB must go out.
    p = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", max_request_size=2_000_000)
    futures = [p.send(topic, key=c.key, value=c.value, headers=c.headers, partition=0)
               for c in cases]  # fmt: skip
    p.flush()
    p.close()
    return [f.get(timeout=30).offset for f in futures]


def _results(env: Env, expected: int) -> tuple[list[DeadLetter], list[tuple[bytes, bytes]]]:
    """Dead letters and enriched (key, value) pairs, read until there are ``expected`` in all."""
    topics = env.settings.topics
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, isolation_level="read_committed")
    tps = [TopicPartition(t, p) for t in (topics.deadletter, topics.enriched)
           for p in consumer.partitions_for_topic(t) or []]  # fmt: skip
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    dead: list[DeadLetter] = []
    enriched: list[tuple[bytes, bytes]] = []
    deadline = time.monotonic() + DEADLINE
    try:
        while len(dead) + len(enriched) < expected and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=500).items():
                for r in records:
                    if tp.topic == topics.deadletter:
                        dead.append(DeadLetter.model_validate_json(r.value))
                    else:
                        enriched.append((r.key, r.value))
        return dead, enriched
    finally:
        consumer.close()


def _read_at(topic: str, offset: int) -> bytes | None:
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, isolation_level="read_committed")
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.seek(tp, offset)
    try:
        records = consumer.poll(timeout_ms=10_000, max_records=1).get(tp, [])
        return records[0].value if records else None
    finally:
        consumer.close()


def _caught_up(env: Env, end: int, timeout: float = 30.0) -> int:
    """The group's committed offset of partition 0, once it reaches ``end`` (or the timeout)."""
    s = env.settings
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=s.worker.app_id)
    tp = TopicPartition(s.topics.raw, 0)
    deadline = time.monotonic() + timeout
    try:
        while (committed := consumer.committed(tp) or 0) < end and time.monotonic() < deadline:
            time.sleep(0.5)
        return committed
    finally:
        consumer.close()


@pytest.mark.parametrize("guarantee", ["exactly_once", "at_least_once"])
def test_hostile_input_gets_one_result_each_and_never_stalls(
    make_env: Callable[..., Env], tmp_path: Path, guarantee: str
) -> None:
    env = make_env(
        NEWSFLOW_TOPICS_PARTITIONS="1",  # everything on one partition: nothing can overtake
        NEWSFLOW_WORKER_PROCESSING_GUARANTEE=guarantee,
        NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS="0",  # a repeated value has its own result
        NEWSFLOW_WORKER_ENRICH_DEADLINE_SECONDS="20",
    )
    topics = env.settings.topics
    small = {"max.message.bytes": str(ENRICHED_MAX_BYTES)}
    ensure_topics(env.settings, [TopicSpec(s.name, s.partitions, s.replication, small)
                                 if s.name == topics.enriched else s
                                 for s in topic_specs(env.settings)])  # fmt: skip
    cases = [*CORPUS, OVERSIZED, *generated(40), *AFTER]
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        started = time.monotonic()
        offsets = _send(topics.raw, cases)
        dead, enriched = _results(env, len(cases))
        took = time.monotonic() - started
        assert worker.alive, worker.log.read_text()[-3000:]
        committed = _caught_up(env, offsets[-1] + 1)
    finally:
        code = worker.stop()
    log = worker.log.read_text()
    assert len(dead) + len(enriched) == len(cases), (took, log[-3000:])
    assert committed == offsets[-1] + 1, "the input partition did not get past everything"
    assert code == 0, log[-3000:]

    # Exactly one result per input: a dead letter names its offset, an enriched event its id.
    by_offset = dict(zip(offsets, cases, strict=True))
    letters = {d.offset: d for d in dead}
    assert len(letters) == len(dead) and set(letters) <= set(by_offset)
    alive = [c for o, c in by_offset.items() if o not in letters]
    assert Counter(k for k, _ in enriched) == Counter(
        json.loads(c.value or b"")["id"].encode() for c in alive
    )
    for offset, case in by_offset.items():
        result = letters[offset].error_code.value if offset in letters else ENRICHED
        assert case.expected in (None, result), (case.name, result, letters.get(offset))

    # A dead letter fits the topic, and says how to find and check the whole original.
    for case in POISON:
        letter = letters[offsets[cases.index(case)]]
        # The broker's message.max.bytes (1,048,588 by default) and the producer's request.
        assert len(letter.model_dump_json().encode()) <= 1_048_576 - RECORD_FRAMING_BYTES
        key, value = case.key or b"", case.value or b""
        assert (letter.key_size, letter.value_size) == (len(key), len(value))
        assert value.startswith(letter.value.encode())
        original = _read_at(letter.source_topic, letter.offset)
        assert original is not None
        assert hashlib.sha256(original).hexdigest() == letter.value_sha256
    assert all(len(v) <= ENRICHED_MAX_BYTES for _, v in enriched)
    print(f"{guarantee}: {len(cases)} messages, {len(dead)} dead-lettered, "
          f"{len(enriched)} enriched, all results in {took:.1f} s")  # fmt: skip
