"""Newsflow's topics: which exist, how big, and creating them idempotently."""

from __future__ import annotations

import time
from dataclasses import dataclass

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAlreadyExistsError

from pipeline.config import Settings
from pipeline.errors import KafkaUnavailable
from pipeline.kafka.clients import kafka_python_config
from pipeline.kafka.failures import kafka_error, local_broker_hint


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication: int
    config: dict[str, str]


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """The topics Newsflow reads and writes, in pipeline order."""
    t = settings.topics
    # Dead letters keep their original bytes for reprocessing: keep them longer (30 days).
    deadletter_config = {"retention.ms": str(30 * 24 * 3600 * 1000)}
    return [
        TopicSpec(t.raw, t.partitions, t.replication, {}),
        TopicSpec(t.enriched, t.partitions, t.replication, {}),
        TopicSpec(t.entities, t.partitions, t.replication, {}),
        TopicSpec(t.stance, t.partitions, t.replication, {}),
        TopicSpec(t.trends, t.partitions, t.replication, {}),
        TopicSpec(t.stories, t.partitions, t.replication, {}),
        TopicSpec(t.deadletter, 1, t.replication, deadletter_config),
    ]


def admin_client(settings: Settings) -> KafkaAdminClient:
    """A kafka-python admin client, or KafkaUnavailable / AuthenticationFailed after the
    connect timeout."""
    try:
        return KafkaAdminClient(**kafka_python_config(settings))
    except KafkaTimeoutError as exc:
        raise kafka_error(settings, exc, hint=local_broker_hint(settings)) from exc


def ensure_topics(settings: Settings, specs: list[TopicSpec] | None = None) -> list[str]:
    """Create the missing topics; return the names created (empty when all existed)."""
    specs = specs if specs is not None else topic_specs(settings)
    admin = admin_client(settings)
    try:
        existing = set(admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        created: list[str] = []
        for spec in missing:
            new = NewTopic(spec.name, spec.partitions, spec.replication, topic_configs=spec.config)
            try:
                admin.create_topics([new])
                created.append(spec.name)
            except TopicAlreadyExistsError:
                pass  # created concurrently by another worker: fine
            except KafkaError as exc:
                raise kafka_error(settings, exc, doing=f"cannot create topic {spec.name}") from exc
        _wait_for_metadata(admin, [s.name for s in specs])
        return created
    finally:
        admin.close()


def _wait_for_metadata(admin: KafkaAdminClient, names: list[str], timeout: float = 15.0) -> None:
    """Topic creation is asynchronous; wait until every topic has leaders."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = admin.describe_topics(names)
        ready = all(
            t.get("error_code", 0) == 0
            and t.get("partitions")
            and all(p.get("leader_id", -1) >= 0 for p in t["partitions"])
            for t in described
        )
        if ready and len(described) == len(names):
            return
        time.sleep(0.2)
    raise KafkaUnavailable(f"topics {names} have no leaders after {timeout:.0f}s")
