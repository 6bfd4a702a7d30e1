"""Training the stance model: candidates labelled by the gold, deterministic output that the
extractor loads. Runs on a slice of the development half, so it is quick."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import EnrichSettings
from pipeline.enrich import Enricher
from pipeline.enrich.stance_model import FEATURE_SET_VERSION, StanceModel
from pipeline.tools.train_stance import (
    _best_recall,
    choose_c,
    curve,
    mean_curve,
    operating_point,
    train,
)

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
    # two fold shuffles, not the command's three: the averaging is tested, in less time
    result = train(untrained, [data], first, repeats=2)
    train(untrained, [data], second, repeats=2)
    assert first.read_bytes() == second.read_bytes()
    meta = json.loads(first.read_text())["meta"]
    assert meta["feature_set_version"] == FEATURE_SET_VERSION and meta["cv_repeats"] == 2
    assert meta["trained_on"] == ["slice.jsonl"] and meta["gold_tags"] > 20
    assert 0.0 < meta["suggested_min_confidence"] <= 0.95
    assert result["cv"][0]["threshold"] == pytest.approx(0.1)
    model = StanceModel.load(first)
    assert model.version == meta["version"]


def _point(threshold: float, precision: float, tags: int) -> dict[str, float]:
    return {"threshold": threshold, "precision": precision, "recall": 0.1, "tags": tags}


def test_the_operating_point_clears_the_target_by_two_standard_errors() -> None:
    points = [
        _point(0.5, 0.70, 330),  # touches 0.70: its own error puts it below half the time
        _point(0.55, 0.73, 290),  # 0.73 - sqrt(0.73 * 0.27 / 290) = 0.704: one error, not two
        _point(0.6, 0.76, 236),  # 0.76 - 2 * sqrt(0.76 * 0.24 / 236) = 0.704
        _point(0.65, 0.78, 198),
    ]
    assert operating_point(points) == 0.6
    # the same precision from a handful of tags is no evidence
    assert operating_point([_point(0.6, 0.75, 20), _point(0.7, 0.9, 30)]) == 0.7
    assert operating_point([_point(0.6, 0.5, 200)]) == 0.95


def test_the_regularisation_is_chosen_by_the_standard_of_the_threshold() -> None:
    # a C whose precision only touches 0.70 at one threshold does not win its recall there
    touching = [
        {"threshold": 0.55, "precision": 0.708, "recall": 0.201, "tags": 315},
        {"threshold": 0.6, "precision": 0.76, "recall": 0.18, "tags": 270},
    ]
    assert _best_recall(touching) == 0.18
    assert _best_recall([_point(0.6, 0.5, 200)]) == 0.0


def _curve(recall: float) -> list[dict[str, float]]:
    return [{"threshold": 0.6, "precision": 0.8, "recall": recall, "tags": 300}]


def test_the_strongest_regularisation_the_data_cannot_tell_from_the_best_is_chosen() -> None:
    # one standard error of recall 0.165 over 1,500 gold tags is 0.0096
    near = {"0.03": _curve(0.157), "0.05": _curve(0.160), "0.1": _curve(0.165)}
    assert choose_c(near, 1500) == "0.03"
    # a C clearly behind the best is not taken for being simpler
    behind = {"0.03": _curve(0.150), "0.05": _curve(0.160), "0.1": _curve(0.165)}
    assert choose_c(behind, 1500) == "0.05"
    # nor when recall is estimated from many more tags
    assert choose_c(near, 150_000) == "0.1"
    # the order of the grid does not matter
    assert choose_c(dict(reversed(near.items())), 1500) == "0.03"


def test_the_default_threshold_is_the_shipped_models_operating_point() -> None:
    meta = StanceModel.load().model.meta
    assert EnrichSettings().stance_min_confidence == meta["suggested_min_confidence"]
    assert operating_point(meta["cv_curve"]) == meta["suggested_min_confidence"]


def test_fold_shuffles_are_averaged_point_by_point() -> None:
    one = [{"threshold": 0.5, "precision": 0.7, "recall": 0.2, "tags": 300}]
    two = [{"threshold": 0.5, "precision": 0.8, "recall": 0.1, "tags": 200}]
    (point,) = mean_curve([one, two])
    assert point == pytest.approx(
        {"threshold": 0.5, "precision": 0.75, "recall": 0.15, "tags": 250}
    )
    # the threshold is the curves' own, not a mean that drifts by a float's last digit
    third = [{"threshold": 0.95, "precision": 0.0, "recall": 0.0, "tags": 0}]
    assert mean_curve([third, third, third])[0]["threshold"] == 0.95


def test_the_operating_point_moves_by_a_hundredth() -> None:
    # 300 right tags at 0.565 and 150 wrong ones just below: the standard is cleared from
    # 0.56 on, which a grid of twentieths would only have found at 0.6
    right = [(0.565, "favor", "favor", (d, 0)) for d in range(300)]
    wrong = [(0.555, "favor", "none", None) for _ in range(150)]
    assert operating_point(curve(right + wrong, 1000)) == 0.56
