from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.models import RawArticle
from pipeline.tools.corpus import MAX_WORDS, MIN_WORDS, generate, relabelled


def test_same_seed_same_articles_other_seed_other_articles() -> None:
    first = [a.model_dump_json() for a in generate(30, seed=3)]
    assert first == [a.model_dump_json() for a in generate(30, seed=3)]
    assert first != [a.model_dump_json() for a in generate(30, seed=4)]
    # A longer run starts with the shorter one: n only decides where to stop.
    assert [a.model_dump_json() for a in generate(10, seed=3)] == first[:10]


def test_length_mix_stays_within_news_lengths() -> None:
    words = [len(a.body.split()) for a in generate(200, seed=1)]
    assert min(words) >= MIN_WORDS and max(words) <= MAX_WORDS
    short = sum(w < 600 for w in words)
    long = sum(w >= 1_000 for w in words)
    assert 40 <= short <= 110 and 25 <= long <= 80, (short, long)


def test_articles_are_valid_unique_and_news_like() -> None:
    articles = generate(40, seed=0)
    assert len({a.id for a in articles}) == 40
    for article in articles:
        assert RawArticle.model_validate_json(article.model_dump_json()) == article
        assert article.title and article.language == "en"
    bodies = " ".join(a.body for a in articles)
    assert '"' in bodies  # quotes
    assert "percent" in bodies and "$" in bodies  # quantities
    assert any(verb in bodies for verb in ("rejected", "opposed", "backed", "supported"))


def test_module_writes_jsonl() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.tools.corpus", "3", "5"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lines = result.stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [a.id for a in generate(3, seed=5)]


@pytest.mark.parametrize("argv", [[], ["x"], ["1", "2", "3"]])
def test_module_rejects_bad_arguments(argv: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.tools.corpus", *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2 and "usage" in result.stderr


def test_relabelled_cycles_with_fresh_ids() -> None:
    articles = generate(3, seed=2)
    again = relabelled(articles, "x", 7)
    assert [a.body for a in again] == [articles[i % 3].body for i in range(7)]
    assert again[4].title == f"{articles[1].title} (x4)"
    assert len({a.id for a in again}) == 7 and again[4].id == f"{articles[1].id}-x4"
    # Nothing the worker's de-duplication looks at repeats: id, URL, words.
    assert len({a.url for a in again}) == 7 and len({a.title for a in again}) == 7
