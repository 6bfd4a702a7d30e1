"""Training the stance model: candidates labelled by the gold, deterministic output that the
extractor loads. Runs on a slice of the development half, so it is quick."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.enrich import Enricher
from pipeline.enrich.stance_model import FEATURE_SET_VERSION, StanceModel
from pipeline.tools.train_stance import train

DEV = Path(__file__).resolve().parents[1] / "data" / "gold" / "stance_dev.jsonl"


@pytest.fixture
def untrained(untrained_enricher: Enricher) -> Enricher:
    return untrained_enricher  # one load per run (tests/conftest.py)


def test_an_untrained_model_emits_nothing(untrained: Enricher) -> None:
    from pipeline.models import RawArticle

    body = "Slovak Prime Minister Robert Fico condemned the sanctions."
    assert untrained.enrich(RawArticle(id="u", body=body)).stances == []


def test_training_is_deterministic_and_loadable(untrained: Enricher, tmp_path: Path) -> None:
    lines = DEV.read_text(encoding="utf-8").splitlines()[:150]
    data = tmp_path / "slice.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    result = train(untrained, [data], first)
    train(untrained, [data], second)
    assert first.read_bytes() == second.read_bytes()
    meta = json.loads(first.read_text())["meta"]
    assert meta["feature_set_version"] == FEATURE_SET_VERSION
    assert meta["trained_on"] == ["slice.jsonl"] and meta["gold_tags"] > 20
    assert 0.0 < meta["suggested_min_confidence"] <= 0.95
    assert result["cv"][0]["threshold"] == pytest.approx(0.1)
    model = StanceModel.load(first)
    assert model.version == meta["version"]
