"""Unit tests of the feed side without network or broker: RSS / Atom parsing, safe XML, HTML
to text, the main-text heuristic, the seen set and the per-host rate limiter."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.enrich.text import html_to_text, main_text
from pipeline.errors import ConfigError
from pipeline.ingest.feed_parse import FeedParseError, HostRateLimiter, parse_feed
from pipeline.ingest.feeds import SeenStore, load_feed_list

FEEDS = Path(__file__).resolve().parent.parent / "data" / "feeds"
BASE = "http://news.test:8000/feeds/main.xml"


def test_rss_items_have_text_links_dates_and_language() -> None:
    feed = parse_feed((FEEDS / "rss.xml").read_bytes(), BASE)
    assert feed.title == "Harbour Gazette" and feed.language == "en-gb"
    first, second, third = feed.items
    assert first.title == "Mayor Jane Porter opens the new ferry terminal"
    assert first.link == "http://news.test:8000/news/ferry-terminal"  # relative → absolute
    assert first.guid == "gazette-1001"
    assert first.summary == "Mayor Jane Porter opened the terminal on Monday.\n" \
                            "Ferries to Oslo start next week."  # fmt: skip
    assert first.published_at == datetime(2026, 11, 3, 8, 15, tzinfo=UTC)
    assert second.title == "Fishermen & the EU quota"
    assert "Tom Berg rejected" in second.content and "tracking" not in second.content
    assert third.link is None and third.guid == "https://gazette.example/news/storm"
    assert third.published_at == datetime(2026, 11, 1, 12, tzinfo=UTC)


def test_atom_entries_handle_html_xhtml_links_and_xml_lang() -> None:
    feed = parse_feed((FEEDS / "atom.xml").read_bytes(), BASE)
    assert feed.title == "Bergblatt" and feed.language == "de"
    german, english = feed.items
    assert german.title == "Neue Seilbahn eröffnet"
    assert german.link == "http://news.test:8000/bergblatt/seilbahn"  # rel=alternate, not edit
    assert german.content == ("Die neue Seilbahn in Zermatt fährt ab heute.\n"
                              "Bürgermeisterin Anna Huber lobte das Projekt.")  # fmt: skip
    assert german.language == "de" and english.language == "en"
    assert english.summary == "The Swiss avalanche institute raised the risk level."
    assert english.published_at is not None and english.published_at.utcoffset() is not None


@pytest.mark.parametrize(
    "data",
    [
        (FEEDS / "malformed.xml").read_bytes(),
        b"",
        b"<html><body>not a feed</body></html>",
        b"<rss version='2.0'></rss>",
    ],
)
def test_bad_documents_are_parse_errors(data: bytes) -> None:
    with pytest.raises(FeedParseError):
        parse_feed(data)


def test_entity_expansion_is_refused_before_any_expansion() -> None:
    laughs = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<rss version="2.0"><channel><title>&c;</title></channel></rss>"""
    with pytest.raises(FeedParseError, match="internal subset"):
        parse_feed(laughs)
    external = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel>&x;</channel></rss>"""
    with pytest.raises(FeedParseError):
        parse_feed(external)


def test_plain_doctype_without_subset_is_allowed() -> None:
    data = b'<?xml version="1.0"?><!DOCTYPE rss><rss version="2.0"><channel><title>T</title>' \
           b"<item><title>A</title><description>B</description></item></channel></rss>"  # fmt: skip
    assert [i.title for i in parse_feed(data).items] == ["A"]


def test_html_to_text_decodes_entities_and_drops_scripts() -> None:
    html = "<p>Caf&eacute; &amp; bar</p><script>x=1</script><ul><li>one</li><li>two</li></ul>"
    assert html_to_text(html) == "Café & bar\none\ntwo"
    assert html_to_text("  plain   text ") == "plain text"


def test_main_text_keeps_the_article_and_drops_furniture() -> None:
    text = main_text((FEEDS / "bridge.html").read_text(encoding="utf-8"))
    assert text is not None
    assert "Mayor Helen Brooks said the bridge" in text
    for furniture in ("Subscribe now", "newsletter", "Copyright", "analytics", "font-family"):
        assert furniture not in text
    assert main_text("<html><body><p>Too short.</p></body></html>") is None


def test_main_text_without_article_element_keeps_long_paragraphs() -> None:
    long = "A paragraph long enough to be article text rather than a menu item. " * 4
    html = f"<body><div><a>Home</a></div><p>{long}</p><p>Share</p></body>"
    assert main_text(html, min_chars=50) == long.strip()


def test_seen_store_is_bounded_persistent_and_exclusive(tmp_path: Path) -> None:
    path = tmp_path / "feeds" / "seen.json"
    store = SeenStore(path, max_seen=3)
    store.add(["a", "b", "c", "d"])
    store.validators["http://x/feed"] = {"etag": '"v1"'}
    store.save()
    assert "a" not in store and "d" in store and len(store) == 3
    with pytest.raises(ConfigError, match="in use"):
        SeenStore(path)
    store.close()
    again = SeenStore(path, max_seen=3)
    assert [i for i in "abcd" if i in again] == ["b", "c", "d"]
    assert again.validators == {"http://x/feed": {"etag": '"v1"'}}
    assert json.loads(path.read_text())["version"] == 1
    assert list(path.parent.glob(".seen-*")) == []  # no temp file left behind
    again.close()


def test_unreadable_seen_set_refuses_to_start(tmp_path: Path) -> None:
    path = tmp_path / "seen.json"
    path.write_text("{half a fi")
    with pytest.raises(ConfigError, match="move it away"):
        SeenStore(path)


def test_rate_limiter_spaces_requests_per_host() -> None:
    slept: list[float] = []
    limiter = HostRateLimiter(5.0, sleep=slept.append)
    limiter.wait("http://a.test/one")
    limiter.wait("http://b.test/one")  # another host: no wait
    limiter.wait("http://a.test/two")
    assert len(slept) == 1 and 4.9 < slept[0] <= 5.0


def test_rate_limiter_is_thread_safe() -> None:
    slept: list[float] = []
    lock = threading.Lock()

    def record(seconds: float) -> None:
        with lock:
            slept.append(seconds)

    limiter = HostRateLimiter(1.0, sleep=record)
    threads = [threading.Thread(target=limiter.wait, args=("http://a.test/",)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(round(s) for s in slept) == [1, 2, 3]


def test_feed_list_yaml(tmp_path: Path) -> None:
    good = tmp_path / "feeds.yaml"
    good.write_text("feeds:\n  - https://a.test/rss\n"
                    "  - {url: https://b.test/atom, source: Bee, language: de}\n")  # fmt: skip
    specs = load_feed_list(good)
    assert [(s.url, s.source, s.language) for s in specs] == [
        ("https://a.test/rss", None, None), ("https://b.test/atom", "Bee", "de")]  # fmt: skip
    bad = tmp_path / "bad.yaml"
    bad.write_text("feeds:\n  - {link: https://a.test/rss}\n")
    with pytest.raises(ConfigError, match="needs a url"):
        load_feed_list(bad)
