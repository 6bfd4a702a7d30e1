"""feedparser's own test feeds (tests/data/feeds/feedparser, BSD-2, see its README) through the
poller: every entry becomes an article with the same title and link, and the expectations
the files state about links and dates (their ``Expect:`` line) hold for the articles."""

from __future__ import annotations

import ast
import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.enrich.text import html_to_text
from pipeline.ingest.feed_parse import FeedParseError, parse_feed
from tests.unit.feed_doubles import FEED_URL, poll_once

CORPUS = Path(__file__).resolve().parent.parent / "data" / "feeds" / "feedparser"
FILES = sorted(CORPUS.glob("*/*.xml"))
REFUSED = {"rdf/doctype_contains_entity_decl.xml"}  # an entity declaration: refused on purpose
_EXPECT = re.compile(r"Expect:\s*(.+)")
_CLAUSE = re.compile(r"entries\[0\]\['(\w+)'\] == (.+?)(?= and |$)")


def expectations(path: Path) -> dict[str, object]:
    """The ``entries[0]['key'] == literal`` clauses of the file's Expect line."""
    found = _EXPECT.search(path.read_text(encoding="utf-8", errors="replace"))
    assert found, path
    return {key: ast.literal_eval(value) for key, value in _CLAUSE.findall(found.group(1))}


def name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_the_corpus_covers_every_dialect() -> None:
    versions = {parse_feed(p.read_bytes()).version for p in FILES if name(p) not in REFUSED}
    assert {"rss20", "rss10", "rss090", "atom03", "atom10"} <= versions
    assert len(FILES) >= 40


@pytest.mark.parametrize("path", [p for p in FILES if name(p) not in REFUSED], ids=name)
def test_entries_become_articles_with_the_stated_titles_links_and_dates(path: Path) -> None:
    feed = parse_feed(path.read_bytes(), FEED_URL)
    assert feed.items, "every chosen file has an entry"
    expected = expectations(path)
    articles = asyncio.run(poll_once(path.read_bytes()))
    titled = [item for item in feed.items if item.title]
    # The poller publishes every entry that has a title, with that title and link.
    assert [(a.title, a.url) for a in articles] == [(i.title, i.link) for i in titled]
    first = feed.items[0]
    if "title" in expected:  # feedparser keeps HTML titles as HTML; articles carry text
        title = str(expected["title"])
        assert articles[0].title in {" ".join(title.split()), html_to_text(title)}
    if "link" in expected:
        assert first.link == expected["link"]
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        if key in expected:
            stamp = expected[key]
            assert isinstance(stamp, tuple)
            assert first.published_at == datetime(*stamp[:6], tzinfo=UTC)
            assert all(a.published_at == first.published_at for a in articles[:1])


def test_the_refused_corpus_file_is_refused() -> None:
    for refused in REFUSED:
        with pytest.raises(FeedParseError):
            parse_feed((CORPUS / refused).read_bytes())
