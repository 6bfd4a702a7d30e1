"""The whole path on the real broker: produce → Faust worker → enriched / dead-letter topics."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from pipeline.models import DeadLetter, EnrichedArticle, ErrorCode
from tests.integration.conftest import Env, Worker, metric_value, producer, read_topic

pytestmark = pytest.mark.integration


def test_seed_article_is_enriched_end_to_end(env: Env, worker: Worker) -> None:
    produced = env.run("produce", "seeds/", "--json")
    assert produced.returncode == 0, produced.stderr
    assert json.loads(produced.stdout)["sent"] == 1

    consumed = env.run(
        "consume",
        env.vars["NEWSFLOW_TOPICS_ENRICHED"],
        "--from-beginning",
        "--max",
        "1",
        "--timeout",
        "60",
    )
    assert consumed.returncode == 0, consumed.stderr
    article = EnrichedArticle.model_validate_json(consumed.stdout.splitlines()[0])
    seed = json.loads(Path("seeds/articles.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert article.id == seed["id"] and article.body == seed["body"]
    people = {e.name for e in article.entities if e.label == "PERSON"}
    assert {"Donald Trump", "Volodymyr Zelenskyy", "Vladimir Putin"} <= people
    for entity in article.entities:
        for m in entity.mentions:
            text = article.body if m.field == "body" else article.title
            assert text[m.start : m.end] == m.text
    assert article.meta.model_name and article.meta.processing_seconds > 0


BAD_MESSAGES: list[tuple[bytes, ErrorCode]] = [
    (b"this is not json", ErrorCode.INVALID_JSON),
    (b'["an", "array"]', ErrorCode.SCHEMA_VIOLATION),
    (b'{"id": "x1", "title": 7, "body": "Some text."}', ErrorCode.SCHEMA_VIOLATION),
    (b'{"id": "x2", "title": "No body"}', ErrorCode.EMPTY_BODY),
    (b'{"id": "x3", "body": "   "}', ErrorCode.EMPTY_BODY),
    (b'{"id": "x4", "body": "caf\xe9 latin-1"}', ErrorCode.INVALID_UTF8),
    (
        b'{"schema_version": "9.0", "id": "x5", "body": "From the future."}',
        ErrorCode.UNSUPPORTED_VERSION,
    ),
    (
        b'{"id": "x6", "body": "Dated ahead.", "published_at": "2999-01-01T00:00:00Z"}',
        ErrorCode.SCHEMA_VIOLATION,
    ),
    (json.dumps({"id": "x7", "title": "T" * 10_000, "body": "Long title."}).encode(),
     ErrorCode.TOO_LARGE),
    (json.dumps({"id": "x8", "language": "de", "body": "Der Kanzler sprach."}).encode(),
     ErrorCode.UNSUPPORTED_LANGUAGE),
    (
        json.dumps({"id": "x9", "body": "El presidente del Gobierno se reunió el lunes en "
                    "Madrid con los líderes sindicales para hablar de la reforma laboral y del "
                    "salario mínimo, según fuentes del Ministerio de Trabajo. Las conversaciones "
                    "continuarán la próxima semana."}).encode(),
        ErrorCode.UNSUPPORTED_LANGUAGE,
    ),
    (b'{"id": "x10", "body": "<p><br/></p><script>alert(1)</script>"}', ErrorCode.EMPTY_BODY),
]  # fmt: skip


def test_bad_messages_are_dead_lettered_and_the_worker_carries_on(env: Env, worker: Worker) -> None:
    topics = env.settings.topics
    p = producer()
    for i, (value, _) in enumerate(BAD_MESSAGES):
        p.send(topics.raw, key=f"bad{i}".encode(), value=value, partition=0)
    good = {
        "id": "good-after-bad",
        "title": "<b>Rain</b>",
        "body": "<p>Paris is <i>wet</i> today,</p><p>M&eacute;t&eacute;o says.</p>",
    }
    p.send(topics.raw, key=b"good-after-bad", value=json.dumps(good).encode(), partition=0)
    p.flush()

    dead = [
        DeadLetter.model_validate_json(v)
        for _, v in read_topic(topics.deadletter, len(BAD_MESSAGES))
    ]
    assert len(dead) == len(BAD_MESSAGES)
    by_offset = {d.offset: d for d in dead}
    for offset, (value, code) in enumerate(BAD_MESSAGES):
        letter = by_offset[offset]
        assert letter.error_code == code, letter
        assert letter.source_topic == topics.raw and letter.partition == 0
        assert letter.key == f"bad{offset}"
        original = (
            letter.value.encode()
            if letter.value_encoding == "utf-8"
            else __import__("base64").b64decode(letter.value)
        )
        assert original == value
        assert letter.error
    enriched = read_topic(topics.enriched, 1)
    assert [k for k, _ in enriched] == [b"good-after-bad"]
    cleaned = EnrichedArticle.model_validate_json(enriched[0][1])  # HTML cleaned, not rejected
    assert cleaned.title == "Rain" and cleaned.body == "Paris is wet today,\nMétéo says."
    assert "Paris" in {e.name for e in cleaned.entities}
    assert worker.alive

    scrape = worker.scrape()
    consumed = len(BAD_MESSAGES) + 1
    assert metric_value(scrape, "newsflow_articles_consumed_total", topic=topics.raw) == consumed
    assert metric_value(scrape, "newsflow_articles_enriched_total") == 1
    for code in {c for _, c in BAD_MESSAGES}:
        expected = sum(1 for _, c in BAD_MESSAGES if c == code)
        assert (
            metric_value(scrape, "newsflow_articles_deadlettered_total", reason=code.value)
            == expected
        )
    assert metric_value(scrape, "newsflow_enrichment_duration_seconds_count", stage="total") == 1
    assert metric_value(scrape, "newsflow_build_info") == 1


def test_sigterm_commits_so_a_restart_does_not_reprocess(
    env: Env, worker: Worker, tmp_path: object
) -> None:
    topics = env.settings.topics
    p = producer()
    for i in range(3):
        article = {"id": f"a{i}", "title": f"Story {i}", "body": f"Berlin hosts talk number {i}."}
        p.send(topics.raw, key=f"a{i}".encode(), value=json.dumps(article).encode())
    p.flush()
    assert len(read_topic(topics.enriched, 3)) == 3
    assert worker.stop(signal.SIGTERM) == 0

    restarted = Worker(env, worker.log).start()
    try:
        article = {"id": "a3", "title": "Story 3", "body": "Madrid hosts talk number 3."}
        p.send(topics.raw, key=b"a3", value=json.dumps(article).encode())
        p.flush()
        assert len(read_topic(topics.enriched, 4)) == 4
        scrape = restarted.scrape()
        # Only the new article: the first three were committed before the first worker exited.
        assert metric_value(scrape, "newsflow_articles_consumed_total", topic=topics.raw) == 1
    finally:
        restarted.stop()


def test_long_articles_do_not_starve_heartbeats(env: Env, worker: Worker) -> None:
    """NLP runs in the process pool: a backlog of long articles causes no rebalance."""
    paragraph = (
        "Officials in Lisbon said on Monday that the European Commission would review the "
        "fishing quotas after Spain and France asked for more time. The minister, Ana Costa, "
        "told reporters in Brussels that the talks had been difficult but useful. "
    )
    p = producer()
    for i in range(12):
        body = paragraph * 40  # ~1,600 words
        article = {"id": f"long{i}", "title": f"Quota talks {i}", "body": body}
        p.send(env.settings.topics.raw, key=f"long{i}".encode(), value=json.dumps(article).encode())
    p.flush()
    assert len(read_topic(env.settings.topics.enriched, 12, timeout=180)) == 12
    after_ready = worker.log.read_text().split("Worker]: Ready", 1)[1]
    for symptom in ("Heartbeat failed", "rebalanc", "Revoking previously assigned", "Timer"):
        assert symptom not in after_ready, f"{symptom!r} in worker log after Ready"
