"""VADER tone: per sentence once, then averaged for the article and for each entity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    SentimentIntensityAnalyzer,
    SentiText,
)

from pipeline.models import Tone

SentenceScores = dict[str, float]


class _Analyser(SentimentIntensityAnalyzer):  # type: ignore[misc]  # vaderSentiment is untyped
    """VADER (3.3.2, pinned), less its emoji pass over a text without an emoji.

    ``polarity_scores`` first rebuilds the text one character at a time, replacing each emoji
    by its description; a text with none comes out as it went in. That pass, a Python step per
    character, was ~a quarter of VADER's cost per sentence and clause (the stance model scores
    ~90 distinct clauses an article). A text without one of the emoji characters goes straight
    to VADER's own remaining steps here; any other takes VADER's whole method
    (tests/unit/test_tone.py compares both on texts with and without emoji)."""

    def __init__(self) -> None:
        super().__init__()
        # The pass looks characters up one by one: only one-character entries can match.
        self._emoji_chars = frozenset(e for e in self.emojis if len(e) == 1)

    def polarity_scores(self, text: str) -> dict[str, float]:
        if not self._emoji_chars.isdisjoint(text):
            return dict(super().polarity_scores(text))
        # The rest of VADER's polarity_scores, as it is after the emoji pass.
        sentitext = SentiText(text.strip())
        sentiments: list[float] = []
        words_and_emoticons = sentitext.words_and_emoticons
        for i, item in enumerate(words_and_emoticons):
            valence = 0
            if item.lower() in BOOSTER_DICT:
                sentiments.append(valence)
                continue
            if (
                i < len(words_and_emoticons) - 1
                and item.lower() == "kind"
                and words_and_emoticons[i + 1].lower() == "of"
            ):
                sentiments.append(valence)
                continue
            sentiments = self.sentiment_valence(valence, sentitext, item, i, sentiments)
        sentiments = self._but_check(words_and_emoticons, sentiments)
        return dict(self.score_valence(sentiments, text.strip()))


@lru_cache(maxsize=1)
def analyser() -> SentimentIntensityAnalyzer:
    """The process's one VADER analyser, shared by article tone, the tone model and the stance
    model: building it reads the lexicon file."""
    return _Analyser()


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
