"""Bare references ("criticized the plan") resolved to what they point at: unit cases of
single constructions, not figures."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from pipeline.enrich.candidates import Candidate, CandidateReader
from pipeline.models import RawArticle


@pytest.fixture
def enricher(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


def candidates(enricher: Enricher, body: str) -> list[Candidate]:
    doc, _ = enricher.read(RawArticle(id="t", title="", body=body))
    return CandidateReader(doc, enricher.catalogue).candidates()


def test_a_bare_reference_never_points_at_its_own_subject(enricher: Enricher) -> None:
    found = candidates(enricher, "Republican officials criticized the plan.")
    bare = [c for c in found if c.source == "bare_reference"]
    assert bare and all("officials" not in c.surface.lower() for c in bare)


def test_a_bare_reference_still_points_at_a_thing_named_before(enricher: Enricher) -> None:
    body = "The city unveiled a new housing scheme. Republican officials criticized the plan."
    bare = [c for c in candidates(enricher, body) if c.source == "bare_reference"]
    assert "housing scheme" in {c.surface for c in bare}
