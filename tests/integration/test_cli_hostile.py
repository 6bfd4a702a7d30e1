"""``newsflow produce`` and ``newsflow consume`` on hostile input, against the real broker:
one-line errors, a summary of what was sent, nothing read whole, nothing that stops reading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kafka import KafkaProducer

from pipeline.ingest.loaders import MAX_RECORD_BYTES
from pipeline.models import RawArticle
from tests.integration.conftest import BOOTSTRAP, Env, read_topic

pytestmark = pytest.mark.integration


def test_produce_rejects_overlong_and_oversized_items_and_sends_the_rest(
    env: Env, tmp_path: Path
) -> None:
    limit = env.settings.enrich.max_body_chars
    path = tmp_path / "hostile.jsonl"
    with path.open("wb") as out:
        out.write(json.dumps({"id": "p1", "body": "First."}).encode() + b"\n")
        long_line = b'{"id": "long", "body": "' + b"x" * (3 * MAX_RECORD_BYTES) + b'"}'
        out.write(long_line + b"\n")
        out.write(json.dumps({"id": "quotes", "body": '"' * (limit + 1)}).encode() + b"\n")
        out.write(b'{"id": "deep", "body": ' + b"[" * 100_000 + b"\n")
        out.write(json.dumps({"id": "p2", "body": "Second."}).encode() + b"\n")
    result = env.run("produce", str(path))
    assert "Traceback" not in result.stderr + result.stdout
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 3 and all(line.startswith("rejected ") for line in errors)
    assert f"{path}:2: line of {len(long_line)} bytes, over the limit" in errors[0]
    assert "NEWSFLOW_ENRICH_MAX_BODY_CHARS" in errors[1] and "nested too deeply" in errors[2]
    assert result.stdout.strip().startswith("sent 2, rejected 3") and result.returncode == 0
    on_topic = read_topic(env.settings.topics.raw, 2, timeout=10)
    assert sorted(RawArticle.model_validate_json(v).id for _, v in on_topic) == ["p1", "p2"]


def test_consume_skips_and_reports_what_it_cannot_decode(env: Env) -> None:
    topic = env.settings.topics.raw
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP)
    for value in (b'{"id": "c1"}', b"[" * 100_000, b'{"t": "\\ud800"}', b'{"id": "c2"}'):
        producer.send(topic, value=value, partition=0)
    producer.flush()
    producer.close()
    result = env.run("consume", topic, "--from-beginning", "--timeout", "3", "--max", "10")
    assert "Traceback" not in result.stderr and result.returncode == 0
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["c1", "c2"]
    skipped = result.stderr.strip().splitlines()
    assert skipped == [
        f"newsflow: skipped {topic}[0]@1: JSON nested too deeply to decode",
        f"newsflow: skipped {topic}[0]@2: JSON with a lone surrogate escape (not valid Unicode)",
        "newsflow: skipped 2 message(s) that could not be decoded",
    ]
