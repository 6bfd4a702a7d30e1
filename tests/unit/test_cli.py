from __future__ import annotations

import subprocess
import sys

import pytest

from pipeline.cli import main
from tests.conftest import free_port


def test_unreachable_cluster_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFLOW_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    monkeypatch.setenv("NEWSFLOW_KAFKA_CONNECT_TIMEOUT_SECONDS", "1")
    assert main(["topics", "create"]) == 5
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["newsflow: error: no Kafka broker answers at 127.0.0.1:1"]


def test_invalid_setting_names_the_field(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFLOW_METRICS_PORT", "not-a-port")
    assert main(["topics", "create"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("newsflow: error: invalid setting metrics.port") and "\n" not in err


def test_missing_input_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["produce", "/no/such/file.jsonl"]) == 6
    assert "no such file or folder: /no/such/file.jsonl" in capsys.readouterr().err


def test_missing_java_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.delenv("NEWSFLOW_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.setenv("NEWSFLOW_BROKER_PORT", "1")  # nothing answers there: a start is needed
    monkeypatch.setenv("NEWSFLOW_STATE_DIR", str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "kafka", "start"],
        env={
            "PATH": "/nonexistent",
            "NEWSFLOW_BROKER_PORT": "1",
            # Free, so that a broker another run holds on 9093 is not what stops this start.
            "NEWSFLOW_BROKER_CONTROLLER_PORT": str(free_port()),
            "NEWSFLOW_STATE_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 3
    assert result.stderr.strip() == (
        "newsflow: error: 'java' not found on PATH: install a Java 17 runtime "
        "(apt-get install openjdk-17-jre)"
    )


def test_a_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    import uuid

    from pipeline.kafka import broker

    # 0xF8 encodes to '-' first in url-safe base64; the storage tool would take it for an option.
    draws = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=bytes(16))])
    monkeypatch.setattr(broker.uuid, "uuid4", lambda: next(draws))
    assert broker.new_cluster_id() == "AAAAAAAAAAAAAAAAAAAAAA"
