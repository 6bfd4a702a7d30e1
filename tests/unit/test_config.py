from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipeline.config import Settings
from pipeline.kafka.clients import faust_broker_config, kafka_python_config


def test_defaults_use_the_embedded_broker_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSFLOW_KAFKA_BOOTSTRAP", raising=False)
    s = Settings()
    assert s.uses_local_broker
    assert s.bootstrap_servers == "127.0.0.1:9092"
    assert s.metrics.host == "127.0.0.1" and s.metrics.port == 9464
    assert (s.topics.raw, s.topics.enriched, s.topics.deadletter) == (
        "news.raw",
        "news.enriched",
        "news.deadletter",
    )


def test_group_fields_come_from_prefixed_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_KAFKA_BOOTSTRAP", "k1:9092,k2:9092")
    monkeypatch.setenv("NEWSFLOW_TOPICS_RAW", "in.raw")
    monkeypatch.setenv("NEWSFLOW_WORKER_APP_ID", "group-a")
    monkeypatch.setenv("NEWSFLOW_METRICS_PORT", "9999")
    monkeypatch.setenv("NEWSFLOW_STATE_DIR", "/tmp/nf-state")
    s = Settings()
    assert not s.uses_local_broker
    assert kafka_python_config(s)["bootstrap_servers"] == ["k1:9092", "k2:9092"]
    assert faust_broker_config(s)["broker"] == "kafka://k1:9092,kafka://k2:9092"
    assert (s.topics.raw, s.worker.app_id, s.metrics.port) == ("in.raw", "group-a", 9999)
    assert str(s.state_dir) == "/tmp/nf-state"


def test_secrets_are_masked_when_dumped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("NEWSFLOW_KAFKA_SASL_USERNAME", "alice")
    monkeypatch.setenv("NEWSFLOW_KAFKA_SASL_PASSWORD", "s3cret")
    s = Settings()
    assert "s3cret" not in s.model_dump_json() and "s3cret" not in repr(s)
    assert kafka_python_config(s)["sasl_plain_password"] == "s3cret"


def test_invalid_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_KAFKA_SECURITY_PROTOCOL", "CARRIER_PIGEON")
    with pytest.raises(ValidationError):
        Settings()


def test_delivery_defaults_and_the_dedup_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    worker = Settings().worker
    assert worker.processing_guarantee == "exactly_once" and worker.dedup_window == 86_400
    monkeypatch.setenv("NEWSFLOW_WORKER_PROCESSING_GUARANTEE", "at_least_once")
    assert Settings().worker.dedup_window == 0  # its offsets come from Faust: off
    monkeypatch.setenv("NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS", "600")
    with pytest.raises(ValidationError, match="needs NEWSFLOW_WORKER_PROCESSING_GUARANTEE"):
        Settings()
    monkeypatch.setenv("NEWSFLOW_WORKER_PROCESSING_GUARANTEE", "exactly_once")
    assert Settings().worker.dedup_window == 600
    monkeypatch.setenv("NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS", "0")
    assert Settings().worker.dedup_window == 0
