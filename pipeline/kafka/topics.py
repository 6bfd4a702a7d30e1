"""Newsflow's topics: which exist, how big, and creating them idempotently."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from aiokafka.conn import create_conn
from aiokafka.errors import SaslAuthenticationFailed, UnsupportedSaslMechanismError
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAlreadyExistsError

from pipeline.config import Settings
from pipeline.errors import AuthenticationFailed, KafkaUnavailable, NewsflowError
from pipeline.kafka.clients import aiokafka_config, kafka_python_config


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
        TopicSpec(t.deadletter, 1, t.replication, deadletter_config),
    ]


def admin_client(settings: Settings) -> KafkaAdminClient:
    """A kafka-python admin client, or KafkaUnavailable / AuthenticationFailed after the
    connect timeout."""
    try:
        return KafkaAdminClient(**kafka_python_config(settings))
    except KafkaTimeoutError as exc:
        raise unreachable(settings, _hint(settings)) from exc


def _hint(settings: Settings) -> str:
    return "start it with: newsflow kafka start" if settings.uses_local_broker else ""


def unreachable(settings: Settings, hint: str = "") -> NewsflowError:
    """The error for a kafka-python client that could not bootstrap within the connect timeout.

    kafka-python 3.0.12 drops the broker's SASL_AUTHENTICATION_FAILED reply (it arrives together
    with the connection close) and retries until the timeout, so a wrong password looks like a
    missing broker. With SASL configured, one aiokafka login tells the two apart.
    """
    if settings.kafka.security_protocol.startswith("SASL") and not _loop_running():
        refused = asyncio.run(_sasl_refusal(settings))
        if refused is not None:
            return refused
    return KafkaUnavailable.at(settings.bootstrap_servers, hint)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _sasl_refusal(settings: Settings) -> AuthenticationFailed | None:
    """AuthenticationFailed if a bootstrap broker refuses our SASL login, else None."""
    k = settings.kafka
    config = aiokafka_config(settings)
    del config["bootstrap_servers"]
    timeout = min(k.connect_timeout_seconds, 10.0)
    for address in settings.bootstrap_servers.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            conn = await asyncio.wait_for(create_conn(host, int(port), **config), timeout)
        except SaslAuthenticationFailed:
            reason = "check NEWSFLOW_KAFKA_SASL_USERNAME and NEWSFLOW_KAFKA_SASL_PASSWORD"
        except UnsupportedSaslMechanismError:
            reason = "the broker does not offer this mechanism (NEWSFLOW_KAFKA_SASL_MECHANISM)"
        except Exception:
            continue  # not an answer about our credentials: ask the next broker
        else:
            conn.close()
            return None  # this broker lets us in: the bootstrap failed for another reason
        return AuthenticationFailed(address.strip(), k.sasl_username, str(k.sasl_mechanism), reason)
    return None


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
                raise KafkaUnavailable(f"cannot create topic {spec.name}: {exc}") from exc
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
