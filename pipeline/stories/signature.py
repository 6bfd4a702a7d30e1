"""What the story index compares: a MinHash of an article's word shingles and its names.

A signature is computed once per article from its text and its enrichment (no second parse;
its costly part, the MinHash, by the NLP process that enriched the article, which hands it to
the worker with the enrichment):
``bands`` are the locality-sensitive keys (two articles whose shingle sets have a Jaccard
similarity ``s`` share at least one band with probability ``1 - (1 - s**rows)**bands``) and
``minhash`` estimates that similarity for a candidate; ``names`` are the canonical names of the
article's named entities (quantities and dates are not names), case-folded, with each
person's last name.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pipeline.models import Entity

_WORDS = re.compile(r"\w+")
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
    values = minhash_values if minhash_values is not None else minhash(title, body, shingle_words)
    if not values:
        return Signature((), (), names)
    return Signature(values, band_keys(values), names)


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
