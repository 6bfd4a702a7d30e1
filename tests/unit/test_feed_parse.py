"""Unit tests of the feed side without network or broker: parsing (feedparser behind the
project's checks), HTML to text, the seen set and the per-host rate limiter."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.enrich.text import html_to_text, main_text
from pipeline.errors import ConfigError
from pipeline.ingest.feed_parse import FeedParseError, parse_feed
from pipeline.ingest.feeds import load_feed_list
from pipeline.ingest.fetch import HostRateLimiter, retry_after
from pipeline.ingest.seen import SeenStore

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
    # A permalink <guid> is the item's link.
    assert third.link == third.guid == "https://gazette.example/news/storm"
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
    [b"", b"   ", b"<html><body>not a feed</body></html>", b"just some text"],
)
def test_documents_that_are_not_feeds_are_parse_errors(data: bytes) -> None:
    with pytest.raises(FeedParseError):
        parse_feed(data)


def test_a_slightly_broken_feed_is_read_leniently() -> None:
    feed = parse_feed((FEEDS / "malformed.xml").read_bytes())
    assert [i.title for i in feed.items] == ["Unclosed tag"]


def test_a_feed_string_that_looks_like_a_path_or_url_is_never_opened(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text(
        "<rss version='2.0'><channel><item><title>leak</title></item></channel></rss>"
    )
    for data in (str(secret).encode(), b"file://" + str(secret).encode()):
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
    # Also when the document is UTF-16 (the check reads what feedparser would read) ...
    with pytest.raises(FeedParseError, match="internal subset"):
        parse_feed(laughs.decode().replace('"1.0"?>', '"1.0" encoding="utf-16"?>').encode("utf-16"))
    # ... and when it is too broken for the strict parser (the lenient one expands entities).
    with pytest.raises(FeedParseError, match="entity"):
        parse_feed(b'<!ENTITY a "lol"><rss><channel><item><title>&a;</title></item>')
    # feedparser's own corpus has such a feed; the project refuses it.
    with pytest.raises(FeedParseError):
        parse_feed((FEEDS / "feedparser/rdf/doctype_contains_entity_decl.xml").read_bytes())


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
    now = [100.0]
    limiter = HostRateLimiter(5.0, clock=lambda: now[0])
    assert limiter.reserve("http://a.test/one") == 0
    assert limiter.reserve("http://b.test/one") == 0  # another host: no wait
    assert limiter.reserve("http://a.test/two") == 5.0
    assert limiter.reserve("http://a.test:8080/x") == 0  # another port is another host
    assert limiter.reserve("http://a.test/three") == 10.0  # slots queue up in order
    now[0] = 120.0
    assert limiter.reserve("http://a.test/four") == 0


def test_retry_after_takes_seconds_or_a_date() -> None:
    now = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    assert retry_after("120") == 120.0
    assert retry_after("Tue, 03 Nov 2026 09:02:30 GMT", now) == 150.0
    assert retry_after("Tue, 03 Nov 2026 08:00:00 GMT", now) == 0.0  # in the past
    assert retry_after("9999999") == 86_400.0  # capped at a day
    assert retry_after("soon") is None and retry_after(None) is None


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


# --- regressions: documents that used to stop the whole poller ---------------------------


def test_shift_jis_feed_is_decoded() -> None:
    xml = ('<?xml version="1.0" encoding="Shift_JIS"?><rss version="2.0"><channel>'
           "<title>東京新聞</title><item><title>東京の天気</title>"
           "<link>http://news.test/a</link><description>晴れのち雨。</description>"
           "</item></channel></rss>")  # fmt: skip
    feed = parse_feed(xml.encode("shift_jis"))
    assert feed.title == "東京新聞"
    assert [(i.title, i.summary) for i in feed.items] == [("東京の天気", "晴れのち雨。")]


def test_malformed_item_link_is_dropped_not_fatal() -> None:
    xml = (b"<rss version='2.0'><channel><item><title>Bad link</title>"
           b"<link>http://[::1/x</link></item><item><title>Local file</title>"
           b"<link>file:///etc/passwd</link></item><item><title>Fine</title>"
           b"<link>https://news.test/fine</link></item></channel></rss>")  # fmt: skip
    feed = parse_feed(xml)
    assert [(i.title, i.link) for i in feed.items] == [
        ("Bad link", None), ("Local file", None), ("Fine", "https://news.test/fine")]  # fmt: skip


def test_deeply_nested_xhtml_title_is_read() -> None:
    depth = 50_000
    xml = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Deep</title><entry>'
           b'<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
           + b"<b>" * depth + b"Headline" + b"</b>" * depth
           + b"</div></title><link href='https://news.test/deep'/></entry></feed>")  # fmt: skip
    feed = parse_feed(xml)
    assert [(i.title, i.link) for i in feed.items] == [("Headline", "https://news.test/deep")]


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("Mon, 02 Nov 2026 08:15:00 EST", datetime(2026, 11, 2, 13, 15, tzinfo=UTC)),
        ("Mon, 02 Nov 2026 08:15:00 PDT", datetime(2026, 11, 2, 15, 15, tzinfo=UTC)),
        ("Mon, 02 Nov 2026 08:15:00 +0530", datetime(2026, 11, 2, 2, 45, tzinfo=UTC)),
        ("02 Nov 2026 08:15 GMT", datetime(2026, 11, 2, 8, 15, tzinfo=UTC)),
    ],
)
def test_rfc822_dates_in_any_zone_give_the_right_instant(stamp: str, expected: datetime) -> None:
    xml = (f"<rss version='2.0'><channel><item><title>T</title><pubDate>{stamp}</pubDate>"
           "</item></channel></rss>").encode()  # fmt: skip
    assert parse_feed(xml).items[0].published_at == expected
