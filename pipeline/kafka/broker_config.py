"""What the embedded broker is told: its ``server.properties`` and its SCRAM users.

The PLAINTEXT listener (``NEWSFLOW_BROKER_PORT``) and the controller listener
(``NEWSFLOW_BROKER_CONTROLLER_PORT``) are always there. An optional third listener,
``SASL_PLAINTEXT`` on ``sasl_port``, accepts SCRAM-SHA-256 and SCRAM-SHA-512 logins for users
kept in the KRaft metadata log; brokers talk to each other over PLAINTEXT, so the SASL
listener needs no credentials of its own.
"""

from __future__ import annotations

from pathlib import Path

from kafka.admin import KafkaAdminClient
from kafka.admin._users import UserScramCredentialUpsertion
from kafka.errors import KafkaError

from pipeline.config import Settings
from pipeline.errors import BrokerError

SASL_LISTENER = "SASL_PLAINTEXT"
SCRAM_MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")
# The server side of SCRAM: users are looked up in the metadata log, not in this JAAS entry.
_SCRAM_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required;"


def server_properties(settings: Settings, data_dir: Path, sasl_port: int | None) -> dict[str, str]:
    """The broker's configuration; ``sasl_port`` adds the SASL_PLAINTEXT (SCRAM) listener."""
    b = settings.broker
    listeners = [f"PLAINTEXT://{b.host}:{b.port}"]
    protocols = ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT"]
    if sasl_port is not None:
        listeners.append(f"{SASL_LISTENER}://{b.host}:{sasl_port}")
        protocols.append(f"{SASL_LISTENER}:{SASL_LISTENER}")
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{b.host}:{b.controller_port}",
        "listeners": ",".join([*listeners, f"CONTROLLER://{b.host}:{b.controller_port}"]),
        "advertised.listeners": ",".join(listeners),
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": ",".join(protocols),
        "log.dirs": str(data_dir),
        "num.partitions": str(settings.topics.partitions),
        # Topics are created on purpose (newsflow topics create / the worker), never by typo.
        "auto.create.topics.enable": "false",
        # Single node: internal topics cannot have more than one replica.
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "8",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "8",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # A lone worker should not wait 3 s for company before taking its partitions.
        "group.initial.rebalance.delay.ms": "0",
    }
    if sasl_port is not None:
        prefix = f"listener.name.{SASL_LISTENER.lower()}"
        props[f"{prefix}.sasl.enabled.mechanisms"] = ",".join(SCRAM_MECHANISMS)
        for mechanism in SCRAM_MECHANISMS:
            props[f"{prefix}.{mechanism.lower()}.sasl.jaas.config"] = _SCRAM_JAAS
    return props


def render(props: dict[str, str]) -> str:
    return "".join(f"{key}={value}\n" for key, value in props.items())


def upsert_scram_users(settings: Settings, users: dict[str, str]) -> None:
    """Create or update each user's SCRAM-SHA-256 and -512 credentials (idempotent).

    Sent through the admin API on the PLAINTEXT listener rather than ``StorageTool format
    --add-scram``: the password never shows in a process list (argv), needs no quoting rules,
    and changes take effect on an already formatted store. Only a salted hash leaves the client.
    """
    b = settings.broker
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=[f"{b.host}:{b.port}"],
            client_id="newsflow-broker-setup",
            bootstrap_timeout_ms=int(b.start_timeout_seconds * 1000),
        )
    except KafkaError as exc:
        raise BrokerError(f"cannot reach the broker to add SCRAM users: {exc}") from exc
    failures: dict[str, str] = {}
    try:
        # The broker refuses two alterations of one user in a request: one per mechanism.
        for mechanism in SCRAM_MECHANISMS:
            alterations = [
                UserScramCredentialUpsertion(name, mechanism, password)
                for name, password in users.items()
            ]
            results = admin.alter_user_scram_credentials(alterations)
            failures.update({user: message for user, message in results.items() if message})
    except KafkaError as exc:
        raise BrokerError(f"adding SCRAM users failed: {exc}") from exc
    finally:
        admin.close()
    if failures:
        user, message = next(iter(failures.items()))
        raise BrokerError(f"adding SCRAM user {user!r} failed: {message}")
