"""Settings of the live ingest paths: the feed poller and the HTTP ingest server.

Kept apart from :mod:`pipeline.config` (and importing nothing from ``pipeline``) so that
``config.py`` can nest them as ``Settings.feed`` (``NEWSFLOW_FEED_*``) and ``Settings.serve``
(``NEWSFLOW_SERVE_*``) without a circular import.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr


class FeedSettings(BaseModel):
    """The RSS / Atom poller (``newsflow feed``). ``NEWSFLOW_FEED_*``."""

    interval_seconds: float = Field(
        default=300.0, gt=0, description="Seconds between two polls of the same feed."
    )
    per_host_interval_seconds: float = Field(
        default=2.0, ge=0, description="Minimum seconds between two requests to one host."
    )
    timeout_seconds: float = Field(
        default=10.0, gt=0, description="Whole-request deadline (connect + read), seconds."
    )
    max_bytes: int = Field(
        default=5_000_000, ge=1, description="Larger feed or page responses are refused."
    )
    state_file: Path | None = Field(
        default=None, description="Seen-set file; default <state_dir>/feeds/seen.json."
    )
    max_seen: int = Field(
        default=50_000, ge=1, description="Ids remembered; the oldest are forgotten first."
    )
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9465, description="Prometheus /metrics when long-lived.")
    metrics_enabled: bool = True
    user_agent: str = Field(default="newsflow-feed/0.1", description="Sent with every request.")
    min_full_text_chars: int = Field(
        default=200, ge=1, description="Shorter extracted page text falls back to the summary."
    )


class ServeSettings(BaseModel):
    """The HTTP ingest server (``newsflow serve``). ``NEWSFLOW_SERVE_*``."""

    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = Field(
        default=1_000_000, ge=1, description="Larger request bodies get 413."
    )
    max_items: int = Field(default=1_000, ge=1, description="Articles per request; more get 413.")
    token: SecretStr | None = Field(
        default=None, description="If set, POST /articles needs 'Authorization: Bearer <token>'."
    )
