"""Test doubles for the feed poller: an in-memory sink and a fetcher over a routing transport
(no sockets), so the poller's logic runs without Kafka or network."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry

from pipeline.config import FeedSettings
from pipeline.ingest.feed_metrics import FeedMetrics
from pipeline.ingest.feeds import FeedPoller, FeedSpec
from pipeline.ingest.fetch import HostRateLimiter, HttpFetcher
from pipeline.ingest.loaders import Loaded
from pipeline.ingest.publisher import PublishReport
from pipeline.ingest.seen import SeenStore
from pipeline.models import RawArticle

FEED_URL = "http://feeds.test/feed.xml"
Route = Callable[[httpx.Request], httpx.Response]


class Chunks(httpx.AsyncByteStream):
    """A body sent in chunks of ``size`` bytes, unread until the client streams it."""

    def __init__(self, body: bytes, size: int = 65_536) -> None:
        self.body, self.size = body, size

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.body), self.size):
            yield self.body[start : start + self.size]


def respond(status: int = 200, body: bytes = b"", **headers: str) -> httpx.Response:
    """A response whose body the fetcher really streams (``Content_Type=`` → Content-Type)."""
    named = {k.replace("_", "-"): v for k, v in headers.items()}
    return httpx.Response(status, headers=named, stream=Chunks(body))


class RouteTransport(httpx.AsyncBaseTransport):
    """Answers each request with ``route(request)``, body unread (httpx's MockTransport reads
    it first, which a streaming reader cannot then stream)."""

    def __init__(self, route: Route) -> None:
        self.route = route
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.route(request)


class MemorySink:
    """Acknowledges everything (or fails the ids in ``refuse``), remembering the articles."""

    def __init__(self) -> None:
        self.articles: list[RawArticle] = []
        self.refuse: set[str] = set()

    def publish(self, items: Iterable[Loaded | None], total: int | None = None) -> PublishReport:
        report = PublishReport()
        for item in items:
            if item is None or item.article is None:
                continue
            if item.article.id in self.refuse:
                report.errors.append(f"{item.article.id}: not acknowledged")
                continue
            self.articles.append(item.article)
            report.sent += 1
            report.ids.append(item.article.id)
        return report


def quick(**overrides: object) -> FeedSettings:
    """Test settings: no per-host wait, short timeouts, no metrics port."""
    values: dict[str, object] = {"per_host_interval_seconds": 0, "timeout_seconds": 3,
                                 "metrics_enabled": False}  # fmt: skip
    return FeedSettings.model_validate(values | overrides)


def make_poller(route: Route, state: Path, *, settings: FeedSettings | None = None,
                registry: CollectorRegistry | None = None, **options: object
                ) -> tuple[FeedPoller, MemorySink]:  # fmt: skip
    fs = settings or quick()
    sink = MemorySink()
    fetcher = HttpFetcher(fs, HostRateLimiter(fs.per_host_interval_seconds),
                          transport=RouteTransport(route))  # fmt: skip
    store = SeenStore(state / "seen.json")
    metrics = FeedMetrics(registry or CollectorRegistry())
    return FeedPoller(sink, store, fetcher, metrics, **options), sink  # type: ignore[arg-type]


async def poll_once(body: bytes, content_type: str = "application/xml") -> list[RawArticle]:
    """The articles one poll of a feed serving ``body`` publishes."""

    def route(request: httpx.Request) -> httpx.Response:
        return respond(200, body, Content_Type=content_type)

    with tempfile.TemporaryDirectory() as state:
        poller, sink = make_poller(route, Path(state))
        try:
            result = await poller.poll(FeedSpec(FEED_URL))
            assert result == "ok", result
        finally:
            poller.store.close()
            await poller.fetcher.aclose()
    return sink.articles
