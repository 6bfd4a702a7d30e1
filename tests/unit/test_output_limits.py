"""What the worker makes of the broker's answers about message sizes (an admin-client double;
the real broker is asked in tests/integration/test_hostile.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaConnectionError

from pipeline.config import Settings
from pipeline.worker.delivery import kafka_io
from pipeline.worker.process import DEFAULT_MAX_RECORD_BYTES

TOPIC, BROKER = int(ConfigResourceType.TOPIC), int(ConfigResourceType.BROKER)


Entry = tuple[str, str, bool, int, bool, list[Any]]  # name, value, read-only, source, ...


@dataclass
class Response:
    resources: list[tuple[int, str, int, str, list[Entry]]]


class FakeAdmin:
    """Answers as Kafka 3.x does: per resource an error code and the entries asked for."""

    topics: dict[str, int] = {"news.enriched": 2_000_000, "news.stance": 50_000}  # noqa: RUF012
    broker_max = 300_000
    fail_start = False

    def __init__(self, **_: Any) -> None:
        self.asked: list[ConfigResource] = []

    async def start(self) -> None:
        if self.fail_start:
            raise KafkaConnectionError("no broker")

    async def close(self) -> None:
        pass

    async def describe_cluster(self) -> dict[str, Any]:
        return {"controller_id": 1, "brokers": [{"node_id": 1}]}

    async def describe_configs(self, resources: list[ConfigResource]) -> list[Response]:
        answers: list[tuple[int, str, int, str, list[Entry]]] = []
        for r in resources:
            entries: list[Entry]
            if r.resource_type == ConfigResourceType.BROKER:
                entries = [("message.max.bytes", str(self.broker_max), False, 5, False, [])]
                answers.append((0, "", BROKER, r.name, entries))
            elif r.name in self.topics:
                entries = [("max.message.bytes", str(self.topics[r.name]), False, 5, False, [])]
                answers.append((0, "", TOPIC, r.name, entries))
            else:
                answers.append((3, "", TOPIC, r.name, []))  # unknown topic
        return [Response(answers)]


def test_each_topic_gets_its_own_limit_or_the_brokers_capped_by_the_producer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kafka_io, "AIOKafkaAdminClient", FakeAdmin)
    limits = asyncio.run(kafka_io.output_limits(Settings(), max_request_size=1_048_576))
    assert dict(limits.per_topic) == {
        "news.enriched": 1_048_576,  # the producer's request is the smaller
        "news.stance": 50_000,
        "news.entities": 300_000,  # not reported for the topic: the broker's
        "news.deadletter": 300_000,
    }


def test_a_broker_that_cannot_be_asked_leaves_the_safe_default(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(kafka_io, "AIOKafkaAdminClient", FakeAdmin)
    monkeypatch.setattr(FakeAdmin, "fail_start", True)
    limits = asyncio.run(kafka_io.output_limits(Settings(), max_request_size=900_000))
    assert dict(limits.per_topic) == {}
    assert limits.default == min(DEFAULT_MAX_RECORD_BYTES, 900_000)
    assert "maximum message size" in caplog.text


class _Stream:
    def events(self) -> Any:
        async def none() -> Any:
            return
            yield

        return none()


class _App:
    class conf:  # the shape of faust.App.conf the agent reads
        producer_max_request_size = 1_048_576

    def topic(self, *_: Any, **__: Any) -> object:
        return object()


def test_an_actor_whose_query_fails_keeps_the_limits_another_actor_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The at_least_once agent runs one actor per NLP process and each asks as it starts: a
    failed answer (the safe default) must not replace the broker's figures another one read."""
    from types import SimpleNamespace

    from pipeline.worker.agents import at_least_once_agent
    from pipeline.worker.process import OutputLimits

    monkeypatch.setattr(kafka_io, "AIOKafkaAdminClient", FakeAdmin)
    processor = SimpleNamespace(limits=OutputLimits())
    agent = at_least_once_agent(Settings(), processor, _App())  # type: ignore[arg-type]
    asyncio.run(agent(_Stream()))
    assert processor.limits.per_topic["news.stance"] == 50_000
    monkeypatch.setattr(FakeAdmin, "fail_start", True)
    asyncio.run(agent(_Stream()))  # a second actor cannot reach the broker
    assert processor.limits.per_topic["news.stance"] == 50_000
