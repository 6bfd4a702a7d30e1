"""Unit tests of the HTTP ingest app with an in-memory sink (no broker, loopback only)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from pipeline.config import ServeSettings
from pipeline.ingest.loaders import Loaded
from pipeline.ingest.publisher import PublishReport
from pipeline.ingest.serve import build_app, openapi_document, parse_body


class MemorySink:
    """Acknowledges everything except ids listed in ``refuse``."""

    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.published: list[str] = []
        self.refuse = refuse

    def publish(self, items: Iterable[Loaded], total: int | None = None) -> PublishReport:
        report = PublishReport()
        for item in items:
            assert item.article is not None
            if item.article.id in self.refuse:
                report.errors.append(f"{item.article.id}: not acknowledged")
                continue
            self.published.append(item.article.id)
            report.sent += 1
            report.ids.append(item.article.id)
        return report


Scenario = Callable[[TestClient[Any, Any]], Awaitable[None]]


def run(sink: MemorySink, settings: ServeSettings, scenario: Scenario) -> None:
    async def main() -> None:
        async with TestClient(TestServer(build_app(sink, settings))) as client:
            await scenario(client)

    asyncio.run(main())


def test_parse_body_accepts_object_array_and_jsonl() -> None:
    one = parse_body('{"id": "a", "body": "x"}')
    many = parse_body('[{"id": "a", "body": "x"}, {"body": "y", "url": "http://u"}]')
    lines = parse_body('{"id": "a", "body": "x"}\n\n{broken\n{"id": "c"}\n')
    assert [i.article.id for i in one if i.article] == ["a"]
    assert len(many) == 2 and all(i.article for i in many)
    assert [i.origin for i in lines] == ["0", "1", "2"]
    assert "not JSON" in (lines[1].error or "") and "body" in (lines[2].error or "")


def test_statuses_for_accepted_mixed_rejected_and_oversized() -> None:
    sink = MemorySink()

    async def scenario(client: TestClient[Any, Any]) -> None:
        ok = await client.post("/articles", data='{"id": "a1", "body": "Text."}')
        assert ok.status == 202 and await ok.json() == {"accepted": ["a1"], "rejected": []}
        mixed = await client.post("/articles", data='[{"id": "a2", "body": "T"}, {"id": "b"}]')
        assert mixed.status == 202
        assert (await mixed.json())["rejected"][0]["index"] == 1
        bad = await client.post("/articles", data='[{"id": "b"}, 7]')
        body = await bad.json()
        assert bad.status == 422 and body["accepted"] == []
        assert [r["index"] for r in body["rejected"]] == [0, 1]
        assert (await client.post("/articles", data="  ")).status == 400
        assert (await client.post("/articles", data=b"\xff\xfe")).status == 400
        big = await client.post("/articles", data=json.dumps({"body": "x" * 600}))
        assert big.status == 413
        many = "\n".join(json.dumps({"id": f"m{i}", "body": "b"}) for i in range(6))
        assert (await client.post("/articles", data=many)).status == 413

    run(sink, ServeSettings(max_body_bytes=500, max_items=5), scenario)
    assert sink.published == ["a1", "a2"]


def test_bearer_token_is_required_when_set() -> None:
    sink = MemorySink()
    article = '{"id": "t1", "body": "Text."}'

    async def scenario(client: TestClient[Any, Any]) -> None:
        missing = await client.post("/articles", data=article)
        assert missing.status == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
        wrong = await client.post("/articles", data=article,
                                  headers={"Authorization": "Bearer nope"})  # fmt: skip
        assert wrong.status == 401
        right = await client.post("/articles", data=article,
                                  headers={"Authorization": "Bearer s3cret"})  # fmt: skip
        assert right.status == 202
        assert (await client.get("/healthz")).status == 200  # open without a token

    run(sink, ServeSettings(token=SecretStr("s3cret")), scenario)
    assert sink.published == ["t1"]


def test_unacknowledged_items_answer_503_with_what_was_published() -> None:
    sink = MemorySink(refuse=frozenset({"lost"}))

    async def scenario(client: TestClient[Any, Any]) -> None:
        response = await client.post(
            "/articles", data='[{"id": "kept", "body": "a"}, {"id": "lost", "body": "b"}]'
        )
        assert response.status == 503 and (await response.json())["accepted"] == ["kept"]

    run(sink, ServeSettings(), scenario)


def test_openapi_document_describes_the_endpoints() -> None:
    doc = openapi_document()
    assert doc["openapi"].startswith("3.1")
    post = doc["paths"]["/articles"]["post"]
    assert {"202", "401", "413", "422"} <= set(post["responses"])
    schemas = doc["components"]["schemas"]
    assert "id" in schemas["RawArticle"]["required"]
    assert "id" not in schemas["ArticleSubmission"]["required"]
    assert set(schemas["RawArticle"]["properties"]) >= {"title", "body", "url", "published_at"}
    json.dumps(doc)  # serialisable as served


def test_requests_are_counted_by_path_and_status_with_sizes_and_latency() -> None:
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry()

    async def main() -> None:
        app = build_app(MemorySink(), ServeSettings(max_body_bytes=2_000), registry)
        async with TestClient(TestServer(app)) as client:
            ok = '{"id": "a", "body": "Rain in Lisbon."}'
            assert (await client.post("/articles", data=ok)).status == 202
            assert (await client.post("/articles", data='{"id": "b"}')).status == 422
            assert (await client.post("/articles", data="x" * 3_000)).status == 413
            assert (await client.get("/nowhere/secret-id")).status == 404
            page = await client.get("/metrics")
            assert page.status == 200
            assert "newsflow_http_requests_total" in await page.text()

    asyncio.run(main())

    def sample(name: str, **labels: str) -> float:
        return registry.get_sample_value(name, labels) or 0.0

    assert sample("newsflow_http_requests_total", path="/articles", status="202") == 1
    assert sample("newsflow_http_requests_total", path="/articles", status="422") == 1
    assert sample("newsflow_http_requests_total", path="/articles", status="413") == 1
    assert sample("newsflow_http_requests_total", path="other", status="404") == 1  # bounded
    assert sample("newsflow_http_articles_total", result="accepted") == 1
    assert sample("newsflow_http_articles_total", result="rejected") == 1
    assert sample("newsflow_http_request_body_bytes_count") == 2  # the 413 body was not read
    assert sample("newsflow_http_request_body_bytes_sum") == len(
        '{"id": "a", "body": "Rain in Lisbon."}'
    ) + len('{"id": "b"}')
    assert sample("newsflow_http_request_duration_seconds_count", path="/articles") == 3
