"""Health and readiness on the worker's and the poller's metrics ports; JSON logs from both."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline.kafka.topics import ensure_topics
from tests.conftest import free_port
from tests.integration.conftest import Env, Worker, producer, read_topic
from tests.integration.test_feeds import FeedServer, server  # noqa: F401 (fixture)

pytestmark = pytest.mark.integration


def _get(port: str, path: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _wait_ready(port: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    status, body = 0, {}
    while time.monotonic() < deadline:
        status, body = _get(port, "/readyz")
        if status == 200:
            return body
        time.sleep(0.3)
    raise AssertionError(f"not ready in {timeout}s: {status} {body}")


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_worker_is_alive_then_ready_and_logs_dead_letters_as_json(
    make_env: Callable[..., Env], tmp_path: Path
) -> None:
    env = make_env(NEWSFLOW_LOG_FORMAT="json", NEWSFLOW_METRICS_LAG_INTERVAL_SECONDS="1")
    ensure_topics(env.settings)
    worker = Worker(env, tmp_path / "worker.log").start()
    port = env.vars["NEWSFLOW_METRICS_PORT"]
    try:
        assert _get(port, "/healthz") == (200, {"alive": True})
        assert _wait_ready(port)["checks"] == {"group": "ok", "kafka": "ok"}
        p = producer()
        p.send(env.vars["NEWSFLOW_TOPICS_RAW"], key=b"k", value=b"{not json", partition=1)
        p.flush()
        p.close()
        assert read_topic(env.vars["NEWSFLOW_TOPICS_DEADLETTER"], 1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            lines = _json_lines(worker.log.read_text())
            dead = [r for r in lines if r["message"].startswith("dead letter: invalid_json")]
            if dead:
                break
            time.sleep(0.3)
        assert dead, worker.log.read_text()[-2000:]
        assert dead[0]["partition"] == 1 and dead[0]["offset"] == 0
        assert dead[0]["topic"] == env.vars["NEWSFLOW_TOPICS_RAW"]
        assert dead[0]["logger"] == "pipeline.worker.process" and dead[0]["level"] == "info"
        assert any("Worker]: Ready" in r["message"] for r in lines)  # Faust's lines too
    finally:
        assert worker.stop() == 0


def test_poller_is_ready_after_its_first_poll_and_its_messages_appear(
    env: Env,
    server: FeedServer,  # noqa: F811
) -> None:
    good = server.serve("/rss", "rss.xml")
    bad = server.serve("/gone", status=500, body=b"down")
    port = str(free_port())
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "feed", good, bad],
        env={
            **os.environ,
            **env.vars,
            "NEWSFLOW_FEED_ALLOWED_HOSTS": '["127.0.0.1"]',
            "NEWSFLOW_FEED_METRICS_PORT": port,
            "NEWSFLOW_FEED_PER_HOST_INTERVAL_SECONDS": "0",
            "NEWSFLOW_LOG_FORMAT": "json",
        },
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                assert _get(port, "/healthz") == (200, {"alive": True})
                break
            except urllib.error.URLError:
                time.sleep(0.2)
        assert _wait_ready(port)["checks"] == {"kafka": "ok", "polling": "ok"}
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    warnings = [r for r in _json_lines(err) if r["logger"] == "pipeline.ingest.feeds"]
    assert any(bad in r["message"] and r["level"] == "warning" for r in warnings), err
