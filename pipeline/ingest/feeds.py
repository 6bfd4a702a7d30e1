"""``newsflow feed``: poll RSS / Atom / RDF feeds and publish each new item to ``news.raw``.

Feeds are polled concurrently on one event loop (at most ``concurrency`` fetches at once), each
on its own schedule (:class:`pipeline.ingest.feed_metrics.Backoff`: every ``interval`` while it
works, exponentially less often while it fails, never before a ``Retry-After``). Fetching is
:mod:`pipeline.ingest.fetch` (http(s) to public hosts only, per-host rate limit, deadline, size
caps, conditional requests); parsing is :mod:`pipeline.ingest.feed_parse` (feedparser behind
the project's DTD / entity checks).

An item's id is :func:`pipeline.ingest.loaders.stable_id` of its link (else guid, else title
and text); ids acknowledged by Kafka go into the seen set (:mod:`pipeline.ingest.seen`), so an
item is never published twice, across restarts too.

Invariants:

* one bad feed or item never stops the poller: :meth:`FeedPoller.poll` catches every exception
  of its feed, counts it by kind (``newsflow_feed_errors_total{feed,kind}``), logs it once per
  run of failures, and the feed is polled again later; an item that cannot be read is skipped
  (``newsflow_feed_items_skipped_total{reason="error"}``) and the others are published;
* a feed's ETag / Last-Modified are kept only once every item of that response is on Kafka, so
  a 304 never hides an unsent item;
* the seen set is only touched on the event loop thread; Kafka sends run in worker threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import yaml
from prometheus_client import CollectorRegistry

from pipeline.config import FeedSettings, Settings
from pipeline.enrich.language import detect
from pipeline.errors import ConfigError
from pipeline.ingest.feed_metrics import FAILED, Backoff, FeedMetrics
from pipeline.ingest.feed_parse import Feed, FeedItem, FeedParseError, parse_feed
from pipeline.ingest.fetch import FetchError, HostRateLimiter, HttpFetcher
from pipeline.ingest.loaders import Loaded, stable_id, to_article
from pipeline.ingest.publisher import Publisher, PublishReport
from pipeline.ingest.seen import SeenStore
from pipeline.ingest.urlguard import BlockedURL, check_url
from pipeline.observe.health import Flag, Readiness, fresh_within
from pipeline.observe.metrics import serve

log = logging.getLogger(__name__)

Extractor = Callable[[str, str], "str | None"]


class Sink(Protocol):
    """Where articles go; :class:`pipeline.ingest.publisher.Publisher` in production."""

    def publish(self, items: Iterable[Loaded], total: int | None = None) -> PublishReport: ...


@dataclass(frozen=True)
class FeedSpec:
    """One feed to poll; ``source`` and ``language`` override what the feed says."""

    url: str
    source: str | None = None
    language: str | None = None


def trafilatura_extract(html: str, url: str) -> str | None:
    """The main text of an article page (trafilatura), or None when it finds none."""
    import trafilatura

    text: str | None = trafilatura.extract(html, url=url, include_comments=False)
    return text


class FeedPoller:
    """Polls feeds and publishes their new items; never raises for a feed's own failure."""

    def __init__(self, sink: Sink, store: SeenStore, fetcher: HttpFetcher, metrics: FeedMetrics,
                 *, full_text: bool = False, min_full_text_chars: int = 200,
                 extract: Extractor = trafilatura_extract,
                 language: Callable[[str], str | None] = detect) -> None:  # fmt: skip
        self.sink = sink
        self.store = store
        self.fetcher = fetcher
        self.metrics = metrics
        self.full_text = full_text
        self.min_full_text_chars = min_full_text_chars
        self.extract = extract
        self.language = language
        self.published = 0  # items acknowledged since this poller started
        self._in_flight: set[str] = set()  # ids being sent by another feed's task
        self._failing: dict[str, str] = {}  # feed url → kind of its current run of failures
        self.retry_after: dict[str, float | None] = {}  # feed url → its last Retry-After
        self.last_poll: float | None = None  # time.monotonic() when a poll last finished

    async def poll(self, spec: FeedSpec) -> str:
        """Poll one feed once; the result label (also counted). Raises only on cancellation."""
        label = self.metrics.add_feed(spec.url)
        self.retry_after[spec.url] = None
        try:
            result = await self._poll(spec)
        except FetchError as exc:
            result, detail = exc.result, str(exc)
            self.retry_after[spec.url] = exc.retry_after
        except FeedParseError as exc:
            result, detail = "parse_error", str(exc)
        except Exception as exc:  # the poller's promise: any failure stays with its feed
            result, detail = "internal_error", f"{type(exc).__name__}: {exc}"
            if self._failing.get(spec.url) != result:
                log.exception("feed %s: unexpected error", spec.url)
        self.metrics.polls.labels(result=result).inc()
        self.metrics.last_poll.set(time.time())
        self.last_poll = time.monotonic()
        if result in FAILED:
            self.metrics.errors.labels(feed=label, kind=result).inc()
            if self._failing.get(spec.url) != result and result != "internal_error":
                log.warning("feed %s: %s: %s", spec.url, result, detail)
            self._failing[spec.url] = result
        else:
            self.metrics.last_success.labels(feed=label).set(time.time())
            if self._failing.pop(spec.url, None):
                log.info("feed %s: polling again (%s)", spec.url, result)
        return result

    async def _poll(self, spec: FeedSpec) -> str:
        validators = self.store.validators.get(spec.url, {})
        fetched = await self.fetcher.fetch(
            spec.url, validators.get("etag"), validators.get("last_modified")
        )
        if fetched is None:
            return "not_modified"
        feed = await asyncio.to_thread(parse_feed, fetched.body, fetched.url,
                                       fetched.content_type)  # fmt: skip
        if await self._publish_new(spec, feed):
            self.store.set_validators(spec.url, fetched.etag, fetched.last_modified)
        self.store.save()
        return "ok"

    async def _publish_new(self, spec: FeedSpec, feed: Feed) -> bool:
        """Publish the unseen items; True when none is left unacknowledged."""
        batch: dict[str, Loaded] = {}
        for item in feed.items:
            item_id = stable_id({"url": item.link or item.guid, "title": item.title,
                                 "body": item.content or item.summary})  # fmt: skip
            if item_id in self.store or item_id in batch or item_id in self._in_flight:
                self.metrics.skipped.labels(reason="seen").inc()
                continue
            try:
                record = await self._record(item_id, item, feed, spec)
            except Exception:  # one unreadable item never costs the feed its other items
                log.exception("feed %s: item %s skipped", spec.url, item_id)
                self.metrics.skipped.labels(reason="error").inc()
                continue
            loaded = to_article(record, f"{spec.url} {item_id}")
            if loaded.article is None:
                log.info("feed %s: item %s skipped: %s", spec.url, item_id, loaded.error)
                self.metrics.skipped.labels(reason="invalid").inc()
                continue
            batch[item_id] = loaded
        if not batch:
            return True
        self._in_flight.update(batch)
        try:
            report = await asyncio.to_thread(self.sink.publish, list(batch.values()), len(batch))
        finally:
            self._in_flight.difference_update(batch)
        self.store.add(report.ids)
        self.metrics.published.labels(feed=self.metrics.add_feed(spec.url)).inc(report.sent)
        self.published += report.sent
        for error in report.errors:
            log.warning("feed %s: %s", spec.url, error)
        self.metrics.failed.inc(len(batch) - report.sent)
        return report.sent == len(batch)

    async def _record(self, item_id: str, item: FeedItem, feed: Feed, spec: FeedSpec
                      ) -> dict[str, Any]:  # fmt: skip
        summary = item.content or item.summary
        page = await self._page_text(item.link) if self.full_text and item.link else None
        body = page or summary or item.title  # title-only feeds still make an article
        language = spec.language or item.language or self.language(f"{item.title}\n{body}")
        record = {
            "id": item_id,
            "title": item.title,
            "body": body,
            "url": item.link if item.link and len(item.link) <= 2048 else None,
            "source": (spec.source or feed.title or urlsplit(spec.url).hostname or "")[:200],
            "published_at": item.published_at,
            "language": language if language and len(language) <= 16 else None,
        }
        return {k: v for k, v in record.items() if v}

    async def _page_text(self, url: str) -> str | None:
        """The page's main text, or None (counted as a fallback to the summary)."""
        text = None
        try:
            page = await self.fetcher.fetch(url)
            if page is not None:
                html = page.body.decode(page.charset or "utf-8", errors="replace")
                text = await asyncio.to_thread(self.extract, html, page.url)
        except FetchError as exc:
            log.info("full text of %s: %s; using the summary", url, exc)
        except Exception as exc:  # LookupError (unknown charset), an extractor failure...
            log.warning("full text of %s: %s: %s; using the summary", url, type(exc).__name__, exc)
        ok = text is not None and len(text.strip()) >= self.min_full_text_chars
        self.metrics.full_text.labels(result="ok" if ok else "fallback").inc()
        return text if ok else None

    async def run(self, feeds: list[FeedSpec], interval: float, once: bool,
                  stop: asyncio.Event, *, concurrency: int = 20,
                  max_backoff: float = 3600.0) -> Tally[str]:  # fmt: skip
        """Poll every feed on its own schedule until ``stop`` (or once each); result tally."""
        tally: Tally[str] = Tally()
        slots = asyncio.Semaphore(concurrency)

        async def follow(spec: FeedSpec) -> None:
            backoff = Backoff(interval, max(max_backoff, interval))
            while not stop.is_set():
                async with slots:
                    if stop.is_set():
                        return
                    result = await self.poll(spec)
                tally[result] += 1
                if once:
                    return
                delay = backoff.next_delay(result, self.retry_after.get(spec.url))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)

        await asyncio.gather(*(follow(spec) for spec in feeds))
        return tally


# --- configuration and the command ------------------------------------------------------


def load_feed_list(path: Path) -> list[FeedSpec]:
    """Feeds of a YAML file: ``feeds:`` a list of URLs or of ``{url, source?, language?}``."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read feed list {path}: {exc}") from exc
    entries = document.get("feeds") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected 'feeds:' followed by a list")
    specs = []
    for n, entry in enumerate(entries):
        if isinstance(entry, str):
            entry = {"url": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            raise ConfigError(f"{path}: feeds[{n}] needs a url")
        unknown = set(entry) - {"url", "source", "language"}
        if unknown:
            raise ConfigError(f"{path}: feeds[{n}] has unknown keys {sorted(unknown)}")
        specs.append(FeedSpec(entry["url"], entry.get("source"), entry.get("language")))
    return specs


def _checked(specs: list[FeedSpec]) -> list[FeedSpec]:
    if not specs:
        raise ConfigError("no feeds: give URLs or --feeds FILE.yaml")
    for spec in specs:
        try:
            check_url(spec.url)
        except BlockedURL as exc:
            raise ConfigError(f"not an http(s) feed URL: {spec.url} ({exc})") from exc
    return list(dict.fromkeys(specs))


async def _poll_all(poller: FeedPoller, specs: list[FeedSpec], fs: FeedSettings,
                    interval: float, once: bool, stop: threading.Event) -> Tally[str]:  # fmt: skip
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    # A threading.Event from the caller (tests, SIGTERM) ends the loop's asyncio.Event.
    watcher = loop.run_in_executor(None, stop.wait)
    watcher.add_done_callback(lambda _: done.set())
    if threading.current_thread() is threading.main_thread():
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        return await poller.run(specs, interval, once, done, concurrency=fs.concurrency,
                                max_backoff=fs.max_backoff_seconds)  # fmt: skip
    finally:
        if threading.current_thread() is threading.main_thread():
            loop.remove_signal_handler(signal.SIGTERM)
        stop.set()  # releases the watcher thread
        await poller.fetcher.aclose()


def run_feed(settings: Settings, urls: list[str], feeds_file: Path | None,
             interval: float | None, once: bool, full_text: bool, *,
             feed_settings: FeedSettings | None = None,
             registry: CollectorRegistry | None = None,
             stop: threading.Event | None = None, as_json: bool = False) -> int:  # fmt: skip
    """Run the poller (``newsflow feed``). Exit code 0; 1 with ``once`` if a poll failed.
    The summary is printed at the end, as JSON with ``as_json``."""
    fs = feed_settings or settings.feed
    specs = _checked([FeedSpec(u) for u in urls] + (load_feed_list(feeds_file) if feeds_file
                                                    else []))  # fmt: skip
    metrics = FeedMetrics(registry or CollectorRegistry())
    for spec in specs:
        metrics.add_feed(spec.url)
    # Ready (/readyz): connected to Kafka, and a poll finished within two intervals.
    kafka, poller_ref = Flag("connecting to Kafka"), list[FeedPoller]()
    readiness = Readiness()
    readiness.add("kafka", kafka)
    every = interval or fs.interval_seconds
    readiness.add("polling", fresh_within(2 * every + fs.timeout_seconds,
                                          lambda: poller_ref[0].last_poll if poller_ref else None,
                                          "finished poll"))  # fmt: skip
    if not once and fs.metrics_enabled:
        serve(metrics.registry, fs.metrics_host, fs.metrics_port, readiness)
    stop = stop or threading.Event()
    store = SeenStore(fs.state_file or settings.state_dir / "feeds" / "seen.json", fs.max_seen)
    try:
        publisher = Publisher(settings)
        kafka.set()
        try:
            fetcher = HttpFetcher(fs, HostRateLimiter(fs.per_host_interval_seconds))
            poller = FeedPoller(publisher, store, fetcher, metrics, full_text=full_text,
                                min_full_text_chars=fs.min_full_text_chars)  # fmt: skip
            poller_ref.append(poller)
            tally = asyncio.run(_poll_all(poller, specs, fs, interval or fs.interval_seconds,
                                          once, stop))  # fmt: skip
        finally:
            publisher.close()
    finally:
        store.close()
    if as_json:
        print(
            json.dumps(
                {
                    "feeds": sum(tally.values()),
                    "outcomes": dict(sorted(tally.items())),
                    "published": poller.published,
                    "topic": settings.topics.raw,
                }
            )
        )
    else:
        print(f"polled {sum(tally.values())} feed(s): "
              + ", ".join(f"{k} {v}" for k, v in sorted(tally.items()))
              + f"; published {poller.published} → {settings.topics.raw}")  # fmt: skip
    return 1 if once and FAILED & set(tally) else 0
