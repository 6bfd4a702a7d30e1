"""The story step as ``newsflow bench`` times it (pipeline/tools/bench_steps.py)."""

from __future__ import annotations

import pytest

from pipeline.stories.index import Rules
from pipeline.stories.signature import minhash
from pipeline.tools.bench_steps import story_step
from tests.unit.test_stories import FLOOD_A, FLOOD_B, _enriched


def test_every_article_is_timed_each_round_and_stays_in_the_window() -> None:
    articles = [
        _enriched(name, "AP").model_copy(update={"body": body})
        for name, body in (("a", FLOOD_A), ("b", FLOOD_B))
    ]
    # One with the MinHash its NLP process would send, one computed by the step itself.
    given = [(articles[0], minhash("", FLOOD_A, 5)), (articles[1], None)]
    cost = story_step(given, Rules(), rounds=3)
    assert (cost.step, cost.articles, cost.index_articles) == ("stories", 6, 6)
    assert 0 < cost.p50_ms <= cost.p99_ms
    assert cost.mean_ms > 0


def test_no_articles_is_an_error_not_an_empty_figure() -> None:
    with pytest.raises(ValueError, match="needs articles"):
        story_step([], Rules())
