"""Events for the live page's tests (unit and in Chromium)."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.models import EnrichedArticle


def enriched_article(n: int, title: str) -> bytes:
    now = datetime.now(UTC)
    return EnrichedArticle.model_validate({
        "id": f"live-{n}", "title": title, "body": f"Body {n}.", "source": "Test Wire",
        "entities": [], "tone": {"compound": 0.1, "positive": 0.2, "negative": 0.1,
                                 "neutral": 0.7},
        "meta": {"pipeline_version": "t", "model_name": "t", "model_version": "t",
                 "enriched_at": now, "processing_seconds": 0.1},
    }).model_dump_json().encode()  # fmt: skip
