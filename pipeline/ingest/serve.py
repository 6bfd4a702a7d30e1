"""``newsflow serve``: HTTP ingest for systems that push articles (aiohttp).

``POST /articles`` takes one JSON article, a JSON array of them, or JSONL (one per line; a
body that is not one JSON document is read as JSONL). Each item is validated like ``newsflow
produce`` does (:func:`pipeline.ingest.loaders.to_article`: a missing id becomes the stable
hash of the url). Valid items are published to ``news.raw`` with acks=all *before* the answer:

* 202 ``{"accepted": [ids], "rejected": [{"index", "error"}]}`` when at least one item was
  accepted — rejected ones (if any) are listed and were not published; resend them fixed;
* 422 with the same shape when no item was valid; 400 for an empty or non-UTF-8 body;
* 401 when a token is configured and the bearer token is missing or wrong;
* 413 over ``max_body_bytes`` or ``max_items``; 503 if Kafka did not acknowledge every valid
  item (``accepted`` then lists those that were published).

``GET /metrics`` serves Prometheus metrics (:class:`IngestMetrics`) on the same port.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pydantic import SecretStr

from pipeline import __version__
from pipeline.config import ServeSettings, Settings
from pipeline.ingest.loaders import Loaded, to_article
from pipeline.ingest.publisher import Publisher, PublishReport
from pipeline.models import RawArticle


class Sink(Protocol):
    """Where accepted articles go; :class:`pipeline.ingest.publisher.Publisher` in production."""

    def publish(self, items: Iterable[Loaded], total: int | None = None) -> PublishReport: ...


PATHS = ("/articles", "/healthz", "/openapi.json", "/metrics")
BODY_BUCKETS = (100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


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
        for status in ("202", "400", "401", "413", "422", "503"):
            self.requests.labels(path="/articles", status=status)
        for result in ("accepted", "rejected"):
            self.articles.labels(result=result)


SINK = web.AppKey("sink", Sink)
SETTINGS = web.AppKey("settings", ServeSettings)
METRICS = web.AppKey("metrics", IngestMetrics)


def _json(status: int, payload: dict[str, Any], **headers: str) -> web.Response:
    return web.json_response(payload, status=status, headers=headers or None)


def _authorized(request: web.Request, token: SecretStr | None) -> bool:
    if token is None:
        return True
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    # Constant-time, so response timing does not reveal how much of a guess was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected)


def parse_body(text: str) -> list[Loaded]:
    """Items of a body: a JSON object, a JSON array, or JSONL (blank lines ignored)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        lines = [line for line in text.splitlines() if line.strip()]
        return [_line(i, line) for i, line in enumerate(lines)]
    records = document if isinstance(document, list) else [document]
    return [to_article(record, str(i)) for i, record in enumerate(records)]


def _line(index: int, line: str) -> Loaded:
    try:
        return to_article(json.loads(line), str(index))
    except json.JSONDecodeError as exc:
        return Loaded(str(index), error=f"not JSON: {exc.msg}")


async def post_articles(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    if not _authorized(request, settings.token):
        return _json(401, {"error": "missing or wrong bearer token"},
                     **{"WWW-Authenticate": 'Bearer realm="newsflow"'})  # fmt: skip
    too_large = {"error": f"body over {settings.max_body_bytes} bytes"}
    if (request.content_length or 0) > settings.max_body_bytes:
        return _json(413, too_large)
    try:
        body = await request.read()  # aiohttp stops at client_max_size, chunked bodies too
    except web.HTTPRequestEntityTooLarge:
        return _json(413, too_large)
    metrics = request.app[METRICS]
    metrics.body_bytes.observe(len(body))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _json(400, {"error": "body is not UTF-8"})
    if not text.strip():
        return _json(400, {"error": "empty body"})
    items = parse_body(text)
    if len(items) > settings.max_items:
        return _json(413, {"error": f"more than {settings.max_items} articles in one request"})
    rejected = [{"index": int(i.origin), "error": i.error} for i in items if i.article is None]
    valid = [i for i in items if i.article is not None]
    metrics.articles.labels(result="rejected").inc(len(rejected))
    if not valid:
        return _json(422, {"accepted": [], "rejected": rejected})
    loop = asyncio.get_running_loop()
    # kafka-python blocks until acks=all; keep it off the event loop.
    report = await loop.run_in_executor(None, request.app[SINK].publish, valid, len(valid))
    metrics.articles.labels(result="accepted").inc(report.sent)
    if report.sent < len(valid):
        return _json(503, {"error": "Kafka did not acknowledge every article; resend the rest",
                           "accepted": report.ids, "rejected": rejected})  # fmt: skip
    return _json(202, {"accepted": report.ids, "rejected": rejected})


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
    app.router.add_post("/articles", post_articles)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/openapi.json", openapi)
    app.router.add_get("/metrics", metrics_page)
    return app


def openapi_document() -> dict[str, Any]:
    """OpenAPI 3.1 description of the endpoints, built from the RawArticle model."""
    article = RawArticle.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = article.pop("$defs", {})
    submission = {
        **article,
        "title": "ArticleSubmission",
        "required": [f for f in article.get("required", []) if f != "id"],
        "description": "A RawArticle; a missing id becomes the hash of its url.",
    }
    ref = {"$ref": "#/components/schemas/ArticleSubmission"}
    result = {"$ref": "#/components/schemas/IngestResult"}
    error = {"$ref": "#/components/schemas/Error"}

    def answer(text: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": text, "content": {"application/json": {"schema": schema}}}

    schemas |= {
        "RawArticle": article,
        "ArticleSubmission": submission,
        "IngestResult": {
            "type": "object",
            "required": ["accepted", "rejected"],
            "properties": {
                "accepted": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Ids published to the raw topic (acks=all).",
                },
                "rejected": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["index", "error"],
                        "properties": {
                            "index": {"type": "integer", "minimum": 0},
                            "error": {"type": "string"},
                        },
                    },
                },
            },
        },
        "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
    }
    post = {
        "summary": "Publish articles to the raw topic",
        "security": [{"bearer": []}, {}],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"oneOf": [ref, {"type": "array", "items": ref}]}},
                "application/x-ndjson": {
                    "schema": {"type": "string", "description": "One article per line."}
                },
            },
        },
        "responses": {
            "202": answer("Published; some items may be rejected (listed).", result),
            "400": answer("Empty or non-UTF-8 body.", error),
            "401": answer("Missing or wrong bearer token (when one is configured).", error),
            "413": answer("Body or item count over the limit.", error),
            "422": answer("No item was valid.", result),
            "503": answer("Kafka did not acknowledge every item.", result),
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Newsflow ingest", "version": __version__},
        "paths": {
            "/articles": {"post": post},
            "/healthz": {
                "get": {
                    "summary": "Liveness",
                    "responses": {
                        "200": answer(
                            "Up.", {"type": "object", "properties": {"status": {"const": "ok"}}}
                        )
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1 document."}},
                }
            },
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def resolve_serve_settings(settings: Settings, given: ServeSettings | None) -> ServeSettings:
    """``given``, else ``settings.serve`` once config.py has it, else the defaults."""
    if given is not None:
        return given
    nested = getattr(settings, "serve", None)
    return nested if isinstance(nested, ServeSettings) else ServeSettings()


def run_server(settings: Settings, *, serve_settings: ServeSettings | None = None) -> int:
    """Serve until SIGINT / SIGTERM (``newsflow serve``); exit code 0."""
    ss = resolve_serve_settings(settings, serve_settings)
    publisher = Publisher(settings)  # fails fast (KafkaUnavailable) before listening
    app = build_app(publisher, ss)

    async def close_publisher(_: web.Application) -> None:
        await asyncio.get_running_loop().run_in_executor(None, publisher.close)

    app.on_cleanup.append(close_publisher)
    print(f"serving POST http://{ss.host}:{ss.port}/articles → {settings.topics.raw}"
          + (" (bearer token required)" if ss.token else ""), flush=True)  # fmt: skip
    web.run_app(app, host=ss.host, port=ss.port, print=None, handle_signals=True)
    return 0
