"""Shared test helpers: settings factories that never touch the user's environment."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

from pipeline.tools.ports import free_port as free_port  # the tests' one helper

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
