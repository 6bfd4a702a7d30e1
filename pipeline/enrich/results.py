"""Sports results lines: the names next to a score are teams (ORG), even when a team is
named after a city or a country ("Brazil 2-1 Germany", "Arsenal 2 Chelsea 1",
"Aston Villa  0-2 (0-1)  Wigan Athletic").

A line is read as a results line only when it has at most two running words (lower-case
words of 3+ letters): a sentence of prose ("Brazil beat Germany 2-1 in the final") is left to
NER. Two shapes are recognised, with single spaces inside a name and any run of spaces or
tabs between columns: ``Home <a-b> [a.e.t.] [(a-b)] Away`` and ``Home <a> Away <b>``.
Weekday and month words at either end of a name are dropped ("3 June Belgium 3-0 …").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.tokens import Doc, Span

from pipeline.enrich import gazetteer as gz

_WORD = r"[A-Z\u00c0-\u00de][\w.'\u2019&-]*"
_NAME = rf"{_WORD}(?: {_WORD})*"
_SCORE = r"(?<![\w.:/-])\d{1,2} ?[-\u2013] ?\d{1,2}(?![\w:/-])"
_EXTRA = r"(?:[ \t]+(?:a\.e\.t\.|aet|pen\.?|\(\d{1,2}[-\u2013]\d{1,2}\)))*"
_DASH_SCORE = re.compile(rf"(?P<home>{_NAME})[ \t]+{_SCORE}{_EXTRA}[ \t]+(?P<away>{_NAME})")
_GOALS = re.compile(
    rf"(?P<home>{_NAME})[ \t]+\d{{1,2}},?[ \t]+(?P<away>{_NAME})[ \t]+\d{{1,2}}(?![\w:/.-])"
)
_RUNNING = re.compile(r"\b[a-z]{3,}\b")
_NOT_RUNNING = frozenset({"aet", "pen", "vs"})
# Results lines also abbreviate them ("Sat", "Sept").
_CALENDAR = gz.CALENDAR_WORDS | frozenset(
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "jan", "feb", "mar", "apr", "jun",
     "jul", "aug", "sep", "sept", "oct", "nov", "dec"]
)  # fmt: skip


def _is_results_line(line: str) -> bool:
    running = [w for w in _RUNNING.findall(line) if w not in _NOT_RUNNING]
    return len(running) <= 2


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop calendar words at either end of the name at ``text[start:end]``."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[start:end])]
    while words and text[start + words[0][0] : start + words[0][1]].lower() in _CALENDAR:
        words.pop(0)
    while words and text[start + words[-1][0] : start + words[-1][1]].lower() in _CALENDAR:
        words.pop()
    if not words:
        return start, start
    return start + words[0][0], start + words[-1][1]


def team_offsets(text: str) -> Iterator[tuple[int, int]]:
    """Character (start, end) of every team name in the results lines of ``text``."""
    offset = 0
    for line in text.splitlines(keepends=True):
        if _is_results_line(line):
            for pattern in (_DASH_SCORE, _GOALS):
                for match in pattern.finditer(line):
                    home = _trim(line, *match.span("home"))
                    away = _trim(line, *match.span("away"))
                    if home[0] < home[1] and away[0] < away[1]:  # "March 3-5 Paris": no match
                        yield offset + home[0], offset + home[1]
                        yield offset + away[0], offset + away[1]
        offset += len(line)


def team_spans(doc: Doc) -> list[Span]:
    """Team names as ``ORG`` spans of ``doc`` (token-aligned; unaligned names are skipped)."""
    spans: list[Span] = []
    for a, b in sorted(set(team_offsets(doc.text))):
        span = doc.char_span(a, b, label="ORG", alignment_mode="contract")
        if (
            span is not None
            and len(span)
            and not any(s.start < span.end and span.start < s.end for s in spans)
        ):
            spans.append(span)
    return spans
