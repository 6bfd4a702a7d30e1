"""``newsflow feed``: poll RSS 2.0 / Atom feeds and publish each new item to ``news.raw``.

Requests are conditional (ETag, Last-Modified), at most one per ``per_host_interval_seconds`` to
a host, bounded in time and size. An item's id is :func:`pipeline.ingest.loaders.stable_id` of
its link (else guid, else title and text), and ids acknowledged by Kafka go into a seen set kept
in ``<state_dir>/feeds/seen.json`` (written atomically, the oldest forgotten beyond
``max_seen``), so an item is never published twice, across restarts too. Feed errors are counted
(``newsflow_feed_polls_total{result}``) and the poller goes on.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import tempfile
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import yaml
from prometheus_client import CollectorRegistry, Counter

from pipeline.config import FeedSettings, Settings
from pipeline.errors import ConfigError
from pipeline.ingest.feed_parse import (
    Feed,
    FeedItem,
    FeedParseError,
    FetchError,
    HostRateLimiter,
    HttpFetcher,
    page_extractor,
    parse_feed,
)
from pipeline.ingest.loaders import Loaded, stable_id, to_article
from pipeline.ingest.publisher import Publisher, PublishReport
from pipeline.observe.metrics import serve

log = logging.getLogger(__name__)

# Bounded label values of newsflow_feed_polls_total{result}.
POLL_RESULTS = (
    "ok", "not_modified", "http_error", "timeout", "network_error", "parse_error", "too_large",
)  # fmt: skip
FAILED = frozenset(POLL_RESULTS) - {"ok", "not_modified"}


class Sink(Protocol):
    """Where articles go; :class:`pipeline.ingest.publisher.Publisher` in production."""

    def publish(self, items: Iterable[Loaded], total: int | None = None) -> PublishReport: ...


@dataclass(frozen=True)
class FeedSpec:
    """One feed to poll; ``source`` and ``language`` override what the feed says."""

    url: str
    source: str | None = None
    language: str | None = None


class FeedMetrics:
    """The poller's Prometheus metrics, on an injected registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.polls = Counter(
            "newsflow_feed_polls", "Feed polls, by result.", ["result"], registry=registry
        )
        self.published = Counter(
            "newsflow_feed_items_published", "Feed items acknowledged on the raw topic.",
            registry=registry,
        )  # fmt: skip
        self.skipped = Counter(
            "newsflow_feed_items_skipped",
            "Feed items not published: seen (published before) or invalid (no text...).",
            ["reason"],
            registry=registry,
        )
        self.failed = Counter(
            "newsflow_feed_items_failed", "Feed items Kafka did not acknowledge (retried).",
            registry=registry,
        )  # fmt: skip
        self.full_text = Counter(
            "newsflow_feed_full_text", "Article page fetches: ok, or fallback to the summary.",
            ["result"], registry=registry,
        )  # fmt: skip
        for result in POLL_RESULTS:  # export zeros so rate() and alerts see every series
            self.polls.labels(result=result)
        for reason in ("seen", "invalid"):
            self.skipped.labels(reason=reason)


class SeenStore:
    """Ids already published plus each feed's ETag / Last-Modified, in one JSON file.

    File: ``{"version": 1, "seen": [oldest … newest ids], "validators": {url: {...}}}``,
    replaced atomically (temp file, fsync, rename) so a crash leaves the old or the new set,
    never half of one. Beyond ``max_seen`` ids the oldest are forgotten: feeds carry recent
    items only. An exclusive lock on ``<file>.lock`` keeps a second poller off the same file.
    """

    VERSION = 1

    def __init__(self, path: Path, max_seen: int = 50_000) -> None:
        self.path = path
        self.max_seen = max_seen
        self._seen: dict[str, None] = {}  # insertion-ordered: oldest first
        self.validators: dict[str, dict[str, str]] = {}
        self._dirty = False  # rewrite the file only when something changed
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(path.with_name(path.name + ".lock"), "w")  # noqa: SIM115
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._lock.close()
            raise ConfigError(f"{path} is in use by another feed poller") from exc
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            seen, validators = data["seen"], data["validators"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self.close()
            # Starting empty would re-publish every item of every feed: refuse instead.
            raise ConfigError(f"unreadable seen set {self.path} ({exc}); move it away "
                              "to start afresh") from exc  # fmt: skip
        self.add(str(i) for i in seen)
        self.validators = {str(u): dict(v) for u, v in validators.items()}
        self._dirty = False

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._seen

    def __len__(self) -> int:
        return len(self._seen)

    def add(self, ids: Iterable[str]) -> None:
        for item_id in ids:
            self._seen.pop(item_id, None)  # re-seen ids move to the newest end
            self._seen[item_id] = None
            self._dirty = True
        for old in list(self._seen)[: max(0, len(self._seen) - self.max_seen)]:
            del self._seen[old]

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember a feed's ETag / Last-Modified for its next conditional request."""
        new = {k: v for k, v in (("etag", etag), ("last_modified", last_modified)) if v}
        if self.validators.get(url, {}) != new:
            self.validators[url] = new
            self._dirty = True

    def save(self) -> None:
        """Write the file atomically if anything changed since the last save."""
        if not self._dirty:
            return
        data = {"version": self.VERSION, "seen": list(self._seen), "validators": self.validators}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".seen-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, separators=(",", ":"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
            self._dirty = False
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def close(self) -> None:
        if not self._lock.closed:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()


# --- polling ----------------------------------------------------------------------------


class FeedPoller:
    """Polls feeds and publishes their new items; never raises for a feed's own failure."""

    def __init__(self, sink: Sink, store: SeenStore, fetcher: HttpFetcher, metrics: FeedMetrics,
                 *, full_text: bool = False, min_full_text_chars: int = 200,
                 extract: Callable[[str, str], str | None] | None = None) -> None:  # fmt: skip
        self.sink = sink
        self.store = store
        self.fetcher = fetcher
        self.metrics = metrics
        self.full_text = full_text
        self.min_full_text_chars = min_full_text_chars
        self.extract = extract or page_extractor()
        self.published = 0  # items acknowledged since this poller started

    def poll(self, spec: FeedSpec) -> str:
        """Poll one feed once; the result label (also counted)."""
        result = self._poll(spec)
        self.metrics.polls.labels(result=result).inc()
        return result

    def _poll(self, spec: FeedSpec) -> str:
        validators = self.store.validators.get(spec.url, {})
        try:
            fetched = self.fetcher.fetch(
                spec.url, validators.get("etag"), validators.get("last_modified")
            )
        except FetchError as exc:
            log.warning("feed %s: %s", spec.url, exc)
            return exc.result
        if fetched is None:
            return "not_modified"
        try:
            feed = parse_feed(fetched.body, fetched.url)
        except FeedParseError as exc:
            log.warning("feed %s: %s", spec.url, exc)
            return "parse_error"
        if self._publish_new(spec, feed):
            # Only once every item is safely on Kafka: a 304 must never hide an unsent one.
            self.store.set_validators(spec.url, fetched.etag, fetched.last_modified)
        self.store.save()
        return "ok"

    def _publish_new(self, spec: FeedSpec, feed: Feed) -> bool:
        """Publish the unseen items; True when none is left unacknowledged."""
        batch: dict[str, Loaded] = {}
        for item in feed.items:
            item_id = stable_id({"url": item.link or item.guid, "title": item.title,
                                 "body": item.content or item.summary})  # fmt: skip
            if item_id in self.store or item_id in batch:
                self.metrics.skipped.labels(reason="seen").inc()
                continue
            loaded = to_article(self._record(item_id, item, feed, spec), f"{spec.url} {item_id}")
            if loaded.article is None:
                log.info("feed %s: item %s skipped: %s", spec.url, item_id, loaded.error)
                self.metrics.skipped.labels(reason="invalid").inc()
                continue
            batch[item_id] = loaded
        if not batch:
            return True
        report = self.sink.publish(batch.values(), total=len(batch))
        self.store.add(report.ids)
        self.metrics.published.inc(report.sent)
        self.published += report.sent
        for error in report.errors:
            log.warning("feed %s: %s", spec.url, error)
        self.metrics.failed.inc(len(batch) - report.sent)
        return report.sent == len(batch)

    def _record(self, item_id: str, item: FeedItem, feed: Feed, spec: FeedSpec
                ) -> dict[str, Any]:  # fmt: skip
        summary = item.content or item.summary
        body = (self._page_text(item.link) if self.full_text and item.link else None) or summary
        language = spec.language or item.language
        record = {
            "id": item_id,
            "title": item.title,
            "body": body or item.title,  # title-only feeds still make an article
            "url": item.link if item.link and len(item.link) <= 2048 else None,
            "source": (spec.source or feed.title or urlsplit(spec.url).hostname or "")[:200],
            "published_at": item.published_at,
            "language": language if language and len(language) <= 16 else None,
        }
        return {k: v for k, v in record.items() if v}

    def _page_text(self, url: str) -> str | None:
        try:
            page = self.fetcher.fetch(url)
            if page is None:
                raise FetchError("not_modified", "unexpected 304")
            html = page.body.decode(page.charset or "utf-8", errors="replace")
            text = self.extract(html, page.url)
        except (FetchError, LookupError) as exc:  # LookupError: unknown charset name
            log.info("full text of %s: %s; using the summary", url, exc)
            text = None
        ok = text is not None and len(text.strip()) >= self.min_full_text_chars
        self.metrics.full_text.labels(result="ok" if ok else "fallback").inc()
        return text if ok else None

    def run(self, feeds: list[FeedSpec], interval: float, once: bool,
            stop: threading.Event) -> Tally[str]:  # fmt: skip
        """Poll every feed each ``interval`` seconds until ``stop`` (or once); result tally."""
        tally: Tally[str] = Tally()
        while not stop.is_set():
            started = time.monotonic()
            for spec in feeds:
                if stop.is_set():
                    break
                tally[self.poll(spec)] += 1
            if once:
                break
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
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
        parts = urlsplit(spec.url)
        # urllib also opens file:// and ftp://; a feed list must not read local files.
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"not an http(s) feed URL: {spec.url}")
    return list(dict.fromkeys(specs))


def resolve_feed_settings(settings: Settings, given: FeedSettings | None) -> FeedSettings:
    """``given``, else ``settings.feed`` once config.py has it, else the defaults."""
    if given is not None:
        return given
    nested = getattr(settings, "feed", None)
    return nested if isinstance(nested, FeedSettings) else FeedSettings()


@contextmanager
def _stop_on_sigterm(stop: threading.Event) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_feed(settings: Settings, urls: list[str], feeds_file: Path | None,
             interval: float | None, once: bool, full_text: bool, *,
             feed_settings: FeedSettings | None = None,
             registry: CollectorRegistry | None = None,
             stop: threading.Event | None = None) -> int:  # fmt: skip
    """Run the poller (``newsflow feed``). Exit code 0; 1 with ``once`` if a poll failed."""
    fs = resolve_feed_settings(settings, feed_settings)
    specs = _checked([FeedSpec(u) for u in urls] + (load_feed_list(feeds_file) if feeds_file
                                                    else []))  # fmt: skip
    metrics = FeedMetrics(registry or CollectorRegistry())
    if not once and fs.metrics_enabled:
        serve(metrics.registry, fs.metrics_host, fs.metrics_port)
    stop = stop or threading.Event()
    store = SeenStore(fs.state_file or settings.state_dir / "feeds" / "seen.json", fs.max_seen)
    try:
        publisher = Publisher(settings)
        try:
            fetcher = HttpFetcher(fs, HostRateLimiter(fs.per_host_interval_seconds))
            poller = FeedPoller(publisher, store, fetcher, metrics, full_text=full_text,
                                min_full_text_chars=fs.min_full_text_chars)  # fmt: skip
            with _stop_on_sigterm(stop):
                tally = poller.run(specs, interval or fs.interval_seconds, once, stop)
        finally:
            publisher.close()
    finally:
        store.close()
    published = poller.published
    print(f"polled {sum(tally.values())} feed(s): "
          + ", ".join(f"{k} {v}" for k, v in sorted(tally.items()))
          + f"; published {published} → {settings.topics.raw}")  # fmt: skip
    return 1 if once and FAILED & set(tally) else 0
