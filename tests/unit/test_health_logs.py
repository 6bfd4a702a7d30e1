"""/healthz, /readyz and /metrics on a metrics port; text and JSON log lines with context."""

from __future__ import annotations

import io
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter

from pipeline.cli import main
from pipeline.observe import logs
from pipeline.observe.health import Flag, Readiness, fresh_within, serve_http
from tests.conftest import free_port


def _get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_health_readiness_and_metrics_share_the_port() -> None:
    registry = CollectorRegistry()
    Counter("nf_test_things", "things", registry=registry).inc(3)
    connected = Flag("connecting")
    last: list[float] = []
    readiness = Readiness()
    readiness.add("kafka", connected)
    readiness.add("polling", fresh_within(60, lambda: last[-1] if last else None, "poll"))
    port = free_port()
    server = serve_http(registry, "127.0.0.1", port, readiness)
    try:
        assert _get(port, "/healthz") == (200, b'{"alive": true}')
        status, body = _get(port, "/readyz")
        assert status == 503
        assert json.loads(body) == {
            "ready": False,
            "checks": {"kafka": "connecting", "polling": "no poll yet"},
        }
        connected.set()
        last.append(time.monotonic() - 120)
        status, body = _get(port, "/readyz")
        assert status == 503 and json.loads(body)["checks"]["polling"].startswith("last poll 120")
        last.append(time.monotonic())
        assert _get(port, "/readyz") == (
            200,
            b'{"ready": true, "checks": {"kafka": "ok", "polling": "ok"}}',
        )
        connected.unset("rebalancing")
        assert _get(port, "/readyz")[0] == 503
        status, body = _get(port, "/metrics")
        assert status == 200 and b"nf_test_things_total 3.0" in body
        assert _get(port, "/nope")[0] == 404
    finally:
        server.shutdown()


def _lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_json_lines_carry_the_message_being_processed() -> None:
    stream = io.StringIO()
    logs.configure_logging("info", "json", stream)
    log = logging.getLogger("pipeline.test")
    try:
        log.info("before any message")
        logs.bind_message("news.raw", 3, 41)
        logs.bind(article_id="a-1")
        log.warning("dead letter: %s", "too_large")
        log.debug("hidden at info")
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("failed")
    finally:
        logs.clear()
    first, second, third = (json.loads(line) for line in _lines(stream)[:3])
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["message"] == "before any message" and first["time"].endswith("+00:00")
    assert second == {
        "time": second["time"],
        "level": "warning",
        "logger": "pipeline.test",
        "message": "dead letter: too_large",
        "article_id": "a-1",
        "topic": "news.raw",
        "partition": 3,
        "offset": 41,
    }
    assert third["level"] == "error" and "ValueError: boom" in third["exc"]
    assert len(_lines(stream)) == 3


def test_text_lines_name_the_context_and_reconfiguring_replaces_the_handler() -> None:
    stream = io.StringIO()
    logs.configure_logging("debug", "text", stream)
    logs.configure_logging("debug", "text", stream)  # once more: still one handler
    logs.bind_message("news.raw", 0, 7)
    try:
        logging.getLogger("pipeline.test").debug("hello")
    finally:
        logs.clear()
    (line,) = _lines(stream)
    assert line.endswith(" DEBUG pipeline.test: hello [topic=news.raw partition=0 offset=7]")


def test_every_command_configures_logging(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFLOW_LOG_FORMAT", "JSON")
    monkeypatch.setenv("NEWSFLOW_LOG_LEVEL", "WARNING")
    assert main(["config", "show"]) == 0
    logging.getLogger("pipeline.ingest.feeds").warning("feed %s: http_error", "x")
    logging.getLogger("pipeline.ingest.feeds").info("not at warning")
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    record: dict[str, Any] = json.loads(err[0])
    assert (record["logger"], record["message"]) == ("pipeline.ingest.feeds", "feed x: http_error")


@pytest.fixture(autouse=True)
def _back_to_stderr() -> Any:
    yield
    logs.configure_logging("info", "text")


def test_faust_partition_sets_are_drawn_as_tables_in_the_worker_log() -> None:
    import faust.worker  # noqa: F401 (registers Faust's argument formatter)
    from faust.types import TP
    from mode.utils.logging import ExtensionFormatter

    stream = io.StringIO()
    logs.configure_logging("info", "text", stream)
    logs.format_args_with(ExtensionFormatter().format_arg)
    try:
        logging.getLogger("aiokafka").info("Setting newly assigned partitions %s", {TP("r", 0)})
    finally:
        logs._arg_formatters.clear()
    assert "| r     | {0}        |" in stream.getvalue()
