"""Stance target and polarity fixes of session 13 on invented sentences: what the rules
propose (holder, target as written, direction). Unit cases, not figures."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from tests.unit.stance_proposals import Proposal, proposed


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


def directions(found: set[Proposal], holder: str, word: str) -> set[int]:
    """The directions proposed from ``holder`` toward a target containing ``word``."""
    return {p for h, t, p in found if holder in h and word in t.lower()}


@pytest.mark.parametrize(
    "verb", ["did not endorse", "never criticized", "no longer opposes", "did not oppose"]
)
def test_a_denied_stance_verb_reads_no_direction(enricher: Enricher, verb: str) -> None:
    found = proposed(enricher, f"Senator Rosa Diaz {verb} Governor Tom Reed.")
    assert directions(found, "Rosa Diaz", "reed") == {0}


@pytest.mark.parametrize(
    ("verb", "prior"),
    [("declined to endorse", -1), ("refused to back", -1), ("agreed not to back", -1)],
)
def test_a_refusal_still_composes_its_direction(enricher: Enricher, verb: str, prior: int) -> None:
    found = proposed(enricher, f"Senator Rosa Diaz {verb} Governor Tom Reed.")
    assert directions(found, "Rosa Diaz", "reed") == {prior}
