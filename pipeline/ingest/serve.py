"""``newsflow serve``: HTTP ingest for systems that push articles (aiohttp).

``POST /articles`` takes one JSON article or a JSON array of them (``Content-Type:
application/json``; a body that is not one JSON document is read as JSONL), or JSONL, one
article a line (``application/x-ndjson``, also ``application/jsonl``). Any other type gets 415,
so a cross-site HTML form (which can only send ``text/plain`` and form types without a
preflight) cannot post. Each item is validated like ``newsflow produce`` does
(:func:`pipeline.ingest.loaders.to_article`: a missing id becomes the stable hash of the url)
and checked against the worker's size limits (``NEWSFLOW_ENRICH_*``, via the sink), so nothing
is published only to be dead-lettered. The whole request is validated before anything is
published. Valid items are then published to ``news.raw`` with acks=all *before* the answer:

* 202 ``{"accepted": [ids], "rejected": [{"index", "error"}]}`` when at least one item was
  accepted — rejected ones (if any) are listed and were not published; resend them fixed;
* 422 with the same shape when no item was valid; 400 (one-line ``error``) for an empty,
  non-UTF-8 or malformed body (not JSON, nested too deeply) or a malformed header: nothing
  was published;
* 401 when a token is configured and the bearer token is missing or wrong;
* 408 when the body did not arrive within ``body_timeout_seconds``; 413 over
  ``max_body_bytes`` or ``max_items`` (counted while reading: nothing past the limit is
  parsed); 415 for another ``Content-Type``;
* 503 with ``Retry-After`` when Kafka did not acknowledge every valid item within
  ``publish_timeout_seconds`` (``accepted`` then lists those that were; ``unacknowledged``
  those sent but not acknowledged, which may still land; ``not_sent`` the others) or when
  ``max_concurrent_requests`` are already publishing. Resending is safe: ids are stable.

Connections that have not sent a whole request head within ``header_timeout_seconds`` are
closed. ``GET /metrics`` serves Prometheus metrics (:class:`IngestMetrics`) on the same port.
"""

from __future__ import annotations

import asyncio
import hmac
import io
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any, Literal, Protocol, TypedDict

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from pipeline.config import EnrichSettings, ServeSettings, Settings
from pipeline.errors import MalformedInput
from pipeline.ingest.jsonstream import array_values, decode
from pipeline.ingest.loaders import MAX_RECORD_BYTES, Loaded, to_article
from pipeline.ingest.publisher import Publisher, PublishReport, encode
from pipeline.ingest.serve_api import openapi_document
from pipeline.models import RawArticle

log = logging.getLogger(__name__)


class Sink(Protocol):
    """Where accepted articles go; :class:`pipeline.ingest.publisher.Publisher` in production.
    ``limits`` are the worker's, checked before anything is published."""

    limits: EnrichSettings

    async def deliver(self, articles: Sequence[RawArticle], deadline: float,
                      executor: Executor | None = None) -> PublishReport: ...  # fmt: skip


PATHS = ("/articles", "/healthz", "/openapi.json", "/metrics")
BODY_BUCKETS = (100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
RETRY_AFTER_SECONDS = 5
BodyKind = Literal["json", "jsonl"]
CONTENT_TYPES: dict[str, BodyKind] = {
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
}


class IngestMetrics:
    """The HTTP ingest's Prometheus metrics, on an injected registry. ``path`` is one of
    :data:`PATHS` or ``other``; ``status`` an HTTP status code (a bounded set)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "newsflow_http_requests", "HTTP ingest requests, by path and status.",
            ["path", "status"], registry=registry,
        )  # fmt: skip
        self.body_bytes = Histogram(
            "newsflow_http_request_body_bytes", "Size of POST /articles request bodies.",
            buckets=BODY_BUCKETS, registry=registry,
        )  # fmt: skip
        self.duration = Histogram(
            "newsflow_http_request_duration_seconds",
            "Time from request to answer (POST /articles includes the Kafka acknowledgement).",
            ["path"], buckets=LATENCY_BUCKETS, registry=registry,
        )  # fmt: skip
        self.articles = Counter(
            "newsflow_http_articles", "Articles received over HTTP: accepted or rejected.",
            ["result"], registry=registry,
        )  # fmt: skip
        for status in ("202", "400", "401", "408", "413", "415", "422", "503"):
            self.requests.labels(path="/articles", status=status)
        for result in ("accepted", "rejected"):
            self.articles.labels(result=result)


class Admission:
    """How many requests are publishing; past ``limit`` they are turned away (503), so a Kafka
    outage makes clients back off instead of queueing behind each other."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0
        self.executor = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="ingest-send")


SINK = web.AppKey("sink", Sink)
SETTINGS = web.AppKey("settings", ServeSettings)
METRICS = web.AppKey("metrics", IngestMetrics)
ADMISSION = web.AppKey("admission", Admission)


def _json(status: int, payload: dict[str, Any], **headers: str) -> web.Response:
    return web.json_response(payload, status=status, headers=headers or None)


def _error(status: int, reason: str, **headers: str) -> web.Response:
    return _json(status, {"error": reason}, **headers)


def _unauthorized(request: web.Request, settings: ServeSettings) -> web.Response | None:
    """The answer to a request without the configured bearer token; None when it may pass."""
    if settings.token is None:
        return None
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    try:
        given_bytes = given.strip().encode("utf-8")
    except UnicodeEncodeError:  # aiohttp keeps undecodable header bytes as surrogates
        return _error(400, "the Authorization header is not UTF-8")
    expected = settings.token.get_secret_value().encode()
    # Constant-time, so response timing does not reveal how much of a guess was right.
    if scheme.lower() == "bearer" and hmac.compare_digest(given_bytes, expected):
        return None
    return _error(401, "missing or wrong bearer token",
                  **{"WWW-Authenticate": 'Bearer realm="newsflow"'})  # fmt: skip


def parse_body(text: str, kind: BodyKind = "json", max_items: int | None = None) -> list[Loaded]:
    """Items of a body: a JSON object, a JSON array, or JSONL (blank lines ignored).

    At most ``max_items + 1`` items are parsed (the caller answers 413 past ``max_items``);
    raises :class:`MalformedInput` for an array or document that cannot be read.
    """
    keep = None if max_items is None else max_items + 1
    start = text.lstrip()[:1]
    if kind == "json" and start == "[":
        records = itertools.islice(array_values(io.StringIO(text).read, MAX_RECORD_BYTES), keep)
        return [to_article(record, str(i)) for i, record in enumerate(records)]
    if kind == "json" and start == "{":
        try:
            return [to_article(decode(text), "0")]
        except MalformedInput as exc:
            if "Extra data" not in str(exc):  # several documents: JSONL sent as JSON
                raise
    lines = itertools.islice((line for line in text.split("\n") if line.strip()), keep)
    return [_line(i, line) for i, line in enumerate(lines)]


def _line(index: int, line: str) -> Loaded:
    try:
        return to_article(decode(line), str(index))
    except MalformedInput as exc:
        return Loaded(str(index), error=str(exc))


async def _read_text(request: web.Request, settings: ServeSettings) -> str | web.Response:
    """The body as text, or the answer refusing it."""
    too_large = _error(413, f"body over {settings.max_body_bytes} bytes")
    if (request.content_length or 0) > settings.max_body_bytes:
        return too_large
    try:
        async with asyncio.timeout(settings.body_timeout_seconds):
            body = await request.read()  # aiohttp stops at client_max_size, chunked bodies too
    except TimeoutError:
        return _error(408, f"body not received within {settings.body_timeout_seconds:g} s",
                      Connection="close")  # fmt: skip
    except web.HTTPRequestEntityTooLarge:
        return too_large
    request.app[METRICS].body_bytes.observe(len(body))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "body is not UTF-8")
    return text if text.strip() else _error(400, "empty body")


def _content_kind(request: web.Request) -> BodyKind | web.Response:
    kind = CONTENT_TYPES.get(request.content_type)
    charset = (request.charset or "utf-8").lower()
    if kind is None or charset not in ("utf-8", "utf8"):
        return _error(415, "Content-Type must be application/json or application/x-ndjson "
                           "(UTF-8)")  # fmt: skip
    return kind


async def post_articles(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    refusal = _unauthorized(request, settings)
    if refusal is not None:
        return refusal
    kind = _content_kind(request)
    if isinstance(kind, web.Response):
        return kind
    text = await _read_text(request, settings)
    if isinstance(text, web.Response):
        return text
    try:
        items = parse_body(text, kind, settings.max_items)
    except MalformedInput as exc:
        return _error(400, str(exc))
    if len(items) > settings.max_items:
        return _error(413, f"more than {settings.max_items} articles in one request")
    sink = request.app[SINK]
    rejected: list[dict[str, Any]] = []
    valid: list[RawArticle] = []
    for index, item in enumerate(items):
        reason = item.error if item.article is None else encode(item.article, sink.limits)
        if isinstance(reason, str) or item.article is None:
            rejected.append({"index": index, "error": reason})
        else:
            valid.append(item.article)
    metrics = request.app[METRICS]
    metrics.articles.labels(result="rejected").inc(len(rejected))
    if not valid:
        return _json(422, {"accepted": [], "rejected": rejected})
    report = await _publish(request, valid)
    if report is None:
        return _error(503, "too many requests are publishing; retry later",
                      **{"Retry-After": str(RETRY_AFTER_SECONDS)})  # fmt: skip
    metrics.articles.labels(result="accepted").inc(report.sent)
    if report.sent < len(valid):
        unacknowledged = set(report.unacknowledged) | set(report.ids)
        not_sent = [a.id for a in valid if a.id not in unacknowledged]
        reason = report.stopped or f"not acknowledged within {settings.publish_timeout_seconds:g} s"
        return _json(503, {"error": f"Kafka did not acknowledge every article ({reason}); "
                                    "resend those not accepted",
                           "accepted": report.ids, "unacknowledged": report.unacknowledged,
                           "not_sent": not_sent, "rejected": rejected},
                     **{"Retry-After": str(RETRY_AFTER_SECONDS)})  # fmt: skip
    return _json(202, {"accepted": report.ids, "rejected": rejected})


async def _publish(request: web.Request, articles: list[RawArticle]) -> PublishReport | None:
    """The sink's report, or None when ``max_concurrent_requests`` are already publishing."""
    admission = request.app[ADMISSION]
    if admission.active >= admission.limit:
        return None
    admission.active += 1
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + request.app[SETTINGS].publish_timeout_seconds
        return await request.app[SINK].deliver(articles, deadline, admission.executor)
    finally:
        admission.active -= 1


async def healthz(request: web.Request) -> web.Response:
    return _json(200, {"status": "ok"})


async def openapi(request: web.Request) -> web.Response:
    return _json(200, openapi_document())


async def metrics_page(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def count_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Counts every answer by path and status, and times it."""
    started = time.monotonic()
    path = request.path if request.path in PATHS else "other"
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:  # 404, 405 from the router
        status = exc.status
        raise
    except Exception as exc:  # a bug: logged here, one line to the client, no traceback
        log.exception("%s %s failed", request.method, path)
        return _error(500, f"internal error ({type(exc).__name__})")
    finally:
        metrics = request.app[METRICS]
        metrics.requests.labels(path=path, status=str(status)).inc()
        metrics.duration.labels(path=path).observe(time.monotonic() - started)


def build_app(sink: Sink, settings: ServeSettings,
              registry: CollectorRegistry | None = None) -> web.Application:  # fmt: skip
    """The aiohttp application; ``sink`` receives validated articles."""
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=[count_requests])
    app[SINK] = sink
    app[SETTINGS] = settings
    app[METRICS] = IngestMetrics(registry or CollectorRegistry())
    app[ADMISSION] = Admission(settings.max_concurrent_requests)

    async def stop_sending(_: web.Application) -> None:
        app[ADMISSION].executor.shutdown(wait=False, cancel_futures=True)

    app.on_cleanup.append(stop_sending)
    app.router.add_post("/articles", post_articles)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/openapi.json", openapi)
    app.router.add_get("/metrics", metrics_page)
    return app


class ServerOptions(TypedDict):
    keepalive_timeout: float
    lingering_time: float


def server_options(settings: ServeSettings) -> ServerOptions:
    """Options of aiohttp's server (``web.run_app``, ``AppRunner``, ``TestServer``)."""
    # aiohttp's keep-alive timer also runs while a request head is incomplete (from the
    # connection's start): closing such connections makes it the header timeout.
    # A body left unread (refused early, or timed out) is drained for at most a second
    # before the connection closes: aiohttp's default (10 s) would let a trickle hold it.
    return {"keepalive_timeout": settings.header_timeout_seconds, "lingering_time": 1.0}


def resolve_serve_settings(settings: Settings, given: ServeSettings | None) -> ServeSettings:
    """``given``, else ``settings.serve`` once config.py has it, else the defaults."""
    if given is not None:
        return given
    nested = getattr(settings, "serve", None)
    return nested if isinstance(nested, ServeSettings) else ServeSettings()


def run_server(settings: Settings, *, serve_settings: ServeSettings | None = None) -> int:
    """Serve until SIGINT / SIGTERM (``newsflow serve``); exit code 0."""
    ss = resolve_serve_settings(settings, serve_settings)
    # Fails fast (KafkaUnavailable) before listening; a send waits for metadata no longer
    # than a request waits for its acknowledgements.
    publisher = Publisher(settings, timeout_seconds=ss.publish_timeout_seconds)
    app = build_app(publisher, ss)

    async def close_publisher(_: web.Application) -> None:
        await asyncio.get_running_loop().run_in_executor(None, publisher.close)

    app.on_cleanup.append(close_publisher)
    if ss.live:
        from pipeline.live.feed import add_live_routes

        add_live_routes(app, settings)
    print(f"serving POST http://{ss.host}:{ss.port}/articles → {settings.topics.raw}"
          + (" (bearer token required)" if ss.token else ""), flush=True)  # fmt: skip
    web.run_app(app, host=ss.host, port=ss.port, print=None, handle_signals=True,
                **server_options(ss))  # fmt: skip
    return 0
