"""The feed poller against feeds served on 127.0.0.1 (an allowed host) and the real broker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from pipeline.config import FeedSettings
from pipeline.ingest.feed_metrics import FeedMetrics
from pipeline.ingest.feeds import FeedPoller, FeedSpec, run_feed
from pipeline.ingest.fetch import HostRateLimiter, HttpFetcher
from pipeline.ingest.publisher import Publisher
from pipeline.ingest.seen import SeenStore
from pipeline.models import DeadLetter, EnrichedArticle, ErrorCode, RawArticle
from tests.integration.conftest import Env, Worker, metric_value, read_topic
from tests.unit.feed_doubles import quick as unit_quick

pytestmark = pytest.mark.integration

FEEDS = Path(__file__).resolve().parent.parent / "data" / "feeds"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None  # 304 to a matching If-None-Match (If-Modified-Since too)
    delay: float = 0.0
    send_length: bool = True


@dataclass
class Seen:
    path: str
    at: float
    headers: dict[str, str]


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 serving :class:`Route` s and logging requests."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(Seen(self.path, time.monotonic(), dict(self.headers)))
                route = server.routes.get(self.path, Route(b"not found", 404))
                time.sleep(route.delay)
                modified = route.headers.get("Last-Modified")
                if (route.etag and self.headers.get("If-None-Match") == route.etag) or (
                    modified and self.headers.get("If-Modified-Since") == modified
                ):
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.send_length:
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                # The client may give up (size cap, timeout): expected.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, path: str, fixture: str | None = None, **route: object) -> str:
        body = (FEEDS / fixture).read_bytes() if fixture else route.pop("body", b"")
        self.routes[path] = Route(body, **route)  # type: ignore[arg-type]
        return self.base + path

    def hits(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    s = FeedServer()
    yield s
    s.close()


def quick(**overrides: object) -> FeedSettings:
    """The unit tests' quick settings, with this test server's host (loopback) allowed."""
    return unit_quick(**({"allowed_hosts": ["127.0.0.1"]} | overrides))


def scrape(registry: CollectorRegistry) -> str:
    return generate_latest(registry).decode()


def published(exposition: str) -> float:
    """newsflow_feed_items_published_total summed over feeds."""
    from prometheus_client.parser import text_string_to_metric_families

    return sum(sample.value for family in text_string_to_metric_families(exposition)
               for sample in family.samples
               if sample.name == "newsflow_feed_items_published_total")  # fmt: skip


def test_items_are_published_enriched_and_never_published_twice(
    env: Env, worker: Worker, server: FeedServer
) -> None:
    settings, fs = env.settings, quick()
    rss = server.serve("/rss.xml", "rss.xml", etag='"v1"')
    modified = {"Last-Modified": "Tue, 03 Nov 2026 09:00:00 GMT"}
    atom = server.serve("/atom.xml", "atom.xml", headers=modified)
    store = SeenStore(settings.state_dir / "feeds" / "seen.json")
    registry = CollectorRegistry()
    publisher = Publisher(settings)
    poller = FeedPoller(publisher, store, HttpFetcher(fs, HostRateLimiter(0)),
                        FeedMetrics(registry))  # fmt: skip

    async def poll(*specs: FeedSpec) -> list[str]:
        return [await poller.poll(spec) for spec in specs]

    async def scenario() -> None:
        assert await poll(FeedSpec(rss), FeedSpec(atom)) == ["ok", "ok"]
        raw = [RawArticle.model_validate_json(v) for _, v in read_topic(settings.topics.raw, 5)]
        by_title.update({a.title: a for a in raw})
        assert len(raw) == 5 and len(by_title) == 5
        ferry = by_title["Mayor Jane Porter opens the new ferry terminal"]
        assert ferry.url == server.base + "/news/ferry-terminal"
        assert ferry.source == "Harbour Gazette" and ferry.language == "en-gb"
        assert ferry.body.startswith("Mayor Jane Porter opened the terminal")
        assert "<" not in ferry.body and ferry.published_at is not None
        assert by_title["Neue Seilbahn eröffnet"].language == "de"

        # Re-poll: conditional requests get 304s, nothing is fetched or published again.
        assert await poll(FeedSpec(rss), FeedSpec(atom)) == ["not_modified"] * 2
        assert server.hits("/rss.xml")[-1].headers.get("If-None-Match") == '"v1"'
        assert server.hits("/atom.xml")[-1].headers.get("If-Modified-Since")
        # Even a full 200 (validators gone) publishes nothing: the seen set remembers.
        server.routes["/rss.xml"].etag = None
        assert await poll(FeedSpec(rss)) == ["ok"]
        await poller.fetcher.aclose()

    by_title: dict[str, RawArticle] = {}
    try:
        asyncio.run(scenario())
        text = scrape(registry)
        assert published(text) == 5
        assert metric_value(text, "newsflow_feed_items_skipped_total", reason="seen") == 3
        assert metric_value(text, "newsflow_feed_polls_total", result="not_modified") == 2
    finally:
        publisher.close()
        store.close()

    # A restart (new poller, same state file) publishes nothing new either.
    registry = CollectorRegistry()
    code = run_feed(settings, [rss, atom], None, None, once=True, full_text=False,
                    feed_settings=fs, registry=registry)  # fmt: skip
    assert code == 0
    text = scrape(registry)
    assert published(text) == 0
    assert metric_value(text, "newsflow_feed_items_skipped_total", reason="seen") == 3
    assert metric_value(text, "newsflow_feed_polls_total", result="not_modified") == 1  # atom
    assert len(read_topic(settings.topics.raw, 6, timeout=3)) == 5

    # The worker enriches English items; the Atom feed's German ones are dead-lettered as
    # unsupported_language (the model is English), none is lost.
    english = {t for t, a in by_title.items() if (a.language or "en").startswith("en")}
    assert english and english != set(by_title)
    enriched = read_topic(settings.topics.enriched, len(english), timeout=60)
    assert {EnrichedArticle.model_validate_json(v).title for _, v in enriched} == english
    dead = read_topic(settings.topics.deadletter, 5 - len(english), timeout=60)
    assert [DeadLetter.model_validate_json(v).error_code for _, v in dead] == [
        ErrorCode.UNSUPPORTED_LANGUAGE
    ] * (5 - len(english))


def test_feed_errors_are_counted_and_polling_goes_on(
    env: Env, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # The timeout is generous so that a loaded machine (CI shares two cores with the broker)
    # never turns a quick answer into a timeout; only /slow.xml, which answers far later, may.
    fs = quick(timeout_seconds=3.0, max_bytes=50_000)
    huge = b"<rss version='2.0'><channel>" + b"<item><title>x</title></item>" * 5000
    urls = [
        server.serve("/missing.xml", status=404),
        server.serve("/error.xml", status=500, body=b"oops"),
        server.serve("/bad.xml", body=b"<html><body>a web page, not a feed</body></html>"),
        server.serve("/slow.xml", "rss.xml", delay=20.0),
        server.serve("/moved.xml", status=302, headers={"Location": "/rss.xml"}),
        server.serve("/huge.xml", body=huge, send_length=False),  # streamed, no length
        server.serve("/huge-declared.xml", body=huge),
        "http://127.0.0.1:9/closed.xml",  # discard port: nothing listens
    ]
    server.serve("/rss.xml", "rss.xml")
    registry = CollectorRegistry()
    code = run_feed(env.settings, urls, None, None, once=True, full_text=False,
                    feed_settings=fs, registry=registry, as_json=True)  # fmt: skip
    assert code == 1  # --once reports failed polls in its exit code
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])  # feed --once --json
    assert (summary["feeds"], summary["published"]) == (len(urls), 3)
    assert sum(summary["outcomes"].values()) == len(urls)
    text = scrape(registry)
    expected = {"ok": 1, "http_error": 2, "parse_error": 1, "timeout": 1, "too_large": 2,
                "network_error": 1, "not_modified": 0, "blocked": 0}  # fmt: skip
    for result, count in expected.items():
        assert metric_value(text, "newsflow_feed_polls_total", result=result) == count, result
    assert published(text) == 3  # via the redirect
    assert server.hits("/rss.xml"), "the redirect was followed"
    keys = {k for k, _ in read_topic(env.settings.topics.raw, 3)}
    assert len(keys) == 3


def test_per_host_rate_limit_spaces_requests(env: Env, server: FeedServer) -> None:
    a = server.serve("/a.xml", "rss.xml")
    b = server.serve("/b.xml", "atom.xml")
    code = run_feed(env.settings, [a, b], None, None, once=True, full_text=False,
                    feed_settings=quick(per_host_interval_seconds=0.8))  # fmt: skip
    assert code == 0
    gap = server.hits("/b.xml")[0].at - server.hits("/a.xml")[0].at
    assert gap >= 0.75, f"second request to the host came after only {gap:.2f}s"


def test_full_text_takes_the_page_else_the_summary(env: Env, server: FeedServer) -> None:
    feed = server.serve("/valley.xml", "fulltext.xml")
    server.serve("/articles/bridge.html", "bridge.html",
                 headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip
    registry = CollectorRegistry()
    code = run_feed(env.settings, [feed], None, None, once=True, full_text=True,
                    feed_settings=quick(), registry=registry)  # fmt: skip
    assert code == 0
    values = read_topic(env.settings.topics.raw, 2)
    articles = {a.title: a for a in (RawArticle.model_validate_json(v) for _, v in values)}
    bridge = articles["Council approves the new bridge"].body
    assert "Mayor Helen Brooks said the bridge" in bridge and "Construction is expected" in bridge
    assert "Subscribe now" not in bridge and "Copyright" not in bridge
    school = articles["School reopens after repairs"].body
    assert school == "Teaser: the school reopens on Monday."  # page 404 → the feed summary
    text = scrape(registry)
    assert metric_value(text, "newsflow_feed_full_text_total", result="ok") == 1
    assert metric_value(text, "newsflow_feed_full_text_total", result="fallback") == 1


def test_feed_list_file_and_seen_file_format(env: Env, server: FeedServer, tmp_path: Path
                                             ) -> None:  # fmt: skip
    listing = tmp_path / "feeds.yaml"
    url = server.serve("/rss.xml", "rss.xml")
    listing.write_text(f"feeds:\n  - url: {url}\n    source: Gazette Wire\n")
    state = tmp_path / "state" / "seen.json"
    code = run_feed(env.settings, [], listing, None, once=True, full_text=False,
                    feed_settings=quick(state_file=state))  # fmt: skip
    assert code == 0
    sources = {RawArticle.model_validate_json(v).source
               for _, v in read_topic(env.settings.topics.raw, 3)}  # fmt: skip
    assert sources == {"Gazette Wire"}
    saved = json.loads(state.read_text())
    assert saved["version"] == 1 and len(saved["seen"]) == 3


def test_loopback_feeds_are_refused_unless_allowed(env: Env, server: FeedServer) -> None:
    url = server.serve("/rss.xml", "rss.xml")
    registry = CollectorRegistry()
    code = run_feed(env.settings, [url], None, None, once=True, full_text=False,
                    feed_settings=quick(allowed_hosts=[]), registry=registry)  # fmt: skip
    assert code == 1
    assert metric_value(scrape(registry), "newsflow_feed_polls_total", result="blocked") == 1
    assert server.hits("/rss.xml") == []  # refused before any connection
