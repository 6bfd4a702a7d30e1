"""Shared test helpers: settings factories that never touch the user's environment."""

from __future__ import annotations

import random
import socket
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:  # spaCy and the model load only in the tests that use them
    from spacy.language import Language

    from pipeline.enrich import Enricher

# Property tests judge behaviour, not speed: on a shared or slow CI machine a per-example
# deadline only turns load into failures. Examples are derived from each test, so a run
# is repeatable.
settings.register_profile(
    "newsflow", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("newsflow")

ROOT = Path(__file__).resolve().parent.parent


_HANDED_OUT: set[int] = set()
_LOWEST = 20_000


def _ephemeral_floor() -> int:
    """The first port the kernel hands out on its own (Linux: 32768 unless tuned)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def free_port() -> int:
    """A port free now, below the kernel's ephemeral range, never the same one twice in a
    run. A port from ``bind(0)`` is an ephemeral one, which the kernel may give any outgoing
    connection (a Kafka client's, a test beside this one) before the test's server binds it
    (a broker once failed to start with "Address already in use" that way); a port below the
    range is taken only by someone binding it on purpose."""
    floor = _ephemeral_floor()
    draw = random.Random()
    for _ in range(500) if floor > _LOWEST + 1_000 else ():
        port = draw.randrange(_LOWEST, floor)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    with socket.socket() as s:  # a tuned kernel with no room below its range
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def isolate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their own settings; a developer's NEWSFLOW_* variables (other than the
    cluster address) must not leak in."""
    import os

    for name in list(os.environ):
        if name.startswith("NEWSFLOW_") and name != "NEWSFLOW_KAFKA_BOOTSTRAP":
            monkeypatch.delenv(name)
    monkeypatch.chdir(ROOT)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


# Loading the model costs a second or two each time; these are loaded once per run and shared
# by every module that asks. An Enricher keeps nothing between articles but memos of pure
# functions, so a test sees the same output whichever tests ran before it. A module that
# needs other settings builds its own.
@pytest.fixture(scope="session")
def enricher() -> Enricher:
    """The Enricher with the default settings."""
    from pipeline.config import EnrichSettings
    from pipeline.enrich import Enricher

    return Enricher(EnrichSettings())


@pytest.fixture(scope="session")
def every_tag_enricher() -> Enricher:
    """The default model with no stance threshold: every (holder, target) with its
    preferred stance."""
    from pipeline.config import EnrichSettings
    from pipeline.enrich import Enricher

    return Enricher(EnrichSettings(stance_min_confidence=0.0))


@pytest.fixture(scope="session")
def untrained_enricher() -> Enricher:
    """The default settings with a stance model that emits nothing: for tests of the
    candidates the rules propose, which need no model."""
    from pipeline.config import EnrichSettings
    from pipeline.enrich import Enricher
    from pipeline.enrich.stance_model import StanceModel

    return Enricher(EnrichSettings(), StanceModel.untrained())


@pytest.fixture(scope="session")
def spacy_model() -> Language:
    """The spaCy model as shipped (no fast components, no bounded tokenizer); tests must
    not change its pipeline."""
    import spacy

    from pipeline.config import EnrichSettings

    return spacy.load(EnrichSettings().model)
