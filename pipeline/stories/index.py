"""The story index: which recent story an article belongs to, decided as it streams in.

State is a key-value mapping held in the worker's memory (a plain dict), JSON values only:

* ``a:<article id>`` → ``{"s": story id, "t": seen at (epoch s), "n": [names], "m": [minhash]}``
* ``b:<band>`` → ids of recent articles with that MinHash band (at most ``BAND_IDS``)
* ``n:<name>`` → ids of recent articles naming it (at most ``NAME_IDS``, newest last)

Only the article records (``a:``) travel between workers (:mod:`pipeline.stories.feed`); the
lists are derived from them by :meth:`StoryIndex.remember`, in every worker alike.

An article joins the story of its best-matching recent article (within the window): a text
near-duplicate (estimated Jaccard of word shingles at least ``text_threshold``) always
matches; otherwise (with ``join_by_names``) the names both articles use are scored by how
rare each is among recent articles (``log((N + 1) / (df + 1))`` summed) and the best
candidate with at least ``min_shared_names`` shared names and a score of ``name_threshold``
or more wins. No match:
the article starts a story whose id is the article's own id.

Articles decided but not yet committed are held apart (``claim``), so twins in flight on the
same worker find each other; ``confirm`` remembers an article once its events are committed
and returns its record for the feed to share, ``release`` forgets a claim whose record was
dropped (as :mod:`pipeline.worker.dedup` does with its keys).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Hashable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

from pipeline.stories.signature import PERMUTATIONS, MinHash, Signature, band_keys

BAND_IDS = 20  # a band shared by more is a boilerplate shingle run, not a story
NAME_IDS = 200  # a name in more recent articles than this scores (nearly) nothing anyway
Kind = Literal["new", "text", "names"]


@dataclass(frozen=True)
class Match:
    story_id: str
    kind: Kind
    matched: str | None = None  # the article it matched
    score: float = 0.0


@dataclass(frozen=True)
class Rules:
    """How close two articles must be to share a story (``NEWSFLOW_STORIES_*``)."""

    window_seconds: float = 172_800.0
    text_threshold: float = 0.5
    join_by_names: bool = True
    name_threshold: float = 10.0
    min_shared_names: int = 2


class StoryIndex:
    def __init__(self, table: MutableMapping[str, Any], rules: Rules) -> None:
        self._table = table
        self._rules = rules
        self._pending: dict[str, tuple[Hashable, dict[str, Any]]] = {}  # article -> (owner, rec)
        self._claims: dict[Hashable, str] = {}  # owner -> its article id
        self.articles = 0  # articles in the window: counted by remember, recounted by prune

    # -- deciding ---------------------------------------------------------------------------

    def match(self, article_id: str, sig: Signature, now: float) -> Match:
        """The story ``article_id`` belongs to (itself ignored: a redo finds its own record)."""
        best = Match(article_id, "new")
        names = set(sig.names) if self._rules.join_by_names else set()
        rarity = {n: self._rarity(n) for n in names}
        for cid, rec in self._candidates(sig, names, now):
            if cid == article_id:
                continue
            if sig.similarity(tuple(rec["m"])) >= self._rules.text_threshold:
                return Match(rec["s"], "text", cid, 1.0)
            shared = names & set(rec["n"])
            if len(shared) < self._rules.min_shared_names:
                continue
            score = sum(rarity[n] for n in shared)
            if score >= self._rules.name_threshold and score > best.score:
                best = Match(rec["s"], "names", cid, score)
        return best

    def _rarity(self, name: str) -> float:
        df = len(self._ids(f"n:{name}")) + sum(
            name in rec["n"] for _, rec in self._pending.values()
        )
        n = max(self.articles + len(self._pending), df)
        return math.log((n + 1) / (df + 1))

    def _candidates(
        self, sig: Signature, names: set[str], now: float
    ) -> Iterable[tuple[str, dict[str, Any]]]:
        ids: dict[str, None] = {}
        for band in sig.bands:
            ids.update(dict.fromkeys(self._ids(f"b:{band}")))
        for name in names:
            ids.update(dict.fromkeys(self._ids(f"n:{name}")))
        for cid in ids:
            rec = self._table.get(f"a:{cid}")
            if rec is not None and now - rec["t"] < self._rules.window_seconds:
                yield cid, rec
        for cid, (_, rec) in list(self._pending.items()):
            if cid not in ids:
                yield cid, rec

    def _ids(self, key: str) -> list[str]:
        value = self._table.get(key)
        return value if isinstance(value, list) else []

    # -- remembering ------------------------------------------------------------------------

    def claim(
        self, owner: Hashable, article_id: str, story_id: str, sig: Signature, now: float
    ) -> None:
        """Hold ``article_id``'s decision for ``owner`` until it is committed or dropped."""
        self.release(owner)
        self._pending[article_id] = (owner, _record(story_id, sig, now))
        self._claims[owner] = article_id

    def release(self, owner: Hashable) -> None:
        article_id = self._claims.pop(owner, None)
        if article_id is not None and self._pending.get(article_id, (None,))[0] == owner:
            del self._pending[article_id]

    def confirm(
        self, owner: Hashable, article_id: str, story_id: str, sig: Signature, now: float
    ) -> dict[str, Any]:
        """The article's events are committed: remember it; returns its record (what
        :meth:`remember` takes, on this worker or another)."""
        self.release(owner)
        record = _record(story_id, sig, now)
        self.remember(article_id, record, now)
        return record

    def remember(self, article_id: str, record: dict[str, Any], now: float) -> bool:
        """Add a committed article's record (idempotent: the same record again changes
        nothing but the order of its lists); False for a record already out of the window,
        or one that is not a record."""
        clean = _checked(record)
        if clean is None or now - clean["t"] >= self._rules.window_seconds:
            return False
        if f"a:{article_id}" not in self._table:
            self.articles += 1
        self._table[f"a:{article_id}"] = clean
        for band in _bands(tuple(clean["m"])):
            self._append(f"b:{band}", article_id, BAND_IDS)
        for name in clean["n"]:
            self._append(f"n:{name}", article_id, NAME_IDS)
        return True

    def _append(self, key: str, article_id: str, cap: int) -> None:
        ids = [i for i in self._ids(key) if i != article_id]
        ids.append(article_id)
        self._table[key] = ids[-cap:]

    async def prune(self, now: float, chunk: int = 2_000) -> int:
        """Forget articles older than the window and their ids in the lists; yields to the
        loop between chunks. Returns how many articles were forgotten."""
        window = self._rules.window_seconds
        records = [(k, v) for k, v in list(self._table.items()) if k.startswith("a:")]
        expired = {k[2:] for k, v in records if now - v["t"] >= window}
        self.articles = len(records) - len(expired)
        for i, cid in enumerate(expired):
            self._table.pop(f"a:{cid}", None)
            if i % chunk == chunk - 1:
                await asyncio.sleep(0)
        lists = [(k, v) for k, v in list(self._table.items()) if k[:2] in ("b:", "n:")]
        for i, (key, ids) in enumerate(lists):
            kept = [cid for cid in ids if cid not in expired]
            if not kept:
                self._table.pop(key, None)
            elif len(kept) != len(ids):
                self._table[key] = kept
            if i % chunk == chunk - 1:
                await asyncio.sleep(0)
        return len(expired)


def _checked(record: dict[str, Any]) -> dict[str, Any] | None:
    """The record with each field of its own type, or None: records come from a topic any
    client can write to, and one the index cannot use must not stop the worker reading it
    (nor every later look-up or prune that meets it)."""
    try:
        story_id, seen_at = record["s"], float(record["t"])
        names, minhash = record["n"], record["m"]
        if not isinstance(story_id, str) or not math.isfinite(seen_at):
            return None
        if not isinstance(names, list) or not isinstance(minhash, list):
            return None
        if len(minhash) not in (0, PERMUTATIONS):
            return None
        clean_names = [n for n in names if isinstance(n, str)]
        clean_minhash = [int(v) for v in minhash]
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    if len(clean_names) != len(names):
        return None
    return {"s": story_id, "t": seen_at, "n": clean_names, "m": clean_minhash}


def _record(story_id: str, sig: Signature, now: float) -> dict[str, Any]:
    return {"s": story_id, "t": now, "n": sorted(sig.names), "m": list(sig.minhash)}


def _bands(minhash: MinHash) -> tuple[str, ...]:
    """The bands of a record's MinHash, as :func:`signature` cut them (none when empty)."""
    return band_keys(minhash) if minhash else ()
