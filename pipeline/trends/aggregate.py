"""The arithmetic of the trend tables, free of Faust (unit-tested on its own).

Table values are plain JSON-able dicts because they travel through Faust changelogs as JSON:

* an entity's counts in one hour (a row of the entity table, a tumbling window of
  :data:`ROW_SECONDS`): ``{"label": str, "articles": int, "mentions": int, "slots":
  {"<k>": [articles, mentions]}}``, where slot ``k`` holds the counts of the 5-minute
  bucket starting ``k * SLOT_SECONDS`` into the hour (only buckets with a count are there).
  An event is written once, to its hour's row; a 1 h or 24 h hopping window is answered by
  summing the buckets it covers (:func:`window_total`), so a window is never stored;
* one holder's row of a target's stance board, under :func:`row_key` (target, holder):
  ``{"favor": n, "against": n, "neutral": n, "latest": <LatestEvidence as JSON>}``. A row
  per holder, not a board per target: a tag writes one small changelog record (a few KB)
  instead of its target's whole board.

Every function returns a new value and never changes its argument: Faust writes a changelog
record only when a key is assigned, so an in-place change would be lost on recovery.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pipeline.models import StanceEvent
from pipeline.trends.models import WINDOWS, HolderStance, LatestEvidence, TrendWindow

EntityValue = dict[str, Any]
HolderEntry = dict[str, Any]

#: One entity row per hour, in 5-minute buckets: the 1 h window's step is a bucket, the 24 h
#: window's step a row, so every window a query reads is a whole number of buckets.
ROW_SECONDS = 3600
SLOT_SECONDS = 300


def row_start(event_time: float) -> float:
    """Start (seconds) of the hour row that counts an event of ``event_time``."""
    return float(event_time // ROW_SECONDS * ROW_SECONDS)


def slot_of(event_time: float) -> int:
    """The 5-minute bucket of its hour row that counts an event of ``event_time``."""
    return int((event_time - row_start(event_time)) // SLOT_SECONDS)


def add_entity(old: EntityValue | None, label: str, mentions: int, slot: int) -> EntityValue:
    """``old`` plus one article naming the entity ``mentions`` times, in bucket ``slot``;
    the label is the latest one seen (a name's label can differ between articles, and the
    newest article is the best guess for "now")."""
    if old is None:
        return {"label": label, "articles": 1, "mentions": mentions,
                "slots": {str(slot): [1, mentions]}}  # fmt: skip
    slots = dict(old["slots"])
    key = str(slot)
    articles, counted = slots.get(key, (0, 0))
    slots[key] = [articles + 1, counted + mentions]
    return {
        "label": label,
        "articles": old["articles"] + 1,
        "mentions": old["mentions"] + mentions,
        "slots": slots,
    }


def window_start(window: TrendWindow, now: float) -> float:
    """Start of the hopping window a query reads at ``now``: the earliest one holding
    ``now`` (it started at most one step before ``now`` less the window's size, so it covers
    the last 55–60 min, or 23–24 h, and runs until a step after ``now``)."""
    size, step = WINDOWS[window]
    return float(now // step * step - size + step)


def rows_of(window: TrendWindow, start: float) -> list[float]:
    """Starts of the hour rows that hold the buckets of the window from ``start``."""
    end = start + WINDOWS[window][0]
    first = row_start(start)
    return [first + i * ROW_SECONDS for i in range(math.ceil((end - first) / ROW_SECONDS))]


def in_window(row: float, value: Mapping[str, Any], start: float, end: float) -> tuple[int, int]:
    """(articles, mentions) of the hour row from ``row`` in the buckets in [start, end)."""
    if start <= row and row + ROW_SECONDS <= end:
        return int(value["articles"]), int(value["mentions"])
    articles = mentions = 0
    for slot, (a, m) in value["slots"].items():
        if start <= row + int(slot) * SLOT_SECONDS < end:
            articles += int(a)
            mentions += int(m)
    return articles, mentions


def window_totals(
    rows: Iterable[tuple[str, float, Mapping[str, Any] | None]], start: float, end: float
) -> dict[str, EntityValue]:
    """Each entity's counts in the window [start, end), summed over its hour rows
    (name, row start, value or None) in any order; an entity's label is its latest counted
    row's. Entities with nothing in the window are left out."""
    totals: dict[str, EntityValue] = {}
    for name, row, value in rows:
        if value is None:
            continue
        articles, mentions = in_window(row, value, start, end)
        if not articles:
            continue
        total = totals.setdefault(name, {"articles": 0, "mentions": 0, "row": row})
        total["articles"] += articles
        total["mentions"] += mentions
        if row >= total["row"]:
            total["row"], total["label"] = row, value["label"]
    return {
        name: {"label": t["label"], "articles": t["articles"], "mentions": t["mentions"]}
        for name, t in totals.items()
    }


def row_key(target: str, holder: str) -> bytes:
    """The stance table's key of one (target, holder): JSON, so no name can forge another."""
    return json.dumps([target, holder], ensure_ascii=False).encode()


def add_stance(entry: HolderEntry | None, event: StanceEvent, seen_at: float) -> HolderEntry:
    """One holder's row with one more tag of ``event.holder`` toward the event's target.

    The latest evidence is the tag seen last, its title and sentence trimmed (a row is one
    changelog record: it stays a few KB whatever the article holds).
    """
    out: HolderEntry = dict(entry or {"favor": 0, "against": 0, "neutral": 0})
    out[event.stance] = int(out.get(event.stance, 0)) + 1
    fields = set(LatestEvidence.model_fields) - {"seen_at"}
    latest = _trimmed(
        LatestEvidence.model_validate(
            {**event.model_dump(include=fields), "seen_at": datetime.fromtimestamp(seen_at, UTC)}
        )
    )
    previous = out.get("latest")
    if previous is None or seen(previous) <= latest.seen_at:
        out["latest"] = latest.model_dump(mode="json")
    return out


# How much of a title and of an evidence sentence a board keeps: enough to read on hover.
TITLE_CHARS = 300
EVIDENCE_CHARS = 600


def _trimmed(latest: LatestEvidence) -> LatestEvidence:
    """``latest`` with its title and sentence cut to their limits; the sentence keeps its
    start, and its end moves with the cut, so ``text`` is still ``field[start:end]``."""
    ev = latest.evidence
    text = ev.text[:EVIDENCE_CHARS]
    return latest.model_copy(
        update={
            "title": latest.title[:TITLE_CHARS],
            "evidence": ev.model_copy(update={"text": text, "end": ev.start + len(text)}),
        }
    )


def seen(latest: Mapping[str, Any]) -> datetime:
    # Compared as times: ISO strings with and without fractions do not sort as text.
    return datetime.fromisoformat(str(latest["seen_at"]))


def board_rows(target: str, board: Mapping[str, Mapping[str, Any]]) -> list[HolderStance]:
    """A target's board as rows, most tagged holder first."""
    rows = [
        HolderStance.model_validate({"target": target, "holder": h, **e}) for h, e in board.items()
    ]
    rows.sort(key=lambda r: (-(r.favor + r.against + r.neutral), r.holder))
    return rows


def top_entities(
    rows: Iterable[tuple[str, Mapping[str, Any]]], label: str | None, limit: int
) -> list[dict[str, Any]]:
    """The ``limit`` entities named in most articles (then most mentions, then by name),
    of ``label`` only when given (case-insensitive)."""
    wanted = label.upper() if label else None
    picked = [
        {"name": name, "label": v["label"], "articles": v["articles"], "mentions": v["mentions"]}
        for name, v in rows
        if wanted is None or str(v["label"]).upper() == wanted
    ]
    return sorted(picked, key=_rank)[:limit]


def merge_top(parts: Iterable[Iterable[Mapping[str, Any]]], limit: int) -> list[dict[str, Any]]:
    """One top list from several workers' top lists. Workers own disjoint entities, so the
    union of their top ``limit`` holds the overall top ``limit``; a name answered twice
    (during a rebalance both may briefly hold it) keeps its larger count."""
    best: dict[str, dict[str, Any]] = {}
    for part in parts:
        for row in part:
            seen = best.get(row["name"])
            if seen is None or _rank(row) < _rank(seen):
                best[row["name"]] = dict(row)
    return sorted(best.values(), key=_rank)[:limit]


def _rank(row: Mapping[str, Any]) -> tuple[int, int, str]:
    return (-int(row["articles"]), -int(row["mentions"]), str(row["name"]))


def too_late(event_time: float, now: float, size: float) -> bool:
    """An event older than a window's size falls in no window that a query still reads."""
    return now - event_time >= size
