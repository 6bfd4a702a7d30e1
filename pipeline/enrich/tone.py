"""VADER tone: per sentence once, then averaged for the article and for each entity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from pipeline.models import Tone

SentenceScores = dict[str, float]


@lru_cache(maxsize=1)
def analyser() -> SentimentIntensityAnalyzer:
    """The process's one VADER analyser, shared by article tone, the tone model and the stance
    model: building it reads the lexicon file."""
    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=4096)
def polarity(text: str) -> Mapping[str, float]:
    """VADER's scores of a text, read once: an article's sentences are scored for its tone
    and most of them again as the clause of its stance candidates (~0.2 ms each). Callers
    must not change the mapping; one article reads far fewer than 4096 texts."""
    return MappingProxyType(dict(analyser().polarity_scores(text)))


class ToneScorer:
    """Scores sentences with the shared VADER analyser."""

    def score(self, sentence: str) -> SentenceScores:
        """VADER's ``neg``/``neu``/``pos``/``compound`` for one sentence."""
        return dict(polarity(sentence))


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def article_tone(scores: Sequence[SentenceScores]) -> Tone:
    """Mean of the sentence scores.

    VADER's compound saturates towards +-1 on long texts scored in one piece, so the
    article's tone is the mean over its sentences, as VADER's authors suggest for paragraphs.
    """
    if not scores:
        return Tone(compound=0.0, positive=0.0, negative=0.0, neutral=1.0)
    n = len(scores)

    def mean(key: str) -> float:
        return sum(s[key] for s in scores) / n

    return Tone(
        compound=round(_clamp(mean("compound"), -1.0, 1.0), 4),
        positive=round(_clamp(mean("pos"), 0.0, 1.0), 4),
        negative=round(_clamp(mean("neg"), 0.0, 1.0), 4),
        neutral=round(_clamp(mean("neu"), 0.0, 1.0), 4),
    )


def mean_compound(scores: Sequence[SentenceScores]) -> float | None:
    """Mean compound over some sentences (an entity's), None if there are none."""
    if not scores:
        return None
    return round(_clamp(sum(s["compound"] for s in scores) / len(scores), -1.0, 1.0), 4)
