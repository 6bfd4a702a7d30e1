"""The arithmetic of the trend tables, free of Faust (unit-tested on its own).

Table values are plain JSON-able dicts because they travel through Faust changelogs as JSON:

* an entity's count in one window: ``{"label": str, "articles": int, "mentions": int}``;
* one holder's row of a target's stance board, under :func:`row_key` (target, holder):
  ``{"favor": n, "against": n, "neutral": n, "latest": <LatestEvidence as JSON>}``. A row
  per holder, not a board per target: a tag writes one small changelog record (a few KB)
  instead of its target's whole board.

Every function returns a new value and never changes its argument: Faust writes a changelog
record only when a key is assigned, so an in-place change would be lost on recovery.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pipeline.models import EntityEvent, StanceEvent
from pipeline.trends.models import HolderStance, LatestEvidence

EntityValue = dict[str, Any]
HolderEntry = dict[str, Any]


def entity_increment(event: EntityEvent) -> EntityValue:
    """What one ``news.entities`` event adds to its entity's windows."""
    return {"label": event.label, "articles": 1, "mentions": event.count}


def add_entity(old: EntityValue | None, new: EntityValue) -> EntityValue:
    """``old`` plus one increment; the label is the latest one seen (a name's label can
    differ between articles, and the newest article is the best guess for "now")."""
    old = old or {}
    return {
        "label": new["label"],
        "articles": int(old.get("articles", 0)) + int(new["articles"]),
        "mentions": int(old.get("mentions", 0)) + int(new["mentions"]),
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
