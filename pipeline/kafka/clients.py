"""Client configuration for every Kafka library Newsflow uses, built in one place.

kafka-python (producers, consumers, admin clients), aiokafka (the worker's transactional
producers and input reader) and Faust (the app) all take the same settings
(``NEWSFLOW_KAFKA_*``): bootstrap servers, client id, timeouts, TLS and SASL. The shared part is
:func:`_connection`; each public function adds only what its library spells differently.
"""

from __future__ import annotations

import ssl
from typing import Any

from pipeline.config import KafkaSettings, Settings


def kafka_python_config(settings: Settings) -> dict[str, Any]:
    """Keyword arguments shared by kafka-python producers, consumers and admin clients."""
    k = settings.kafka
    config = _connection(settings)
    config["bootstrap_timeout_ms"] = int(k.connect_timeout_seconds * 1000)
    for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
        value = getattr(k, name)
        if value is not None:
            config[name] = str(value)
    return config


def aiokafka_config(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for aiokafka clients (the worker's transactional producers and the
    story index's reader and producer)."""
    config = _connection(settings)
    if _uses_tls(settings.kafka):
        config["ssl_context"] = _ssl_context(settings.kafka)
    return config


def faust_broker_config(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``faust.App`` that say how to reach the cluster."""
    config: dict[str, Any] = {
        "broker": ",".join(f"kafka://{hp}" for hp in settings.bootstrap_servers.split(",")),
    }
    credentials = _faust_credentials(settings.kafka)
    if credentials is not None:
        config["broker_credentials"] = credentials
    return config


def _connection(settings: Settings) -> dict[str, Any]:
    """What kafka-python and aiokafka spell alike: servers, client id, timeout and SASL."""
    k = settings.kafka
    config: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "client_id": k.client_id,
        "security_protocol": k.security_protocol,
        "request_timeout_ms": int(k.request_timeout_seconds * 1000),
    }
    if k.sasl_mechanism:
        config["sasl_mechanism"] = k.sasl_mechanism
        config["sasl_plain_username"] = k.sasl_username
        config["sasl_plain_password"] = _password(k)
    return config


def _password(k: KafkaSettings) -> str | None:
    return k.sasl_password.get_secret_value() if k.sasl_password else None


def _uses_tls(k: KafkaSettings) -> bool:
    return k.security_protocol in ("SSL", "SASL_SSL")


def _faust_credentials(k: KafkaSettings) -> Any:
    """Faust's credentials object for TLS / SASL, or None for plaintext."""
    if k.security_protocol == "PLAINTEXT":
        return None
    import faust

    context = _ssl_context(k) if _uses_tls(k) else None
    if k.sasl_mechanism is None:
        return faust.SSLCredentials(context)
    return faust.SASLCredentials(
        username=k.sasl_username,
        password=_password(k) or "",
        mechanism=k.sasl_mechanism,
        ssl_context=context,
    )


def _ssl_context(k: KafkaSettings) -> ssl.SSLContext:
    """A TLS context from the CA file and optional client certificate of the settings."""
    context = ssl.create_default_context(
        purpose=ssl.Purpose.SERVER_AUTH, cafile=str(k.ssl_cafile) if k.ssl_cafile else None
    )
    if k.ssl_certfile:
        context.load_cert_chain(str(k.ssl_certfile), str(k.ssl_keyfile or k.ssl_certfile))
    return context
