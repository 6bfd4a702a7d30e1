"""`newsflow kafka start|stop|status` on a second, throw-away broker (own ports and state)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.kafka.topics import topic_specs
from tests.conftest import free_port

pytestmark = pytest.mark.integration


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_local_broker_lifecycle(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update(
        NEWSFLOW_STATE_DIR=str(tmp_path / "state"),
        NEWSFLOW_BROKER_PORT=str(free_port()),
        NEWSFLOW_BROKER_CONTROLLER_PORT=str(free_port()),
    )
    assert _cli(env, "kafka", "status").returncode == 1
    try:
        started = _cli(env, "kafka", "start")
        assert started.returncode == 0, started.stderr
        assert "started on 127.0.0.1:" in started.stdout
        again = _cli(env, "kafka", "start")
        assert again.returncode == 0 and "already running" in again.stdout
        status = json.loads(_cli(env, "kafka", "status", "--json").stdout)
        assert status["running"] and status["managed"] and status["pid"]
        assert (tmp_path / "state/kafka/data/meta.properties").exists()  # formatted once
        log = Path(status["log_file"]).read_text()
        assert "Kafka Server started" in log
        assert (
            f"127.0.0.1:{env['NEWSFLOW_BROKER_PORT']}"
            in (tmp_path / "state/kafka/server.properties").read_text()
        )
        created = _cli(env, "topics", "create")
        assert created.returncode == 0
        assert created.stdout.count("created") == len(topic_specs(Settings()))  # all topics
    finally:
        stopped = _cli(env, "kafka", "stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert _cli(env, "kafka", "status").returncode == 1


def test_configured_cluster_is_used_and_nothing_started(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "NEWSFLOW_KAFKA_BOOTSTRAP": "127.0.0.1:9",
        "NEWSFLOW_STATE_DIR": str(tmp_path),
    }
    result = _cli(env, "kafka", "start")
    assert result.returncode == 0 and "using that cluster" in result.stdout
    assert not (tmp_path / "kafka").exists()
