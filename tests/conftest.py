"""Shared test helpers: settings factories that never touch the user's environment."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests judge behaviour, not speed: on a shared or slow CI machine a per-example
# deadline only turns load into failures. Examples are derived from each test, so a run
# is repeatable.
settings.register_profile(
    "newsflow", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("newsflow")

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their own settings; a developer's NEWSFLOW_* variables (other than the
    cluster address) must not leak in."""
    import os

    for name in list(os.environ):
        if name.startswith("NEWSFLOW_") and name != "NEWSFLOW_KAFKA_BOOTSTRAP":
            monkeypatch.delenv(name)
    monkeypatch.chdir(ROOT)


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]
