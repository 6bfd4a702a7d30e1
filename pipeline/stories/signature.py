"""What the story index compares: a MinHash of an article's word shingles and its names.

A signature is computed once per article from its text and its enrichment (no second parse;
its costly part, the MinHash, by the NLP process that enriched the article, which hands it to
the worker with the enrichment):
``bands`` are the locality-sensitive keys (two articles whose shingle sets have a Jaccard
similarity ``s`` share at least one band with probability ``1 - (1 - s**rows)**bands``) and
``minhash`` estimates that similarity for a candidate; ``names`` are the canonical names of the
article's named entities (quantities and dates are not names), case-folded, with each
person's last name; ``terms`` are its most frequent content words with their counts, which
the index weighs by their rarity among recent articles to compare two outlets' own wordings of
one story.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import runpy
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from pipeline.models import Entity

_WORDS = re.compile(r"\w+")
_LETTER_WORDS = re.compile(r"[^\W\d_]{3,}")  # three letters or more: no numbers, no "us"
TERMS = 50  # the most frequent content words an article keeps (a record stays ~1 KB more)
# Kinds of entity that name a story's actors and places; the rest (dates, numbers) are in
# quantities already, and these are what two outlets covering one story both write.
NAME_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART"}
)
PERMUTATIONS = 64
MinHash = tuple[int, ...]  # PERMUTATIONS values; empty for a text with no shingle
BANDS = 16  # 16 bands of 4 rows: pairs above ~0.5 Jaccard meet in a band with p >= 0.64
ROWS = PERMUTATIONS // BANDS
SEED = 18  # fixed: signatures from different workers and restarts must be comparable


@dataclass(frozen=True)
class Signature:
    minhash: MinHash
    bands: tuple[str, ...]
    names: frozenset[str]
    terms: dict[str, int] = field(default_factory=dict)  # content word -> count, at most TERMS

    def similarity(self, other_minhash: MinHash) -> float:
        """Estimated Jaccard similarity of the two shingle sets (0 when either is empty)."""
        if not self.minhash or len(other_minhash) != len(self.minhash):
            return 0.0
        same = sum(a == b for a, b in zip(self.minhash, other_minhash, strict=True))
        return same / len(self.minhash)


def shingles(text: str, size: int) -> set[bytes]:
    """Overlapping runs of ``size`` case-folded words (the whole text when it is shorter)."""
    words = _WORDS.findall(text.casefold())
    if not words:
        return set()
    if len(words) <= size:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def minhash(title: str, body: str, shingle_words: int) -> MinHash:
    """The MinHash values of an article's text (empty when it has no shingle): the costly
    part of a signature (~3 ms for 1,600 words), computed in the NLP processes."""
    grams = shingles(f"{title}\n{body}", shingle_words)
    if not grams:
        return ()
    hashed = np.array([_sha1_32(g) for g in grams], dtype=np.uint32).reshape(-1, 1)
    mixed = _fmix32(hashed)
    with np.errstate(over="ignore"):  # uint32 wrap-around is the modulo 2**32 intended
        permuted = mixed * _PERMUTATIONS[0] + _PERMUTATIONS[1]
    return tuple(int(v) for v in permuted.min(axis=0))


# datasketch 2.0's MinHash(num_perm=PERMUTATIONS, seed=SEED), "affine32" scheme, SHA-1 32-bit
# input hash, computed here with numpy alone: importing datasketch loads scipy, ~40 MB more
# in every NLP process. tests/unit/test_nlp_pool_batching.py checks the values are
# datasketch's own.
def _affine32(seed: int, count: int) -> npt.NDArray[np.uint32]:
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, count, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, count, dtype=np.uint32)
    return np.array([a, b])


_PERMUTATIONS = _affine32(SEED, PERMUTATIONS)


def _sha1_32(data: bytes) -> int:
    return int.from_bytes(hashlib.sha1(data).digest()[:4], "little")


def _fmix32(h: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """MurmurHash3's 32-bit finalizer (datasketch pre-mixes every input hash with it)."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint32(16))
        h = h * np.uint32(2246822507)
        h = h ^ (h >> np.uint32(13))
        h = h * np.uint32(3266489909)
        return h ^ (h >> np.uint32(16))


def signature(
    title: str,
    body: str,
    entities: list[Entity],
    shingle_words: int,
    minhash_values: MinHash | None = None,
) -> Signature:
    """The article's signature; ``minhash_values``, when the NLP process computed them for
    this text, spare hashing it again here (on the worker's event loop)."""
    names = frozenset(name_keys(entities))
    words = terms(title, body)
    values = minhash_values if minhash_values is not None else minhash(title, body, shingle_words)
    if not values:
        return Signature((), (), names, words)
    return Signature(values, band_keys(values), names, words)


def terms(title: str, body: str) -> dict[str, int]:
    """The ``TERMS`` most frequent content words of the text (case-folded, no stop word, no
    number), with their counts; ties go to the word first in alphabetical order, so every
    worker keeps the same ones (~0.3 ms for 500 words, on the worker's event loop)."""
    stop = _stop_words()
    counts = Counter(
        w for w in _LETTER_WORDS.findall(f"{title}\n{body}".casefold()) if w not in stop
    )
    kept = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TERMS]
    return dict(kept)


@cache
def _stop_words() -> frozenset[str]:
    """spaCy's English stop words, read from its data file: importing spaCy itself would
    cost the worker process (which never parses) ~0.7 s and its memory."""
    spec = importlib.util.find_spec("spacy")
    if spec is None or spec.origin is None:
        raise RuntimeError("spaCy is not installed: its English stop words are needed")
    data = Path(spec.origin).parent / "lang" / "en" / "stop_words.py"
    words: set[str] = runpy.run_path(str(data))["STOP_WORDS"]
    return frozenset(w.casefold() for w in words)


def band_keys(minhash: MinHash) -> tuple[str, ...]:
    """The locality-sensitive keys of a MinHash: ``BANDS`` bands of ``ROWS`` values each."""
    return tuple(f"{b}:{_digest(minhash[b * ROWS : (b + 1) * ROWS])}" for b in range(BANDS))


def name_keys(entities: list[Entity]) -> set[str]:
    """Each name, case-folded, and a person's last name: outlets write "Hillary Clinton" once
    and "Clinton" after, and one outlet's article may hold only the short form."""
    keys: set[str] = set()
    for entity in entities:
        if entity.label not in NAME_LABELS:
            continue
        name = entity.name.casefold()
        keys.add(name)
        words = name.split()
        if entity.label == "PERSON" and len(words) > 1:
            keys.add(words[-1])
    return keys


def _digest(values: MinHash) -> str:
    data = b"".join(v.to_bytes(8, "little") for v in values)
    return hashlib.blake2b(data, digest_size=8).hexdigest()
