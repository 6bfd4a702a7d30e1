"""VADER tone: article mean over sentences, entity mean over the sentences naming it."""

from __future__ import annotations

import pytest

from pipeline.enrich import Enricher
from pipeline.enrich.tone import ToneScorer, article_tone, mean_compound
from pipeline.models import RawArticle


def test_article_tone_is_the_mean_of_sentence_scores() -> None:
    scorer = ToneScorer()
    scores = [scorer.score("A wonderful, joyful day."), scorer.score("A horrible disaster.")]
    tone = article_tone(scores)
    expected = (scores[0]["compound"] + scores[1]["compound"]) / 2
    assert tone.compound == pytest.approx(expected, abs=1e-4)
    assert article_tone([]).neutral == 1.0
    assert mean_compound([]) is None


def test_entity_tone_follows_its_own_sentences(enricher: Enricher) -> None:
    body = (
        "Mayor Ana Costa won praise for a wonderful, successful festival in Porto. "
        "Councillor Rui Mendes was blamed for the terrible, deadly bridge collapse."
    )
    result = enricher.enrich(RawArticle(id="t", body=body))
    tones = {e.name: e.tone for e in result.entities}
    assert tones["Ana Costa"] is not None and tones["Ana Costa"] > 0.3
    assert tones["Rui Mendes"] is not None and tones["Rui Mendes"] < -0.3
    assert -1.0 <= result.tone.compound <= 1.0


def test_timings_cover_each_stage(enricher: Enricher) -> None:
    enricher.enrich(RawArticle(id="t", title="Quiet day", body="Nothing happened in Oslo."))
    assert set(enricher.last_timings) == {"ner", "stance", "tone"}
    assert all(v >= 0.0 for v in enricher.last_timings.values())
    assert enricher.model_name and enricher.model_version


def test_the_analyser_scores_every_text_as_vader_does() -> None:
    """The shared analyser skips VADER's emoji pass for a text without an emoji: its scores
    are VADER's own, with and without emoji, negations, boosters, 'but', caps and 'kind of'."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from pipeline.enrich.tone import analyser

    texts = [
        "The senator praised the deal, but critics called it a disaster.",
        "  Officials were NOT happy with the very poor results!!  ",
        "It was kind of good, I guess :)",
        "The plan isn't bad at all.",
        "Fans ❤️ the new coach 👍 and hate the old one 😠",
        "😀",
        "",
        "No emoji here; just words, numbers (42%) and an em dash — like this.",
    ]
    vader = SentimentIntensityAnalyzer()
    for text in texts:
        assert analyser().polarity_scores(text) == vader.polarity_scores(text), text
