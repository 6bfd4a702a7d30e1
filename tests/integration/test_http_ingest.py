"""``newsflow serve`` against the real broker: what it accepts is on the raw topic by the time
the answer arrives."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from kafka import KafkaConsumer, TopicPartition
from pydantic import SecretStr

from pipeline.config import ServeSettings
from pipeline.ingest.publisher import Publisher
from pipeline.ingest.serve import build_app
from pipeline.models import RawArticle
from tests.integration.conftest import BOOTSTRAP, Env, read_topic

pytestmark = pytest.mark.integration

TOKEN = "t0ken-for-tests"


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


class Ingest:
    """The ingest app with a real Publisher, served from a thread on a free port."""

    def __init__(self, env: Env, settings: ServeSettings) -> None:
        self.publisher = Publisher(env.settings)
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(build_app(self.publisher, settings))
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        port = self.runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def request(self, path: str, data: bytes | None = None, token: str | None = TOKEN,
                content_type: str = "application/json") -> Answer:  # fmt: skip
        headers = {"Content-Type": content_type}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return Answer(r.status, json.loads(r.read()), dict(r.headers))
        except urllib.error.HTTPError as exc:
            with exc:
                return Answer(exc.code, json.loads(exc.read() or b"null"), dict(exc.headers))

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
        self.publisher.close()


@pytest.fixture
def ingest(env: Env) -> Iterator[Ingest]:
    server = Ingest(env, ServeSettings(token=SecretStr(TOKEN), max_body_bytes=20_000))
    yield server
    server.close()


def article(n: int, **extra: str) -> dict[str, str]:
    return {"id": f"http-{n}", "title": f"Story {n}", "body": f"Body of story {n}.", **extra}


def messages_on(topic: str) -> int:
    """How many messages the topic holds right now (sum of end offsets), without waiting."""
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP)
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        return sum(consumer.end_offsets(tps).values())
    finally:
        consumer.close()


def raw_ids(env: Env, expected: int, timeout: float = 5) -> list[str]:
    values = read_topic(env.settings.topics.raw, expected, timeout=timeout)
    return [RawArticle.model_validate_json(v).id for _, v in values]


def test_object_array_and_jsonl_are_on_the_topic_when_answered(env: Env, ingest: Ingest
                                                               ) -> None:  # fmt: skip
    one = ingest.request("/articles", json.dumps(article(1)).encode())
    assert one.status == 202 and one.body == {"accepted": ["http-1"], "rejected": []}
    assert messages_on(env.settings.topics.raw) == 1  # on the topic when the answer came
    assert raw_ids(env, 1) == ["http-1"]

    many = ingest.request("/articles", json.dumps([article(2), article(3)]).encode())
    assert many.status == 202 and many.body["accepted"] == ["http-2", "http-3"]
    assert messages_on(env.settings.topics.raw) == 3

    no_id = {"title": "T", "body": "B", "url": "https://example.org/story"}
    jsonl = "\n".join(json.dumps(a) for a in (article(4), no_id)).encode()
    lines = ingest.request("/articles", jsonl, content_type="application/x-ndjson")
    assert lines.status == 202 and lines.body["accepted"][0] == "http-4"
    derived = lines.body["accepted"][1]  # the stable hash of the url, like `newsflow produce`
    assert len(derived) == 16
    assert sorted(raw_ids(env, 5)) == sorted(["http-1", "http-2", "http-3", "http-4", derived])


def test_bad_items_get_per_item_errors(env: Env, ingest: Ingest) -> None:
    mixed = [article(5), {"id": "no-body"}, {"id": "x", "body": "b", "title": 7}]
    answer = ingest.request("/articles", json.dumps(mixed).encode())
    assert answer.status == 202 and answer.body["accepted"] == ["http-5"]
    assert [r["index"] for r in answer.body["rejected"]] == [1, 2]
    assert "body" in answer.body["rejected"][0]["error"]

    none = ingest.request("/articles", b'{"title": "only a title"}\nnot json\n')
    assert none.status == 422 and none.body["accepted"] == []
    assert len(none.body["rejected"]) == 2
    assert raw_ids(env, 2, timeout=3) == ["http-5"]  # rejected items were not published


def test_limits_auth_health_and_openapi(env: Env, ingest: Ingest) -> None:
    big = json.dumps(article(6, body="x" * 30_000)).encode()
    assert ingest.request("/articles", big).status == 413
    body = json.dumps(article(7)).encode()
    missing = ingest.request("/articles", body, token=None)
    assert missing.status == 401 and "Bearer" in missing.headers["WWW-Authenticate"]
    assert ingest.request("/articles", body, token="wrong").status == 401

    health = ingest.request("/healthz", token=None)
    assert health.status == 200 and health.body == {"status": "ok"}
    spec = ingest.request("/openapi.json", token=None)
    assert spec.status == 200 and spec.body["openapi"].startswith("3.1")
    assert "post" in spec.body["paths"]["/articles"]
    assert "RawArticle" in spec.body["components"]["schemas"]
    assert raw_ids(env, 1, timeout=2) == []  # nothing got through
