"""The benchmark's articles: real news sentences at real-news lengths, or the user's own file.

**Real text.** ``pipeline/data/newsmtsc_documents.jsonl.gz`` holds the sentences of the
NewsMTSC training split (Hamborg & Donnay, EACL 2021; MIT licence, ``newsmtsc_LICENSE.txt``
beside it): 5,444 US news articles, each the sentences NewsMTSC kept from it, in article
order (~180,000 words, 450 kB). :func:`real_corpus` walks them as one stream — articles in
a seeded order, each article's sentences in its own order — and cuts it into bench
articles of drawn lengths, so that one bench article is a run of consecutive real
sentences, carrying on into the next source article where one is too short.

**Lengths.** Log-normal with a median of ``MEDIAN_WORDS`` (400) words and ``SHARE_LONG``
(10 %) over ``LONG_WORDS`` (1,000): σ = ln(1000 / 400) / z₀.₉ ≈ 0.715, mean ≈ 515 words;
clipped to 100–3,000. Most articles are 200–600-word wire stories, some long features.

The same ``(n, seed)`` always gives the same articles and a longer run starts with the
shorter one. Without the data file (a stripped install) :func:`bench_corpus` falls back to
the template corpus of :mod:`pipeline.tools.corpus` and says so.

``python -m pipeline.tools.bench_corpus N [SEED] > corpus.jsonl`` writes the real corpus;
``python -m pipeline.tools.bench_corpus --pack TRAIN.jsonl`` rebuilds the data file from
NewsMTSC's ``train.jsonl``.
"""

from __future__ import annotations

import gzip
import json
import math
import random
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from statistics import NormalDist

from pydantic import ValidationError

from pipeline.errors import BenchError
from pipeline.models import RawArticle
from pipeline.tools import corpus as templates

DOCUMENTS = Path(__file__).resolve().parents[1] / "data" / "newsmtsc_documents.jsonl.gz"
MEDIAN_WORDS = 400
LONG_WORDS = 1_000
SHARE_LONG = 0.10
SIGMA = math.log(LONG_WORDS / MEDIAN_WORDS) / NormalDist().inv_cdf(1 - SHARE_LONG)
MIN_WORDS, MAX_WORDS = 100, 3_000
TITLE_WORDS = 12  # a headline's length: the lead sentence's first words
SOURCE = "NewsMTSC sentences"


def load_documents(path: Path = DOCUMENTS) -> list[list[str]]:
    """Each source article's sentences, in article order."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line)["sentences"] for line in f if line.strip()]


def target_words(rng: random.Random) -> int:
    """One article's length in words, from the log-normal above."""
    drawn = rng.lognormvariate(math.log(MEDIAN_WORDS), SIGMA)
    return min(MAX_WORDS, max(MIN_WORDS, round(drawn)))


def _stream(documents: list[list[str]], rng: random.Random) -> Iterator[tuple[int, str]]:
    """(source article number, sentence) forever: each pass over the sources in a new order."""
    order = list(range(len(documents)))
    passes = 0
    while True:
        rng.shuffle(order)
        for doc in order:
            for sentence in documents[doc]:
                yield passes * len(documents) + doc, sentence
        passes += 1


def real_corpus(
    n: int, seed: int = 0, documents: list[list[str]] | None = None
) -> list[RawArticle]:
    """``n`` articles of real sentences at real-news lengths; ids ``news-S-NNNNN``."""
    docs = load_documents() if documents is None else documents
    if not any(docs):
        raise BenchError("no sentences to build the benchmark corpus from")
    rng = random.Random(seed)
    stream = _stream(docs, rng)
    return [_article(stream, rng, f"news-{seed}-{i:05d}") for i in range(n)]


def _article(stream: Iterator[tuple[int, str]], rng: random.Random, article_id: str) -> RawArticle:
    """Consecutive sentences up to the drawn length, in paragraphs of one to three sentences
    that never span two source articles."""
    target = target_words(rng)
    paragraphs: list[list[str]] = []
    words, source, size = 0, -1, 0
    while words < target:
        doc, sentence = next(stream)
        if doc != source or len(paragraphs[-1]) >= size:
            paragraphs.append([])
            source, size = doc, rng.randint(1, 3)
        paragraphs[-1].append(sentence)
        words += len(sentence.split())
    lead = paragraphs[0][0].split()
    return RawArticle(
        id=article_id,
        title=" ".join(lead[:TITLE_WORDS]).rstrip(".,;:"),
        body="\n\n".join(" ".join(p) for p in paragraphs),
        source=SOURCE,
        language="en",
    )


def bench_corpus(n: int, seed: int, path: Path = DOCUMENTS) -> tuple[list[RawArticle], str]:
    """The default corpus and its kind: ``"real"``, or ``"template"`` without the data file."""
    if path.is_file():
        return real_corpus(n, seed, load_documents(path)), "real"
    return templates.generate(n, seed), "template"


def read_corpus(path: Path) -> list[RawArticle]:
    """The user's articles: one ``RawArticle`` JSON object a line (blank lines skipped).

    Raises ``BenchError`` naming the file and line of the first bad article.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchError(f"cannot read corpus {path}: {exc}") from exc
    articles: list[RawArticle] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            articles.append(RawArticle.model_validate_json(line))
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"]) or "line"
            raise BenchError(f"corpus {path} line {number}: {where}: {error['msg']}") from exc
    if not articles:
        raise BenchError(f"corpus {path} holds no articles")
    ids = [a.id for a in articles]
    if len(set(ids)) != len(ids):
        twice = next(i for i in ids if ids.count(i) > 1)
        raise BenchError(f"corpus {path}: article id {twice!r} occurs twice")
    return articles


def pack(train: Path, out: Path = DOCUMENTS) -> int:
    """Group NewsMTSC's ``train.jsonl`` rows into articles (as ``scripts/gold.py`` does:
    article id = the first three parts of ``primary_gid``, the fourth the sentence number)
    and write them sorted by id; the number of articles."""
    by_article: dict[str, dict[int, str]] = defaultdict(dict)
    for line in train.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        parts = row["primary_gid"].split("_")
        by_article["_".join(parts[:3])][int(parts[3])] = row["sentence_normalized"]
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as f:
        for key in sorted(by_article):
            sentences = [by_article[key][i] for i in sorted(by_article[key])]
            f.write(json.dumps({"id": key, "sentences": sentences}).encode() + b"\n")
    return len(by_article)


def main(argv: list[str]) -> int:
    """``N [SEED]``: N real articles as JSONL on stdout; ``--pack TRAIN.jsonl``: the data file."""
    if len(argv) == 2 and argv[0] == "--pack":
        print(f"{pack(Path(argv[1]))} articles written to {DOCUMENTS}", file=sys.stderr)
        return 0
    if not 1 <= len(argv) <= 2 or not all(a.isdigit() for a in argv):
        print(
            "usage: python -m pipeline.tools.bench_corpus N [SEED] > corpus.jsonl\n"
            "       python -m pipeline.tools.bench_corpus --pack TRAIN.jsonl",
            file=sys.stderr,
        )
        return 2
    seed = int(argv[1]) if len(argv) == 2 else 0
    for article in real_corpus(int(argv[0]), seed):
        sys.stdout.write(article.model_dump_json(exclude_none=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
