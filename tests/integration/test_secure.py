"""SASL/SCRAM on a throw-away broker (own ports and state): the CLI and the Faust worker log in
through our settings translators; a wrong password fails fast and plainly; no password leaks."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.kafka.topics import topic_specs
from tests.conftest import free_port
from tests.integration.conftest import Env, Worker

pytestmark = pytest.mark.integration

USER = "newsflow-test"


@dataclass(frozen=True)
class SecureBroker:
    sasl_bootstrap: str
    password: str
    home: Path  # the broker's state (properties, log)


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    # Characters that would need quoting in `StorageTool --add-scram` syntax, on purpose.
    password = f"pw,={secrets.token_urlsafe(12)}]"
    state = tmp_path_factory.mktemp("secure-broker")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update(
        NEWSFLOW_STATE_DIR=str(state),
        NEWSFLOW_BROKER_PORT=str(free_port()),
        NEWSFLOW_BROKER_CONTROLLER_PORT=str(free_port()),
        NEWSFLOW_BROKER_SASL_PORT=str(free_port()),
        NEWSFLOW_BROKER_SCRAM_USERS=json.dumps({USER: password}),
    )
    cli = [sys.executable, "-m", "pipeline.cli", "kafka"]
    try:
        # Through the CLI and the settings, as an operator would start it.
        started = subprocess.run([*cli, "start"], env=env, capture_output=True, text=True,
                                 timeout=240, check=False)  # fmt: skip
        assert started.returncode == 0, started.stderr
        assert password not in started.stdout + started.stderr
        sasl = f"127.0.0.1:{env['NEWSFLOW_BROKER_SASL_PORT']}"
        assert f"SASL (SCRAM) on {sasl}" in started.stdout
        yield SecureBroker(sasl, password, state / "kafka")
    finally:
        subprocess.run([*cli, "stop"], env=env, capture_output=True, timeout=60, check=False)


def _sasl_env(
    make_env: Callable[..., Env],
    broker: SecureBroker,
    password: str,
    mechanism: str = "SCRAM-SHA-256",
    **overrides: str,
) -> Env:
    return make_env(
        NEWSFLOW_KAFKA_BOOTSTRAP=broker.sasl_bootstrap,
        NEWSFLOW_KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        NEWSFLOW_KAFKA_SASL_MECHANISM=mechanism,
        NEWSFLOW_KAFKA_SASL_USERNAME=USER,
        NEWSFLOW_KAFKA_SASL_PASSWORD=password,
        **overrides,
    )


def _with(env: Env, **changes: str) -> Env:
    return Env({**env.vars, **changes})


def _article(article_id: str) -> str:
    body = f"Officials in Oslo said talks on {article_id} would resume on Monday."
    return json.dumps({"id": article_id, "title": f"Talks {article_id}", "body": body}) + "\n"


def _assert_no_secret(secret: str, *texts: str) -> None:
    for text in texts:
        assert secret not in text, "the SASL password leaked into output"


def test_cli_topics_produce_consume_over_scram(
    secure_broker: SecureBroker, make_env: Callable[..., Env], tmp_path: Path
) -> None:
    env = _sasl_env(make_env, secure_broker, secure_broker.password)
    created = env.run("topics", "create", timeout=60)
    assert created.returncode == 0, created.stderr
    assert created.stdout.count("created") == len(topic_specs(Settings()))

    articles = tmp_path / "articles.jsonl"
    articles.write_text("".join(_article(f"s{i}") for i in range(5)))
    produced = env.run("produce", "--json", str(articles), timeout=60)
    assert produced.returncode == 0, produced.stderr
    assert json.loads(produced.stdout)["sent"] == 5

    # The other mechanism, through the same translator.
    reader = _with(env, NEWSFLOW_KAFKA_SASL_MECHANISM="SCRAM-SHA-512")
    raw = env.settings.topics.raw
    consumed = reader.run("consume", raw, "--from-beginning", "--max", "5", "--timeout", "20")
    assert consumed.returncode == 0, consumed.stderr
    assert sorted(json.loads(line)["id"] for line in consumed.stdout.splitlines()) == [
        f"s{i}" for i in range(5)
    ]
    outputs = [r.stdout + r.stderr for r in (created, produced, consumed)]
    _assert_no_secret(secure_broker.password, *outputs)


def test_worker_enriches_over_scram(
    secure_broker: SecureBroker, make_env: Callable[..., Env], tmp_path: Path
) -> None:
    # The noisiest log level must not leak the password either; the lag monitor's clients
    # (kafka-python) start within the test's lifetime.
    env = _sasl_env(
        make_env,
        secure_broker,
        secure_broker.password,
        NEWSFLOW_LOG_LEVEL="debug",
        NEWSFLOW_METRICS_LAG_INTERVAL_SECONDS="1",
    )
    log = tmp_path / "worker.log"
    worker = Worker(env, log).start()
    try:
        produced = env.run("produce", "-", input=_article("w1"), timeout=60)
        assert produced.returncode == 0, produced.stderr
        enriched = env.settings.topics.enriched
        consumed = env.run("consume", enriched, "--from-beginning", "--max", "1", "--timeout", "60")
        assert consumed.returncode == 0, consumed.stderr
        event = json.loads(consumed.stdout)
        assert event["id"] == "w1" and event["entities"], event
    finally:
        worker.stop()
    _assert_no_secret(secure_broker.password, log.read_text(errors="replace"))


def test_wrong_password_fails_fast_with_one_line(
    secure_broker: SecureBroker, make_env: Callable[..., Env], tmp_path: Path
) -> None:
    wrong = f"wrong-{secrets.token_urlsafe(12)}"
    env = _sasl_env(make_env, secure_broker, wrong, NEWSFLOW_KAFKA_CONNECT_TIMEOUT_SECONDS="5")
    articles = tmp_path / "a.jsonl"
    articles.write_text(_article("x1"))
    commands = {
        "topics": ["topics", "create"],
        "produce": ["produce", str(articles)],
        "consume": ["consume", env.settings.topics.raw, "--max", "1"],
        "worker": ["worker"],
    }
    started = time.monotonic()
    # In parallel: each waits out the connect timeout before it can tell why it failed.
    running = {
        name: subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", *args],
            env={**os.environ, **env.vars},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in commands.items()
    }
    results: dict[str, tuple[int, str, str, float]] = {}
    try:
        for name, process in running.items():
            out, err = process.communicate(timeout=45)
            results[name] = (process.returncode, out, err, time.monotonic() - started)
    finally:
        for process in running.values():
            if process.poll() is None:
                process.kill()
    for name, (code, out, err, elapsed) in results.items():
        print(f"\n{name}: exit {code} after {elapsed:.1f}s: {err.strip()}")
        assert code != 0, f"{name} succeeded with a wrong password"
        assert elapsed < 30, f"{name} took {elapsed:.0f}s to give up"
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "authentication failed" in lines[0], f"{name}: {err}"
        assert USER in lines[0]
        _assert_no_secret(wrong, out, err)
        _assert_no_secret(secure_broker.password, out, err)


def test_broker_keeps_passwords_out_of_its_files(secure_broker: SecureBroker) -> None:
    """Users go in through the admin API (salted hashes), not argv or server.properties."""
    for path in (secure_broker.home / "server.properties", secure_broker.home / "server.log"):
        _assert_no_secret(secure_broker.password, path.read_text(errors="replace"))
    properties = (secure_broker.home / "server.properties").read_text()
    assert "SASL_PLAINTEXT://" in properties and "PLAINTEXT://" in properties
