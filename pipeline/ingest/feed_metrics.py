"""The feed poller's Prometheus metrics and its per-feed retry schedule.

Per-feed series carry a ``feed`` label: the feed's configured URL without query string or
credentials. Feeds are a configured set, so the label is bounded by the feed list.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from prometheus_client import CollectorRegistry, Counter, Gauge

# Bounded label values of newsflow_feed_polls_total{result}; the failures are also the
# `kind` of newsflow_feed_errors_total.
ERROR_KINDS = (
    "http_error", "rate_limited", "timeout", "network_error", "blocked", "parse_error",
    "too_large", "internal_error",
)  # fmt: skip
POLL_RESULTS = ("ok", "not_modified", *ERROR_KINDS)
FAILED = frozenset(ERROR_KINDS)
SKIP_REASONS = ("seen", "invalid", "error")


def feed_label(url: str) -> str:
    """The ``feed`` label of a feed URL: scheme, host, port and path only."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return url[:200]
    return f"{parts.scheme}://{host}{port}{parts.path}"[:200]


class FeedMetrics:
    """The poller's Prometheus metrics, on an injected registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.polls = Counter(
            "newsflow_feed_polls", "Feed polls, by result.", ["result"], registry=registry
        )
        self.published = Counter(
            "newsflow_feed_items_published", "Feed items acknowledged on the raw topic, by feed.",
            ["feed"], registry=registry,
        )  # fmt: skip
        self.errors = Counter(
            "newsflow_feed_errors", "Failed polls, by feed and kind.", ["feed", "kind"],
            registry=registry,
        )  # fmt: skip
        self.last_success = Gauge(
            "newsflow_feed_last_success_timestamp_seconds",
            "Unix time of the feed's last successful poll (200 or 304); 0 before the first.",
            ["feed"], registry=registry,
        )  # fmt: skip
        self.last_poll = Gauge(
            "newsflow_feed_last_poll_timestamp_seconds",
            "Unix time the poller last finished a poll, of any feed and result (its heartbeat).",
            registry=registry,
        )
        self.skipped = Counter(
            "newsflow_feed_items_skipped",
            "Feed items not published: seen (published before), invalid (no text...) or "
            "error (the item could not be read).",
            ["reason"],
            registry=registry,
        )
        self.failed = Counter(
            "newsflow_feed_items_failed", "Feed items Kafka did not acknowledge (retried).",
            registry=registry,
        )  # fmt: skip
        self.full_text = Counter(
            "newsflow_feed_full_text", "Article page extraction: ok, or fallback to the summary.",
            ["result"], registry=registry,
        )  # fmt: skip
        for result in POLL_RESULTS:  # export zeros so rate() and alerts see every series
            self.polls.labels(result=result)
        for reason in SKIP_REASONS:
            self.skipped.labels(reason=reason)
        for result in ("ok", "fallback"):
            self.full_text.labels(result=result)

    def add_feed(self, url: str) -> str:
        """Create the feed's series at zero; its label."""
        label = feed_label(url)
        self.published.labels(feed=label)
        self.last_success.labels(feed=label)
        for kind in ERROR_KINDS:
            self.errors.labels(feed=label, kind=kind)
        return label


@dataclass
class Backoff:
    """When to poll a feed next: every ``interval`` while it works; after ``n`` failures in a
    row, ``interval × 2^(n-1)`` capped at ``max_delay``, and never before a ``Retry-After``."""

    interval: float
    max_delay: float
    failures: int = 0

    def next_delay(self, result: str, retry_after: float | None = None) -> float:
        if result not in FAILED:
            self.failures = 0
            delay = self.interval
        else:
            self.failures += 1
            delay = min(self.max_delay, self.interval * 2 ** min(self.failures - 1, 30))
        return max(delay, retry_after or 0.0)
