"""The story index: which recent story an article belongs to, decided as it streams in.

State is a key-value mapping held in the worker's memory (a plain dict):

* ``a:<article id>`` → the article's record, as :func:`_checked` keeps it: ``{"s": story id,
  "t": seen at (epoch s), "n": names, "m": MinHash, "w": (terms, counts)}`` (as JSON between
  workers: ``"n": [names], "m": [minhash], "w": {term: count}``)
* ``b:<band>`` → ids of recent articles with that MinHash band (at most ``BAND_IDS``)
* ``n:<name>`` → ids of recent articles naming it (at most ``NAME_IDS``, newest last)

Only the article records (``a:``) travel between workers (:mod:`pipeline.stories.feed`); the
lists are derived from them by :meth:`StoryIndex.remember`, in every worker alike.

An article joins the story of its best-matching recent article (within the window): a text
near-duplicate (estimated Jaccard of word shingles at least ``text_threshold``) always
matches; otherwise (with ``join_by_names``) the names both articles use are scored by how
rare each is among recent articles (``log((N + 1) / (df + 1))`` summed) and the best
candidate with at least ``min_shared_names`` shared names and a score of ``name_threshold``
or more wins. With ``join_by_words``, the ``CLOSEST`` candidates whose shared names score
highest are compared by their content words instead: the cosine of the two articles' term
vectors, each term weighted by ``(1 + log count) * log((N + 1) / (df + 1))`` over the
articles in the window, and the best candidate at ``words_threshold`` or more (at
``short_words_threshold`` when either article has fewer than ``full_article_words`` content
words: a brief or a feed summary, whose few words make a noisy cosine), sharing at least
``MIN_SHARED_WORDS`` words, wins (before the names rule, which also looks only at the
``CLOSEST``). No match: the article starts a story whose id is the article's own id.

Articles decided but not yet committed are held apart (``claim``), so twins in flight on the
same worker find each other; ``confirm`` remembers an article once its events are committed
and returns its record for the feed to share, ``release`` forgets a claim whose record was
dropped (as :mod:`pipeline.worker.dedup` does with its keys).
"""

from __future__ import annotations

import asyncio
import heapq
import math
import sys
from array import array
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pipeline.stories.signature import PERMUTATIONS, TERMS, MinHash, Signature, band_keys

if TYPE_CHECKING:
    from pipeline.config import Settings

BAND_IDS = 20  # a band shared by more is a boilerplate shingle run, not a story
NAME_IDS = 200  # a name in more recent articles than this scores (nearly) nothing anyway
# Candidates compared by their words: those sharing the rarest names. Two reports of one story
# share at least one name (a person, a place) nearly always; comparing every article that
# shares any name (up to NAME_IDS per name) would cost the event loop milliseconds.
CLOSEST = 20
MIN_SHARED_WORDS = 3  # two titles sharing one name and one word are not one story
_TF = tuple(1.0 + math.log(c) if c else 0.0 for c in range(256))  # a stored count's weight
Kind = Literal["new", "text", "words", "names"]


@dataclass(frozen=True)
class Match:
    story_id: str
    kind: Kind
    matched: str | None = None  # the article it matched
    score: float = 0.0


@dataclass(frozen=True)
class _Scored:
    """A recent article sharing names with the one being decided."""

    score: float  # the shared names' rarities, summed
    shared: int  # how many names
    cid: str
    record: dict[str, Any]


@dataclass(frozen=True)
class Rules:
    """How close two articles must be to share a story (``NEWSFLOW_STORIES_*``)."""

    window_seconds: float = 172_800.0
    text_threshold: float = 0.5
    join_by_names: bool = False
    name_threshold: float = 10.0
    min_shared_names: int = 2
    join_by_words: bool = True
    words_threshold: float = 0.2
    short_words_threshold: float = 0.3
    full_article_words: int = 40


def rules_of(settings: Settings) -> Rules:
    """The rules the ``NEWSFLOW_STORIES_*`` settings ask for."""
    s = settings.stories
    return Rules(
        window_seconds=s.window_seconds,
        text_threshold=s.text_threshold,
        join_by_names=s.join_by_names,
        name_threshold=s.name_threshold,
        min_shared_names=s.min_shared_names,
        join_by_words=s.join_by_words,
        words_threshold=s.words_threshold,
        short_words_threshold=s.short_words_threshold,
        full_article_words=s.full_article_words,
    )


class StoryIndex:
    def __init__(self, table: MutableMapping[str, Any], rules: Rules) -> None:
        self._table = table
        self._rules = rules
        self._pending: dict[str, tuple[Hashable, dict[str, Any]]] = {}  # article -> (owner, rec)
        self._claims: dict[Hashable, str] = {}  # owner -> its article id
        self.articles = 0  # articles in the window: counted by remember, recounted by prune
        # In how many remembered articles each term is (kept by remember and prune, like
        # ``articles``): the rarity that weighs the words of two articles.
        self.term_df: Counter[str] = Counter()

    # -- deciding ---------------------------------------------------------------------------

    def match(self, article_id: str, sig: Signature, now: float) -> Match:
        """The story ``article_id`` belongs to. A redo's own record is ignored, as a
        candidate and in the rarities, so that a redo is decided as its first time was."""
        rules = self._rules
        own = self._table.get(f"a:{article_id}")
        by_names = rules.join_by_names or rules.join_by_words
        closest = self._closest(article_id, sig.names, now, own) if by_names else []
        # The text rule: the articles sharing a MinHash band, the closest by names (a
        # near-duplicate that missed every band) and the articles in flight.
        for cid, rec in self._text_candidates(sig, closest, now):
            if cid != article_id and sig.similarity(tuple(rec["m"])) >= rules.text_threshold:
                return Match(rec["s"], "text", cid, 1.0)
        if rules.join_by_words and sig.terms:
            by_words = self._by_words(sig.terms, closest, own)
            if by_words is not None:
                return by_words
        if rules.join_by_names:
            for s in closest:  # best first
                if s.score >= rules.name_threshold and s.shared >= rules.min_shared_names:
                    return Match(s.record["s"], "names", s.cid, s.score)
        return Match(article_id, "new")

    def _closest(
        self, article_id: str, names: frozenset[str], now: float, own: dict[str, Any] | None
    ) -> list[_Scored]:
        """The ``CLOSEST`` articles in the window (and in flight) that share most by names,
        best first (ties by id). Candidates are ranked by a name's rarity summed over its
        postings — the cost of an article is its names' postings, not a comparison per
        candidate — then scored from their records (exact, whatever a full posting list
        dropped). Names are summed in sorted order: the same floats in every worker."""
        rarity = {n: self._rarity(n, article_id, own) for n in sorted(names)}
        ranking: dict[str, float] = {}
        for name, value in rarity.items():
            for cid in self._ids(f"n:{name}"):
                ranking[cid] = ranking.get(cid, 0.0) + value
        ranking.pop(article_id, None)
        ranked = [cid for cid, _ in heapq.nlargest(2 * CLOSEST, ranking.items(), key=_by_score)]
        records = [(cid, self._table.get(f"a:{cid}")) for cid in ranked]
        records += [(c, rec) for c, (_, rec) in self._pending.items() if c not in ranking]
        found: list[_Scored] = []
        for cid, rec in records:
            if cid == article_id or rec is None or now - rec["t"] >= self._rules.window_seconds:
                continue
            common = sorted(names.intersection(rec["n"]))
            if common:
                found.append(_Scored(sum(rarity[n] for n in common), len(common), cid, rec))
        found.sort(key=lambda s: (-s.score, s.cid))
        return found[:CLOSEST]

    def _text_candidates(
        self, sig: Signature, closest: list[_Scored], now: float
    ) -> Iterable[tuple[str, dict[str, Any]]]:
        seen: set[str] = set()
        for band in sig.bands:
            for cid in self._ids(f"b:{band}"):
                rec = self._table.get(f"a:{cid}")
                if (
                    cid not in seen
                    and rec is not None
                    and now - rec["t"] < self._rules.window_seconds
                ):
                    seen.add(cid)
                    yield cid, rec
        for s in closest:
            if s.cid not in seen:
                seen.add(s.cid)
                yield s.cid, s.record
        for cid, (_, rec) in list(self._pending.items()):
            if cid not in seen:
                yield cid, rec

    def _by_words(
        self, terms: Mapping[str, int], closest: list[_Scored], own: dict[str, Any] | None
    ) -> Match | None:
        """The candidate whose words are closest, if at ``words_threshold`` or more (two whole
        articles; ``short_words_threshold`` if either is short) and sharing at least
        ``MIN_SHARED_WORDS`` of them."""
        own_terms = frozenset(own["w"][0]) if own is not None else frozenset()
        n = self.articles - (own is not None)
        idf: dict[str, float] = {}  # the candidates share many words: one log per word

        def rarity(term: str) -> float:
            df = self.term_df[term] - (term in own_terms)
            value = idf[term] = math.log((n + 1) / (df + 1))
            return value

        mine = {t: (1.0 + math.log(c)) * rarity(t) for t, c in terms.items()}
        norm = math.sqrt(sum(v * v for v in mine.values()))
        if norm == 0.0:
            return None
        best: Match | None = None
        for s in closest:
            if len(mine.keys() & s.record["w"][0]) < MIN_SHARED_WORDS:
                continue  # too few shared words, whatever they weigh: skipped unweighed
            # One pass over the candidate's words: its norm, and the dot product on the
            # words both have (the event loop pays for every candidate).
            squares = dot = 0.0
            shared = 0
            for term, count in zip(*s.record["w"], strict=True):
                value = idf.get(term)
                weight = _TF[count] * (rarity(term) if value is None else value)
                squares += weight * weight
                own_weight = mine.get(term)
                if own_weight is not None:
                    dot += own_weight * weight
                    shared += 1
            if squares == 0.0 or shared < MIN_SHARED_WORDS:
                continue
            cosine = dot / (norm * math.sqrt(squares))
            full = min(len(mine), len(s.record["w"][0])) >= self._rules.full_article_words
            threshold = self._rules.words_threshold if full else self._rules.short_words_threshold
            if cosine >= threshold and (best is None or cosine > best.score):
                best = Match(s.record["s"], "words", s.cid, cosine)
        return best

    def _rarity(self, name: str, article_id: str, own: dict[str, Any] | None) -> float:
        """``log((N + 1) / (df + 1))`` over the window and the articles in flight, without
        the article being decided (its own record, on a redo)."""
        ids = self._ids(f"n:{name}")
        df = len(ids) - (article_id in ids)
        df += sum(name in rec["n"] for c, (_, rec) in self._pending.items() if c != article_id)
        n = max(self.articles + len(self._pending) - (own is not None), df)
        return math.log((n + 1) / (df + 1))

    def _ids(self, key: str) -> list[str]:
        value = self._table.get(key)
        return value if isinstance(value, list) else []

    # -- remembering ------------------------------------------------------------------------

    def claim(
        self, owner: Hashable, article_id: str, story_id: str, sig: Signature, now: float
    ) -> None:
        """Hold ``article_id``'s decision for ``owner`` until it is committed or dropped."""
        self.release(owner)
        stored = _checked(_record(story_id, sig, now))
        if stored is None:  # a story id that is no string (a first copy's, from a table)
            return
        self._pending[article_id] = (owner, stored)
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
        old = self._table.get(f"a:{article_id}")
        bands = _bands(tuple(clean["m"]))
        if old is None:
            self.articles += 1
            self.term_df.update(clean["w"][0])
        else:  # the same article again (its own worker reads it back), or another version
            if old["w"][0] != clean["w"][0]:  # the same terms would be taken and put back
                self.term_df.subtract(old["w"][0])
                self.term_df.update(clean["w"][0])
            if old["m"] != clean["m"]:
                for band in set(_bands(tuple(old["m"]))) - set(bands):
                    self._drop(f"b:{band}", article_id)
            for name in set(old["n"]).difference(clean["n"]):
                self._drop(f"n:{name}", article_id)
        self._table[f"a:{article_id}"] = clean
        for band in bands:
            self._append(f"b:{band}", article_id, BAND_IDS)
        for name in clean["n"]:
            self._append(f"n:{name}", article_id, NAME_IDS)
        return True

    def _drop(self, key: str, article_id: str) -> None:
        ids = [i for i in self._ids(key) if i != article_id]
        if ids:
            self._table[key] = ids
        else:
            self._table.pop(key, None)

    def _append(self, key: str, article_id: str, cap: int) -> None:
        ids = self._ids(key)
        if ids and ids[-1] == article_id:  # newest already (a record read back): as it would be
            return
        ids = [i for i in ids if i != article_id]
        ids.append(article_id)
        self._table[key] = ids[-cap:]

    async def prune(self, now: float, chunk: int = 2_000) -> int:
        """Forget articles older than the window and their ids in the lists; yields to the
        loop between chunks. Returns how many articles were forgotten. Articles remembered
        during a yield are kept: each step reads the table as it is then."""
        window = self._rules.window_seconds
        expired = [
            k for k, v in list(self._table.items()) if k[:2] == "a:" and now - v["t"] >= window
        ]
        forgotten = 0
        for i, key in enumerate(expired):
            record = self._table.get(key)
            if record is not None and now - record["t"] >= window:  # not remembered anew
                del self._table[key]
                self.term_df.subtract(record["w"][0])
                forgotten += 1
            if i % chunk == chunk - 1:
                await asyncio.sleep(0)
        self.term_df = +self.term_df  # drops the terms no article in the window has
        lists = [k for k in list(self._table) if k[:2] in ("b:", "n:")]
        for i, key in enumerate(lists):
            ids = self._ids(key)
            kept = [cid for cid in ids if f"a:{cid}" in self._table]
            if not kept:
                self._table.pop(key, None)
            elif len(kept) != len(ids):
                self._table[key] = kept
            if i % chunk == chunk - 1:
                await asyncio.sleep(0)
        self.articles = sum(1 for k in self._table if k[:2] == "a:")
        return forgotten


def _checked(record: dict[str, Any]) -> dict[str, Any] | None:
    """The record with each field of its own type, or None: records come from a topic any
    client can write to, and one the index cannot use must not stop the worker reading it
    (nor every later look-up or prune that meets it).

    Stored compact, since the index holds every article of the window (tens of thousands):
    names and words as shared strings, the MinHash as 8-byte integers, the words'
    counts as bytes (a count above 255 weighs as 255; at most ``TERMS`` words)."""
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
        words = record.get("w", {})  # absent from the records of older versions
        if not isinstance(words, dict) or len(words) > TERMS:
            return None
        clean_words = {t: int(c) for t, c in words.items() if isinstance(t, str)}
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    if len(clean_names) != len(names) or len(clean_words) != len(words):
        return None
    if any(c < 1 for c in clean_words.values()):
        return None
    try:
        packed = array("Q", clean_minhash)
    except OverflowError:  # not a MinHash value
        return None
    words_kept = (
        tuple(map(sys.intern, clean_words)),
        bytes(min(c, 255) for c in clean_words.values()),
    )
    return {
        "s": story_id,
        "t": seen_at,
        "n": tuple(map(sys.intern, clean_names)),
        "m": packed,
        "w": words_kept,
    }


def _by_score(item: tuple[str, float]) -> tuple[float, str]:
    return item[1], item[0]


def _record(story_id: str, sig: Signature, now: float) -> dict[str, Any]:
    return {
        "s": story_id,
        "t": now,
        "n": sorted(sig.names),
        "m": list(sig.minhash),
        "w": dict(sig.terms),
    }


def _bands(minhash: MinHash) -> tuple[str, ...]:
    """The bands of a record's MinHash, as :func:`signature` cut them (none when empty)."""
    return band_keys(minhash) if minhash else ()
