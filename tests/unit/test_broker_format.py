"""Formatting the embedded broker's storage: the cause of a failure, and one retry with the
jars copied afresh (no JVM is started here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.errors import BrokerError
from pipeline.kafka import broker as broker_module
from pipeline.kafka.broker import LocalBroker

JAVA_FAILURE = """Exception in thread "main" java.lang.ExceptionInInitializerError
\tat kafka.tools.StorageTool.main(StorageTool.scala)
Caused by: java.util.zip.ZipException: zip END header not found
\tat java.base/java.util.zip.ZipFile.open(ZipFile.java:1)
\t... 8 more
"""


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        (JAVA_FAILURE, "Caused by: java.util.zip.ZipException: zip END header not found"),
        ("starting\nError: address already in use\n\t... 3 more\n",
         "Error: address already in use"),
        ("", "no output"),
    ],
)  # fmt: skip
def test_a_java_failure_is_reported_by_its_cause(output: str, reason: str) -> None:
    assert broker_module._reason(output) == reason


def test_a_failed_format_is_retried_once_with_fresh_jars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = LocalBroker(Settings(state_dir=tmp_path))
    broker.jars.mkdir(parents=True)
    stamp = broker.jars / ".pom-sha256"
    stamp.write_text("digest")
    calls: list[str] = []

    def format_once_failing(java: str, classpath: str) -> None:
        calls.append(classpath)
        if len(calls) == 1:
            raise BrokerError("formatting KRaft storage failed: boom")

    def fresh_classpath() -> str:
        assert not stamp.exists()  # the jars are copied again, not reused
        return "fresh/*"

    monkeypatch.setattr(broker, "_format", format_once_failing)
    monkeypatch.setattr(broker, "classpath", fresh_classpath)
    broker._format_storage("java", "old/*")
    assert calls == ["old/*", "fresh/*"]


def test_a_second_format_failure_is_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broker = LocalBroker(Settings(state_dir=tmp_path))

    def always_failing(java: str, classpath: str) -> None:
        raise BrokerError("formatting KRaft storage failed: boom")

    monkeypatch.setattr(broker, "_format", always_failing)
    monkeypatch.setattr(broker, "classpath", lambda: "fresh/*")
    with pytest.raises(BrokerError, match="boom"):
        broker._format_storage("java", "old/*")
