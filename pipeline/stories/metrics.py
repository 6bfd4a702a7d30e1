"""Metrics of story clustering, in the worker's registry (bounded labels only)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

KINDS = ("new", "text", "words", "names", "copy")


class StoriesMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.assigned = Counter(
            "newsflow_story_assignments",
            "Articles given a story, by how: new (it starts one), text (a near-duplicate's), "
            "names (shared rare names), copy (the story of the first copy of its text).",
            ["kind"],
            registry=registry,
        )
        self.events = Counter(
            "newsflow_story_events",
            "Story events sent to news.stories.",
            registry=registry,
        )
        self.index_articles = Gauge(
            "newsflow_story_index_articles",
            "Articles in the window held by this worker's story index.",
            registry=registry,
        )
        for kind in KINDS:
            self.assigned.labels(kind=kind)
